/** Connected social accounts (AutoPersonas). Thin: parse, call the service, shape the body. */
import type { SandboxPost, SocialAccount } from '../../generated/prisma/client.js';
import { mediaUrl } from '../../infra/blobs.js';
import { listBody, pageOf, queryObject } from '../../rest/list.js';
import { created, ok, type Route } from '../../rest/route.js';
import { z } from 'zod';
import { AccountListInput, ConnectAccountInput, PostListInput, ReconnectAccountInput, UpdateAccountInput } from './inputs.js';
import * as accounts from './service.js';
import * as bodies from './responses.js';
import { reconnectAccount, updateAccount } from './update.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function accountBody(a: SocialAccount) {
  return {
    id: a.id,
    profileId: a.profileId,
    platform: a.platform,
    handle: a.handle,
    displayName: a.displayName,
    externalId: a.externalId,
    status: a.status,
    config: a.config,
    connectedAt: a.connectedAt.toISOString(),
    disconnectedAt: iso(a.disconnectedAt),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}


function postBody(p: SandboxPost) {
  return {
    id: p.id,
    accountId: p.accountId,
    idempotencyKey: p.idempotencyKey,
    caption: p.caption,
    media: (p.media as { blobId: string; contentType: string }[]).map((m) => ({ url: mediaUrl(m.blobId), contentType: m.contentType })),
    createdAt: p.createdAt.toISOString(),
    deletedAt: iso(p.deletedAt),
  };
}

const base = '/api/v1/accounts';

export const accountRoutes: Route[] = [
  {
    method: 'GET',
    path: `${base}/platforms`,
    scope: 'profile:read',
    response: bodies.PlatformListBody,
    summary: 'The platforms accounts can connect to, with the credentials and config each needs',
    handler: async ({ ctx }) => ok({ data: accounts.platforms(ctx) }),
  },
  {
    method: 'GET',
    path: base,
    scope: 'profile:read',
    response: pageOf(bodies.AccountBody),
    query: AccountListInput,
    summary: 'List connected social accounts, newest first',
    handler: async ({ ctx, query }) => ok(listBody(await accounts.listAccounts(ctx, queryObject(query)), accountBody)),
  },
  {
    method: 'POST',
    path: base,
    scope: 'profile:write',
    response: bodies.AccountConnectedBody,
    body: ConnectAccountInput,
    responses: { 201: 'Connected: the account (and, for webhook accounts without a given secret, the generated signing `secret`, shown once)' },
    summary: 'Connect a social account to a profile (the platform checks the credentials first)',
    handler: async ({ ctx, body }) => {
      const { account, secret } = await accounts.connectAccount(ctx, body);
      return created({ ...accountBody(account), ...(secret ? { secret } : {}) });
    },
  },
  {
    method: 'GET',
    path: `${base}/:id`,
    scope: 'profile:read',
    response: bodies.AccountBody,
    summary: 'Get a social account',
    handler: async ({ ctx, params }) => ok(accountBody(await accounts.getAccount(ctx, params.id!))),
  },
  {
    method: 'DELETE',
    path: `${base}/:id`,
    scope: 'profile:write',
    response: bodies.AccountBody,
    summary: 'Disconnect a social account (credentials wiped, history kept)',
    handler: async ({ ctx, params }) => ok(accountBody(await accounts.disconnectAccount(ctx, params.id!))),
  },
  {
    method: 'PATCH',
    path: `${base}/:id`,
    scope: 'profile:write',
    body: UpdateAccountInput,
    response: bodies.AccountBody,
    responses: { 200: 'The account with its new settings' },
    summary: 'Update an account’s settings: handle (sandbox, webhook), displayName, config (validated for its platform)',
    handler: async ({ ctx, params, body }) => ok(accountBody(await updateAccount(ctx, params.id!, body))),
  },
  {
    method: 'POST',
    path: `${base}/:id/reconnect`,
    scope: 'profile:write',
    body: ReconnectAccountInput,
    response: bodies.AccountBody.extend({ secret: z.string().optional() }),
    responses: { 200: 'Connected again with the new credentials (a webhook account given no secret and holding none gets a new `secret`, shown once)' },
    summary: 'Reconnect an account: replace its credentials (checked with the platform; the same platform account only)',
    handler: async ({ ctx, params, body }) => {
      const { account, secret } = await reconnectAccount(ctx, params.id!, body);
      return ok({ ...accountBody(account), ...(secret ? { secret } : {}) });
    },
  },
  {
    method: 'GET',
    path: `${base}/:id/posts`,
    scope: 'profile:read',
    response: pageOf(bodies.SandboxPostBody),
    query: PostListInput,
    summary: 'What a sandbox account has published, newest first',
    handler: async ({ ctx, params, query }) => ok(listBody(await accounts.listSandboxPosts(ctx, params.id!, queryObject(query)), postBody)),
  },
  {
    method: 'GET',
    path: `${base}/:id/posts/:postId`,
    scope: 'profile:read',
    response: bodies.SandboxPostBody,
    summary: 'One post of a sandbox account',
    handler: async ({ ctx, params }) => ok(postBody(await accounts.getSandboxPost(ctx, params.id!, params.postId!))),
  },
];
