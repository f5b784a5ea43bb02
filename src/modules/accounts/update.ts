/**
 * Changing a connected account (issue 20): its settings (`PATCH
 * /api/v1/accounts/:id`: handle for sandbox and webhook accounts, config for
 * every platform, validated as on connect), and reconnecting it (`POST
 * /api/v1/accounts/:id/reconnect`): new credentials (a refreshed or replaced
 * token) checked with the platform before anything is stored. A reconnect
 * must reach the same account on the platform (the same user id), else 409:
 * another account is connected as a new one. A disconnected account becomes
 * connected again, with its history.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError } from '../../errors.js';
import type { Prisma, SocialAccount } from '../../generated/prisma/client.js';
import { parseInput } from '../../validation.js';
import { openAccount, type Platform } from '../connectors/service.js';
import { ReconnectAccountInput, UpdateAccountInput } from './inputs.js';
import { findAccount, prepare, verifyWith, type ConnectedWithSecret } from './service.js';

const ownHandle = (platform: string) => platform === 'sandbox' || platform === 'webhook';

async function assertNoClash(ctx: ServiceContext, account: SocialAccount, handle: string): Promise<void> {
  const clash = await ctx.deps.prisma.socialAccount.findFirst({
    where: { teamId: ctx.actor.teamId, profileId: account.profileId, platform: account.platform, handle, status: 'connected', id: { not: account.id } },
    select: { id: true },
  });
  if (clash) throw new ConflictError(`${account.platform} account ${handle} is already connected to this profile (${clash.id})`, 'account_exists', 'handle');
}

export async function updateAccount(ctx: ServiceContext, id: string, raw: unknown): Promise<SocialAccount> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(UpdateAccountInput, raw);
  const account = await findAccount(ctx, id);
  const platform = account.platform as Platform;
  const data: Prisma.SocialAccountUpdateInput = {};
  if (input.handle !== undefined) {
    if (!ownHandle(platform)) throw new ConflictError(`a ${platform} account’s handle is the platform’s own (${account.handle}); it follows the account on reconnect`, 'handle_not_editable', 'handle');
    if (input.handle !== account.handle) await assertNoClash(ctx, account, input.handle);
    data.handle = input.handle;
  }
  if (input.displayName !== undefined) data.displayName = input.displayName;
  if (input.config !== undefined) {
    // Validated as on connect (a webhook's URL by the outbound policy); the credentials stay as they are.
    const { config } = prepare(ctx, platform, { config: input.config });
    data.config = config as Prisma.InputJsonObject;
  }
  if (!Object.keys(data).length) return account;
  return ctx.deps.prisma.socialAccount.update({ where: { id: account.id }, data });
}

export async function reconnectAccount(ctx: ServiceContext, id: string, raw: unknown): Promise<ConnectedWithSecret> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(ReconnectAccountInput, raw);
  const account = await findAccount(ctx, id);
  const platform = account.platform as Platform;
  const current = openAccount(ctx.deps, account);
  // A webhook keeps its signing secret unless a new one is given (a disconnected one gets a new one, shown once).
  const keepSecret = platform === 'webhook' && input.credentials?.secret === undefined && current.credentials.secret;
  const { config, credentials, secret } = prepare(ctx, platform, {
    config: input.config ?? (account.config as Record<string, unknown>),
    credentials: keepSecret ? { ...input.credentials, secret: current.credentials.secret! } : input.credentials,
  });
  const verified = await verifyWith(ctx, platform, { ...current, config, credentials });
  if (account.externalId && verified.externalId && !ownHandle(platform) && verified.externalId !== account.externalId) {
    throw new ConflictError(`these credentials are for ${platform} account ${verified.handle}, not ${account.handle}; connect it as a new account`, 'account_mismatch', 'credentials');
  }
  const handle = ownHandle(platform) ? account.handle : verified.handle;
  await assertNoClash(ctx, account, handle);
  const updated = await ctx.deps.prisma.socialAccount.update({
    where: { id: account.id },
    data: {
      status: 'connected',
      handle,
      displayName: verified.displayName ?? account.displayName,
      externalId: verified.externalId ?? account.externalId,
      config: config as Prisma.InputJsonObject,
      credentials: Object.keys(credentials).length ? ctx.deps.secrets.seal(JSON.stringify(credentials)) : null,
      connectedAt: new Date(),
      disconnectedAt: null,
    },
  });
  return { account: updated, secret };
}
