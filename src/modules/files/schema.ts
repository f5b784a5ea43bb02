/** Agent workspace files in the graph: listed on Agent, read (with their bytes), written and deleted. */
import { builder, readableWith } from '../../graphql/builder.js';
import { ContentEncoding, decodeContent, readerOf } from '../../graphql/bytes.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NotFoundError } from '../../errors.js';
import * as files from './service.js';

const orNull = (e: unknown) => (e instanceof NotFoundError ? null : Promise.reject(e));

const AgentFile = builder.objectRef<files.FileInfo>('AgentFile').implement({
  authScopes: readableWith.agents,
  description: 'A file in an agent’s workspace. GET /api/v1/users/{user}/agents/{agent}/files/{path} serves its bytes.',
  fields: (t) => ({
    path: t.exposeString('path'),
    size: t.exposeInt('size', { description: 'Bytes.' }),
    contentType: t.exposeString('contentType'),
    sha256: t.exposeString('sha256'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Agent', 'files', (t) =>
  t.field({
    type: [AgentFile],
    args: { prefix: t.arg.string({ required: false, description: 'Only paths starting with this.' }) },
    resolve: (agent, { prefix }, ctx) => files.listFiles(ctx, agent.id, prefix ?? undefined),
  }),
);

const AgentFileContent = builder.objectRef<{ path: string; size: number; contentType: string; sha256: string; updatedAt: Date; bytes: Uint8Array }>('AgentFileContent').implement({
  authScopes: readableWith.agents,
  description: 'A workspace file with its bytes (GET …/files/{path}).',
  fields: (t) => ({
    path: t.exposeString('path'),
    size: t.exposeInt('size'),
    contentType: t.exposeString('contentType'),
    sha256: t.exposeString('sha256'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    base64: t.string({ description: 'The bytes, base64-encoded.', resolve: (f) => Buffer.from(f.bytes).toString('base64') }),
    text: t.string({
      nullable: true,
      description: 'The bytes as UTF-8 text; null when they are not valid UTF-8.',
      resolve: (f) => {
        try {
          return new TextDecoder('utf-8', { fatal: true }).decode(f.bytes);
        } catch {
          return null;
        }
      },
    }),
  }),
});

builder.prismaObjectField('Agent', 'file', (t) =>
  t.field({
    type: AgentFileContent,
    nullable: true,
    description: 'One workspace file with its bytes; null when there is none at that path.',
    args: { path: t.arg.string({ required: true }) },
    select: { id: true, userId: true },
    resolve: (agent, { path }, ctx) => files.getFile(ctx, { user: agent.userId, agent: agent.id, path }).catch(orNull),
  }),
);

builder.mutationFields((t) => ({
  writeAgentFile: t.field({
    type: AgentFile,
    errors: mutationErrors,
    description: 'Writes a file to the agent’s workspace (created or replaced), within the plan’s file limits.',
    args: {
      user: t.arg.id({ required: true }),
      agent: t.arg.id({ required: true }),
      path: t.arg.string({ required: true }),
      content: t.arg.string({ required: true }),
      encoding: t.arg({ type: ContentEncoding, required: false, description: 'Default UTF8.' }),
      contentType: t.arg.string({ required: false, description: 'Default text/plain; charset=utf-8.' }),
    },
    resolve: async (_r, a, ctx) => {
      const bytes = decodeContent(a.content, a.encoding);
      const ref = { user: String(a.user), agent: String(a.agent), path: a.path };
      const { file } = await files.putFile(ctx, ref, { contentLength: bytes.length, contentType: a.contentType ?? undefined, read: readerOf(bytes) });
      return file;
    },
  }),
  deleteAgentFile: t.boolean({
    errors: mutationErrors,
    description: 'Deletes a file from the agent’s workspace (not found: NotFoundError).',
    args: { user: t.arg.id({ required: true }), agent: t.arg.id({ required: true }), path: t.arg.string({ required: true }) },
    resolve: async (_r, a, ctx) => (await files.deleteFile(ctx, { user: String(a.user), agent: String(a.agent), path: a.path }), true),
  }),
}));
