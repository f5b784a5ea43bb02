/** EvalStudio projects and the team workspace in the graph. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import * as projects from './service.js';

type Masked = ReturnType<typeof projects.maskConfig>;

const LlmSettings = builder.objectRef<NonNullable<Masked['llmSettings']>>('LlmSettings').implement({
  authScopes: readableWith.personas,
  fields: (t) => ({
    provider: t.exposeString('provider'),
    apiKey: t.exposeString('apiKey', { nullable: true, description: 'Always masked, like sk-1...cdef.' }),
    baseUrl: t.exposeString('baseUrl', { nullable: true }),
    models: t.expose('models', { type: 'JSON' }),
  }),
});

const ProjectConfig = builder.objectRef<Masked>('ProjectConfig').implement({
  authScopes: readableWith.personas,
  description: 'Effective settings: the project’s overrides over the workspace defaults.',
  fields: (t) => ({
    llmSettings: t.field({ type: LlmSettings, nullable: true, resolve: (c) => c.llmSettings }),
    maxConcurrency: t.exposeInt('maxConcurrency'),
    styleReferenceImageIds: t.exposeStringList('styleReferenceImageIds'),
  }),
});

export const Project = builder.prismaObject('Project', {
  authScopes: readableWith.personas,
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    personas: t.relatedConnection('personas', { cursor: 'id' }, { authScopes: readableWith.personas }, { authScopes: readableWith.personas }),
    config: t.field({
      type: ProjectConfig,
      resolve: async (p, _args, ctx) => {
        const { name: _name, ...config } = await projects.getProjectConfig(ctx, p.id);
        return projects.maskConfig(config);
      },
    }),
  }),
});

const orNull = (e: unknown) => (e instanceof NotFoundError ? null : Promise.reject(e));
registerNode('Project', (ctx, id) => projects.getProject(ctx, id));

const LlmSettingsInput = builder.inputType('LlmSettingsInput', {
  fields: (t) => ({
    provider: t.string({ required: true, description: 'openai, or embedded for the offline provider.' }),
    apiKey: t.string({ required: false, description: 'Omit to keep the stored key; null clears it.' }),
    baseUrl: t.string({ required: false }),
    models: t.field({ type: 'JSON', required: false }),
  }),
});

const configFields = (t: any) => ({
  llmSettings: t.field({ type: LlmSettingsInput, required: false, description: 'null clears the override.' }),
  maxConcurrency: t.int({ required: false }),
  styleReferenceImageIds: t.stringList({ required: false }),
});

const ProjectConfigInput = builder.inputType('ProjectConfigInput', {
  fields: (t) => ({ name: t.string({ required: false }), ...configFields(t) }),
});
const WorkspaceConfigInput = builder.inputType('WorkspaceConfigInput', { fields: (t) => configFields(t) });

builder.queryFields((t) => ({
  projects: t.prismaField({
    type: ['Project'],
    resolve: (_q, _root, _args, ctx) => projects.listProjects(ctx),
  }),
  project: t.prismaField({
    type: 'Project',
    nullable: true,
    args: { id: t.arg.id({ required: true, description: 'Full id or a unique prefix of 8+ characters.' }) },
    resolve: (_q, _root, { id }, ctx) => projects.getProject(ctx, String(id)).catch(orNull),
  }),
  workspace: t.field({
    type: ProjectConfig,
    description: 'Team-level defaults every project inherits.',
    resolve: async (_root, _args, ctx) => projects.maskConfig(await projects.getWorkspace(ctx)),
  }),
}));

builder.mutationFields((t) => ({
  createProject: t.prismaField({
    type: 'Project',
    errors: mutationErrors,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_q, _root, args, ctx) => projects.createProject(ctx, args),
  }),
  deleteProject: t.prismaField({
    type: 'Project',
    errors: mutationErrors,
    description: 'Deletes the project with all its personas and images.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => projects.deleteProject(ctx, String(id), query),
  }),
  updateProjectConfig: t.field({
    type: ProjectConfig,
    errors: mutationErrors,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ProjectConfigInput, required: true }) },
    resolve: async (_root, { id, input }, ctx) => {
      const { name: _name, ...config } = await projects.updateProjectConfig(ctx, String(id), input);
      return projects.maskConfig(config);
    },
  }),
  updateWorkspace: t.field({
    type: ProjectConfig,
    errors: mutationErrors,
    args: { input: t.arg({ type: WorkspaceConfigInput, required: true }) },
    resolve: async (_root, { input }, ctx) => projects.maskConfig(await projects.updateWorkspace(ctx, input)),
  }),
}));

// --- project images (POST/DELETE /api/projects/:projectId/images; GET serves the bytes, which the graph names by URL)

builder.mutationFields((t) => ({
  uploadProjectImage: t.id({
    errors: mutationErrors,
    description: 'Stores an image (base64) in the project; answers its id (GET /api/projects/{projectId}/images/{id} serves it).',
    args: { projectId: t.arg.id({ required: true }), imageBase64: t.arg.string({ required: true }), filename: t.arg.string() },
    resolve: async (_r, a, ctx) => (await projects.uploadProjectImage(ctx, String(a.projectId), { imageBase64: a.imageBase64, filename: a.filename ?? undefined })).id,
  }),
  deleteProjectImage: t.boolean({
    errors: mutationErrors,
    description: 'Deletes an image of the project (not found: NotFoundError).',
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => (await projects.deleteProjectImage(ctx, String(a.projectId), String(a.id)), true),
  }),
}));
