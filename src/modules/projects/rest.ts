/** EvalStudio's projects, workspace and project images (seed 002's product). */
import * as inputs from './inputs.js';
import { created, noContent, ok, type RestResult, type Route } from '../../rest/route.js';
import * as projects from './service.js';
import * as bodies from './responses.js';

const project = (p: { id: string; name: string }) => ({ id: p.id, name: p.name });

export const projectRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/projects',
    scope: 'persona:read',
    response: bodies.ProjectListBody,
    summary: 'List projects',
    handler: async ({ ctx }) => ok((await projects.listProjects(ctx)).map(project)),
  },
  {
    method: 'POST',
    path: '/api/projects',
    scope: 'persona:write',
    response: bodies.ProjectBody,
    responses: { 201: 'Created' },
    body: inputs.CreateProjectInput,
    summary: 'Create a project',
    handler: async ({ ctx, body }) => created(project(await projects.createProject(ctx, body))),
  },
  {
    method: 'DELETE',
    path: '/api/projects/:projectId',
    scope: 'persona:write',
    responses: { 204: 'No content' },
    summary: 'Delete a project and all its data',
    handler: async ({ ctx, params }) => {
      await projects.deleteProject(ctx, params.projectId!);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: '/api/projects/:projectId/config',
    scope: 'persona:read',
    response: bodies.ProjectConfigBody,
    summary: 'The project’s effective config (API keys masked)',
    handler: async ({ ctx, params }) => {
      const { name, ...config } = await projects.getProjectConfig(ctx, params.projectId!);
      return ok({ name, ...projects.maskConfig(config) });
    },
  },
  {
    method: 'PUT',
    path: '/api/projects/:projectId/config',
    scope: 'persona:write',
    response: bodies.ProjectConfigBody,
    body: inputs.ProjectConfigInput,
    summary: 'Override config fields; null clears an override, an omitted apiKey keeps the stored one',
    handler: async ({ ctx, params, body }) => {
      const { name, ...config } = await projects.updateProjectConfig(ctx, params.projectId!, body);
      return ok({ name, ...projects.maskConfig(config) });
    },
  },
  {
    method: 'GET',
    path: '/api/workspace',
    scope: 'persona:read',
    response: bodies.ConfigBody,
    summary: 'Team-level defaults that projects inherit',
    handler: async ({ ctx }) => ok(projects.maskConfig(await projects.getWorkspace(ctx))),
  },
  {
    method: 'PUT',
    path: '/api/workspace',
    scope: 'persona:write',
    response: bodies.ConfigBody,
    body: inputs.WorkspaceConfigInput,
    summary: 'Change team-level defaults',
    handler: async ({ ctx, body }) => ok(projects.maskConfig(await projects.updateWorkspace(ctx, body))),
  },
  {
    method: 'POST',
    path: '/api/projects/:projectId/images',
    scope: 'persona:write',
    response: bodies.ImageCreatedBody,
    responses: { 201: 'Created' },
    summary: 'Upload an image (base64)',
    handler: async ({ ctx, params, body }) => created({ id: (await projects.uploadProjectImage(ctx, params.projectId!, body)).id }),
  },
  {
    method: 'GET',
    path: '/api/projects/:projectId/images/:id',
    scope: 'persona:read',
    responses: { 200: 'OK', 304: 'Not modified (If-None-Match matched the ETag)' },
    rawResponse: true,
    summary: 'Serve an image',
    handler: async ({ ctx, params, headers }): Promise<RestResult> => {
      const image = await projects.getProjectImage(ctx, params.projectId!, params.id!);
      const etag = `"${image.sha256}"`;
      if (headers['if-none-match']?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
        return { status: 304, headers: { ETag: etag, 'Cache-Control': 'private, max-age=31536000, immutable' } };
      }
      return {
        status: 200,
        raw: { bytes: Buffer.from(image.bytes), contentType: image.contentType },
        headers: {
          // Ids never change content, but the bytes need the team's key to read.
          'Cache-Control': 'private, max-age=31536000, immutable',
          ETag: etag,
          'Last-Modified': image.createdAt.toUTCString(),
        },
      };
    },
  },
  {
    method: 'DELETE',
    path: '/api/projects/:projectId/images/:id',
    scope: 'persona:write',
    responses: { 204: 'No content' },
    summary: 'Delete an image',
    handler: async ({ ctx, params }) => {
      await projects.deleteProjectImage(ctx, params.projectId!, params.id!);
      return noContent();
    },
  },
];
