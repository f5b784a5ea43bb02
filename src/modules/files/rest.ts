/** Seed 003's workspace file paths: any nested path under …/files/. */
import { created, noContent, ok, type RestResult, type Route } from '../../rest/route.js';
import type { ServiceContext } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { decodeRequestPath } from './paths.js';
import * as files from './service.js';
import { FileBody, FileListBody } from './responses.js';

const base = '/api/v1/users/:user/agents/:agent/files/*';
/** …/files/ followed by the file path exactly as sent (URL parsing would resolve "." segments and decode "%2f"). */
const PREFIX_SEGMENTS = ['', 'api', 'v1', 'users', null, 'agents', null, 'files'];

const ref = (params: Record<string, string>, rawPath: string) => {
  const parts = rawPath.split('/');
  if (!PREFIX_SEGMENTS.every((s, i) => s === null || parts[i] === s)) {
    throw new ValidationError('invalid path: it is not in normal form before the file path', 'path', 'invalid_path');
  }
  return { user: params.user!, agent: params.agent!, path: decodeRequestPath(parts.slice(PREFIX_SEGMENTS.length).join('/')) };
};
const noFile = async ({ ctx }: { ctx: ServiceContext }): Promise<RestResult> => files.refuseWorkspaceWrite(ctx);
const view = (f: files.FileInfo) => ({ path: f.path, size: f.size, contentType: f.contentType, sha256: f.sha256, updatedAt: f.updatedAt.toISOString() });

export const fileRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/users/:user/agents/:agent/files',
    scope: 'agent:read',
    response: FileListBody,
    summary: 'List the files in the agent’s workspace (?prefix=dir/)',
    handler: async ({ ctx, params, query }) =>
      ok((await files.listFilesOf(ctx, { user: params.user!, agent: params.agent! }, query.get('prefix') ?? undefined)).map(view)),
  },
  { method: 'PUT', path: '/api/v1/users/:user/agents/:agent/files', scope: 'agent:write', summary: 'Refused: a file path is required', responses: { 400: 'A file path is required' }, rawBody: true, handler: noFile },
  { method: 'DELETE', path: '/api/v1/users/:user/agents/:agent/files', scope: 'agent:write', summary: 'Refused: a file path is required', responses: { 400: 'A file path is required' }, handler: noFile },
  {
    method: 'GET',
    path: base,
    scope: 'agent:read',
    responses: { 200: 'OK', 304: 'Not modified (If-None-Match matched the ETag)' },
    rawResponse: true,
    summary: 'Read a file from the agent’s workspace',
    handler: async ({ ctx, params, headers, rawPath }): Promise<RestResult> => {
      const file = await files.getFile(ctx, ref(params, rawPath));
      const etag = `"${file.sha256}"`;
      const cache = { ETag: etag, 'Cache-Control': 'private, no-cache' };
      if (headers['if-none-match']?.split(',').some((t) => t.trim() === etag)) return { status: 304, headers: cache };
      return { status: 200, raw: { bytes: Buffer.from(file.bytes), contentType: file.contentType }, headers: cache };
    },
  },
  {
    method: 'PUT',
    path: base,
    scope: 'agent:write',
    response: FileBody,
    responses: { 200: 'OK', 201: 'Created' },
    summary: 'Write a file to the agent’s workspace (raw body, any content type)',
    rawBody: true,
    handler: async ({ ctx, params, headers, readRaw, rawPath }) => {
      const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : null;
      const { file, created: isNew } = await files.putFile(ctx, ref(params, rawPath), {
        contentLength: Number.isFinite(length) ? length : null,
        contentType: headers['content-type'],
        read: readRaw,
      });
      return isNew ? created(view(file)) : ok(view(file));
    },
  },
  {
    method: 'DELETE',
    path: base,
    scope: 'agent:write',
    responses: { 204: 'No content' },
    summary: 'Delete a file from the workspace',
    handler: async ({ ctx, params, rawPath }) => {
      await files.deleteFile(ctx, ref(params, rawPath));
      return noContent();
    },
  },
];
