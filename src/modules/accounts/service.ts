/**
 * Social accounts (seed 001: `GET /api/v1/accounts` with profile:read;
 * connecting and disconnecting with profile:write). Connecting checks the
 * credentials with the platform (the connector's `verify`) before anything
 * is stored; credentials are sealed at rest (SecretBox) and never leave the
 * server. Disconnecting wipes them and keeps the account's history
 * (publications, engagement), with status `disconnected`.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma, SocialAccount } from '../../generated/prisma/client.js';
import { newId } from '../../infra/ids.js';
import { checkOutboundUrl, OutboundRefused } from '../../infra/safe-fetch.js';
import { generateWebhookSecret, isWebhookSecret } from '../../infra/webhook-signing.js';
import { keysetPage } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { connectorFor, PLATFORMS, PlatformError, type ConnectedAccount, type Platform } from '../connectors/service.js';
import { AccountListInput, ConnectAccountInput, NoConfig, PostListInput, SandboxConfig, TikTokConfig, WebhookConfig } from './inputs.js';

export const accountNotFound = () => new NotFoundError('No such account', 'account_not_found');

/** A platform's refusal of the credentials: 400 with its reason; unreachable: 502. */
export function platformAppError(err: PlatformError, param: string | null = 'credentials'): AppError {
  if (err.kind === 'unavailable') return new AppError(err.message, { code: 'platform_unavailable', httpStatus: 502, type: 'api_error' });
  return new ValidationError(err.message, err.kind === 'config' ? 'config' : param, err.kind === 'config' ? 'invalid_config' : 'platform_refused');
}

export const configSchema: Record<Platform, typeof NoConfig | typeof SandboxConfig | typeof WebhookConfig | typeof TikTokConfig> = {
  sandbox: SandboxConfig,
  webhook: WebhookConfig,
  x: NoConfig,
  tiktok: TikTokConfig,
  instagram: NoConfig,
};

export function platforms(ctx: ServiceContext) {
  requireScope(ctx, 'profile:read');
  return PLATFORMS.map((p) => ({ platform: p, ...connectorFor(ctx.deps, p).describe }));
}

/** An account's config (validated for its platform; a webhook URL checked by the outbound policy) and credentials (a webhook secret generated when not given). */
export function prepare(ctx: ServiceContext, platform: Platform, input: { config?: Record<string, unknown>; credentials?: Record<string, string> }) {
  const config = parseInput(configSchema[platform], input.config ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
  const credentials: Record<string, string> = { ...input.credentials };
  let secret: string | null = null;
  if (platform === 'webhook') {
    try {
      config.url = checkOutboundUrl(String(config.url), ctx.deps.config.outbound).toString();
    } catch (e) {
      if (e instanceof OutboundRefused) throw new ValidationError(e.message, 'config.url', 'invalid_url');
      throw e;
    }
    if (credentials.secret === undefined) credentials.secret = secret = generateWebhookSecret();
    else if (!isWebhookSecret(credentials.secret)) throw new ValidationError('credentials.secret must be a whsec_… secret (base64 of at least 24 bytes)', 'credentials.secret');
  }
  return { config, credentials, secret };
}

/** The platform's check of the credentials: 400 with its reason when it refuses them, 502 when unreachable. */
export async function verifyWith(ctx: ServiceContext, platform: Platform, draft: ConnectedAccount) {
  try {
    return await connectorFor(ctx.deps, platform).verify(draft, AbortSignal.timeout(ctx.deps.config.platforms.timeoutMs));
  } catch (err) {
    if (err instanceof PlatformError) throw platformAppError(err);
    throw err;
  }
}

export interface ConnectedWithSecret {
  account: SocialAccount;
  /** The webhook platform's signing secret when personagraph generated it: shown once, here. */
  secret: string | null;
}

export async function connectAccount(ctx: ServiceContext, raw: unknown): Promise<ConnectedWithSecret> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(ConnectAccountInput, raw);
  const platform = input.platform as Platform;
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id: input.profileId, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!profile) throw new NotFoundError('No such profile', 'profile_not_found');
  const { config, credentials, secret } = prepare(ctx, platform, input);
  if (platform === 'sandbox' || platform === 'webhook') {
    if (!input.handle) throw new ValidationError(`handle is required for ${platform} accounts`, 'handle');
  }
  const id = newId('acct_');
  const draft = { id, teamId: ctx.actor.teamId, platform, handle: input.handle ?? '', externalId: null, config, credentials };
  const verified = await verifyWith(ctx, platform, draft);
  const handle = input.handle && (platform === 'sandbox' || platform === 'webhook') ? input.handle : verified.handle;
  const clash = await ctx.deps.prisma.socialAccount.findFirst({ where: { teamId: ctx.actor.teamId, profileId: profile.id, platform, handle, status: 'connected' }, select: { id: true } });
  if (clash) throw new ConflictError(`${platform} account ${handle} is already connected to this profile (${clash.id})`, 'account_exists', 'handle');
  const account = await ctx.deps.prisma.socialAccount.create({
    data: {
      id,
      teamId: ctx.actor.teamId,
      profileId: profile.id,
      platform,
      handle,
      displayName: verified.displayName,
      externalId: verified.externalId,
      config: config as Prisma.InputJsonObject,
      credentials: Object.keys(credentials).length ? ctx.deps.secrets.seal(JSON.stringify(credentials)) : null,
    },
  });
  return { account, secret };
}

export async function getAccount(ctx: ServiceContext, id: string): Promise<SocialAccount> {
  requireScope(ctx, 'profile:read');
  return findAccount(ctx, id);
}

export async function findAccount(ctx: ServiceContext, id: string): Promise<SocialAccount> {
  const account = await ctx.deps.prisma.socialAccount.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!account) throw accountNotFound();
  return account;
}

export async function listAccounts(ctx: ServiceContext, raw: unknown) {
  requireScope(ctx, 'profile:read');
  const input = parseInput(AccountListInput, raw);
  const where: Prisma.SocialAccountWhereInput = { teamId: ctx.actor.teamId, profileId: input.profileId, platform: input.platform, status: input.status };
  return keysetPage(input, 'an account', {
    anchor: (id) => ctx.deps.prisma.socialAccount.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.socialAccount.findMany({ where, ...page }),
  });
}

/** Disconnects: credentials wiped, history kept. Publications still due to go out to it fail with that reason when their time comes. */
export async function disconnectAccount(ctx: ServiceContext, id: string): Promise<SocialAccount> {
  requireScope(ctx, 'profile:write');
  const account = await findAccount(ctx, id);
  if (account.status === 'disconnected') return account;
  return ctx.deps.prisma.socialAccount.update({ where: { id: account.id }, data: { status: 'disconnected', credentials: null, disconnectedAt: new Date() } });
}

/** What the sandbox platform holds for an account (its "feed"). */
export async function listSandboxPosts(ctx: ServiceContext, accountId: string, raw: unknown) {
  requireScope(ctx, 'profile:read');
  const input = parseInput(PostListInput, raw);
  const account = await findAccount(ctx, accountId);
  if (account.platform !== 'sandbox') throw new ValidationError(`only sandbox accounts keep their posts here; see the post on ${account.platform} itself`, 'id', 'not_sandbox');
  const where = { accountId: account.id };
  return keysetPage(input, 'a post', {
    anchor: (id) => ctx.deps.prisma.sandboxPost.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.sandboxPost.findMany({ where, ...page }),
  });
}

export async function getSandboxPost(ctx: ServiceContext, accountId: string, postId: string) {
  requireScope(ctx, 'profile:read');
  const account = await findAccount(ctx, accountId);
  const post = await ctx.deps.prisma.sandboxPost.findFirst({ where: { id: postId, accountId: account.id } });
  if (!post) throw new NotFoundError('No such post', 'post_not_found');
  return post;
}

