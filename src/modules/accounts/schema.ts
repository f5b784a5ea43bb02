/** Social accounts in the graph (never their credentials), and connecting/disconnecting them. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import { mediaUrl } from '../../infra/blobs.js';
import * as accounts from './service.js';
import { reconnectAccount, updateAccount } from './update.js';

const orNull = <T>(p: Promise<T>) => p.catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e)));

export const SocialAccount = builder.prismaObject('SocialAccount', {
  authScopes: readableWith.profiles,
  description: 'A social account connected to a profile; its credentials are sealed at rest and never shown.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    platform: t.exposeString('platform', { description: 'sandbox | webhook | x | tiktok | instagram' }),
    handle: t.exposeString('handle'),
    displayName: t.exposeString('displayName', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true }),
    status: t.exposeString('status', { description: 'connected | disconnected' }),
    config: t.field({ type: 'JSON', resolve: (a) => a.config }),
    publications: t.relatedConnection('publications', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] } }, { authScopes: readableWith.publishing }, { authScopes: readableWith.publishing }),
    connectedAt: t.expose('connectedAt', { type: 'DateTime' }),
    disconnectedAt: t.expose('disconnectedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

registerNode('SocialAccount', (ctx, id) => accounts.getAccount(ctx, id), { prefix: 'acct_' });

if (builder.configStore.hasImplementation('Profile')) {
  builder.prismaObjectField('Profile', 'accounts', (t) =>
    t.relation('accounts', { description: 'The profile’s social accounts, oldest first.', query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
  );
}

const ConnectedAccount = builder.objectRef<accounts.ConnectedWithSecret>('ConnectedAccount').implement({
  authScopes: readableWith.profiles,
  fields: (t) => ({
    account: t.field({ type: SocialAccount, resolve: (c) => c.account }),
    secret: t.exposeString('secret', { nullable: true, description: 'The webhook platform’s generated signing secret: shown only here.' }),
  }),
});

const ConnectAccountInput = builder.inputType('ConnectAccountInput', {
  fields: (t) => ({
    profileId: t.id({ required: true }),
    platform: t.string({ required: true }),
    handle: t.string({ required: false }),
    credentials: t.field({ type: 'JSON', required: false, description: 'Platform credentials (see GET /api/v1/accounts/platforms); write-only.' }),
    config: t.field({ type: 'JSON', required: false }),
  }),
});

const UpdateAccountInput = builder.inputType('UpdateAccountInput', {
  fields: (t) => ({
    handle: t.string({ required: false, description: 'sandbox and webhook accounts only.' }),
    displayName: t.string({ required: false }),
    config: t.field({ type: 'JSON', required: false, description: 'Replaces the account’s config (validated for its platform).' }),
  }),
});

const ReconnectAccountInput = builder.inputType('ReconnectAccountInput', {
  fields: (t) => ({
    credentials: t.field({ type: 'JSON', required: false, description: 'New platform credentials (checked with the platform); write-only.' }),
    config: t.field({ type: 'JSON', required: false }),
  }),
});

/** GraphQL input → the REST body (null and absent both mean "leave as is"). */
const present = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

builder.queryFields((t) => ({
  socialAccount: t.prismaField({
    type: 'SocialAccount',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _r, { id }, ctx) => orNull(accounts.getAccount(ctx, String(id))),
  }),
}));

builder.mutationFields((t) => ({
  connectAccount: t.field({
    type: ConnectedAccount,
    errors: mutationErrors,
    description: 'Connects a social account to a profile after the platform accepted the credentials.',
    args: { input: t.arg({ type: ConnectAccountInput, required: true }) },
    resolve: async (_r, { input }, ctx) => accounts.connectAccount(ctx, { ...input, profileId: String(input.profileId), handle: input.handle ?? undefined, credentials: input.credentials ?? undefined, config: input.config ?? undefined }),
  }),
  updateAccount: t.prismaField({
    type: 'SocialAccount',
    errors: mutationErrors,
    description: 'Updates an account’s settings (same rules as PATCH /api/v1/accounts/:id).',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAccountInput, required: true }) },
    resolve: (_q, _r, { id, input }, ctx) => updateAccount(ctx, String(id), present(input)),
  }),
  reconnectAccount: t.field({
    type: ConnectedAccount,
    errors: mutationErrors,
    description: 'Replaces an account’s credentials after the platform accepted them; a disconnected account is connected again.',
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: ReconnectAccountInput, required: true }) },
    resolve: (_r, { id, input }, ctx) => reconnectAccount(ctx, String(id), present(input)),
  }),
  disconnectAccount: t.prismaField({
    type: 'SocialAccount',
    errors: mutationErrors,
    description: 'Disconnects a social account: credentials wiped, history kept.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _r, { id }, ctx) => accounts.disconnectAccount(ctx, String(id)),
  }),
}));

// --- listing accounts and the sandbox's posts (GET /api/v1/accounts, …/:id/posts[/:postId])

const SandboxPost = builder.prismaObject('SandboxPost', {
  authScopes: readableWith.profiles,
  description: 'What a sandbox account has published (its "feed").',
  fields: (t) => ({
    id: t.exposeID('id'),
    caption: t.exposeString('caption', { nullable: true }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    media: t.field({ type: 'JSON', description: '[{url, contentType}]', resolve: (p) => (p.media as { blobId: string; contentType: string }[]).map((m) => ({ url: mediaUrl(m.blobId), contentType: m.contentType })) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true }),
  }),
});

const pageOf = <T extends object>(name: string, item: T, description: string) =>
  builder.objectRef<{ data: unknown[]; hasMore: boolean; nextCursor: string | null }>(name).implement({
    authScopes: readableWith.profiles,
    description,
    fields: (t) => ({
      data: t.field({ type: [item as never], resolve: (p) => p.data as never }),
      hasMore: t.exposeBoolean('hasMore'),
      nextCursor: t.exposeString('nextCursor', { nullable: true, description: 'Pass as startingAfter for the next page.' }),
    }),
  });

const SocialAccountPage = pageOf('SocialAccountPage', SocialAccount, 'A page of social accounts, newest first.');
const SandboxPostPage = pageOf('SandboxPostPage', SandboxPost, 'A page of a sandbox account’s posts, newest first.');

builder.queryField('socialAccounts', (t) =>
  t.field({
    type: SocialAccountPage,
    description: 'The team’s social accounts, newest first (filters: profileId, platform, status).',
    args: { limit: t.arg.int(), startingAfter: t.arg.id(), profileId: t.arg.id(), platform: t.arg.string(), status: t.arg.string() },
    resolve: (_r, a, ctx) =>
      accounts.listAccounts(ctx, {
        limit: a.limit ?? undefined,
        starting_after: a.startingAfter ? String(a.startingAfter) : undefined,
        profileId: a.profileId ? String(a.profileId) : undefined,
        platform: a.platform ?? undefined,
        status: a.status ?? undefined,
      }),
  }),
);

builder.queryField('accountPlatforms', (t) =>
  t.field({ type: 'JSON', description: 'The platforms accounts can connect to, with the credentials and config each needs.', resolve: (_r, _a, ctx) => accounts.platforms(ctx) }),
);

builder.prismaObjectFields('SocialAccount', (t) => ({
  sandboxPosts: t.field({
    type: SandboxPostPage,
    description: 'What this sandbox account has published, newest first (a ValidationError for other platforms).',
    args: { limit: t.arg.int(), startingAfter: t.arg.id() },
    resolve: (acc, a, ctx) => accounts.listSandboxPosts(ctx, acc.id, { limit: a.limit ?? undefined, starting_after: a.startingAfter ? String(a.startingAfter) : undefined }),
  }),
  sandboxPost: t.prismaField({
    type: SandboxPost,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, acc, a, ctx) => orNull(accounts.getSandboxPost(ctx, acc.id, String(a.id))),
  }),
}));
