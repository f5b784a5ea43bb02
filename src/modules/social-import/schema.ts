/** Social imports in the graph: the import node, starting one, and its live progress. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import type { ImportProgressEvent } from './events.js';
import * as imports from './service.js';

const orNull = <T>(p: Promise<T>) => p.catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e)));

builder.prismaObject('SocialImport', {
  authScopes: readableWith.imports,
  description: 'An import of an account’s historical posts into its profile’s media library and voice corpus.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    platform: t.exposeString('platform'),
    status: t.exposeString('status', { description: 'queued | running | completed | failed' }),
    limit: t.exposeInt('limit'),
    imported: t.exposeInt('imported'),
    skipped: t.exposeInt('skipped', { description: 'Posts already in the library.' }),
    error: t.exposeString('error', { nullable: true }),
    account: t.relation('account'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

registerNode('SocialImport', (ctx, id) => imports.getImport(ctx, id), { prefix: 'imp_' });

const ImportPlatform = builder.enumType('ImportPlatform', { values: imports.IMPORTABLE });

const ImportProgress = builder.objectRef<ImportProgressEvent>('SocialImportProgress').implement({
  authScopes: readableWith.imports,
  fields: (t) => ({
    importId: t.exposeID('importId'),
    status: t.exposeString('status'),
    imported: t.exposeInt('imported'),
    skipped: t.exposeInt('skipped'),
    error: t.exposeString('error', { nullable: true }),
    at: t.exposeString('at'),
  }),
});

builder.queryField('socialImport', (t) =>
  t.prismaField({ type: 'SocialImport', nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (_q, _r, { id }, ctx) => orNull(imports.getImport(ctx, String(id))) }),
);

builder.mutationField('startSocialImport', (t) =>
  t.prismaField({
    type: 'SocialImport',
    errors: mutationErrors,
    description: 'Starts importing an account’s posts (instagram is gated).',
    args: { platform: t.arg({ type: ImportPlatform, required: true }), accountId: t.arg.id({ required: true }), limit: t.arg.int({ required: false }) },
    resolve: (_q, _r, { platform, accountId, limit }, ctx) => imports.startImport(ctx, platform, { accountId: String(accountId), ...(limit != null ? { limit } : {}) }),
  }),
);

builder.subscriptionField('socialImportProgress', (t) =>
  t.field({
    type: ImportProgress,
    description: 'Progress of an import, live (needs content:read).',
    args: { importId: t.arg.id({ required: true }) },
    subscribe: async (_r, { importId }, ctx) => {
      await imports.getImport(ctx, String(importId));
      return ctx.deps.pubsub.subscribe('import.progress', String(importId));
    },
    resolve: (e) => e,
  }),
);

// content neighbours (issue 20)
const ImportFilter = builder.inputType('SocialImportFilter', {
  fields: (t) => ({ status: t.string({ required: false }), accountId: t.id({ required: false }), profileId: t.id({ required: false }), platform: t.string({ required: false }) }),
});

builder.queryField('socialImports', (t) =>
  t.prismaConnection({
    type: 'SocialImport',
    cursor: 'id',
    description: 'The team’s import jobs, newest first (GET /api/v1/social-import/jobs).',
    args: { filter: t.arg({ type: ImportFilter, required: false }) },
    resolve: (query, _r, { filter }, ctx) =>
      imports.findImports(ctx, { status: filter?.status, accountId: filter?.accountId == null ? null : String(filter.accountId), profileId: filter?.profileId == null ? null : String(filter.profileId), platform: filter?.platform }, query),
  }, { authScopes: readableWith.imports }, { authScopes: readableWith.imports }),
);
