/** Connecting social accounts: bodies and list filters, shared by REST and GraphQL. */
import { z } from 'zod';
import { PLATFORMS } from '../connectors/service.js';
import { listQuery } from '../../infra/pagination.js';

const strict = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (i) => (i.code === 'unrecognized_keys' ? `unknown field: ${i.keys.join(', ')}` : undefined) });

const platform = z.enum(PLATFORMS as [string, ...string[]], { message: `platform must be one of ${PLATFORMS.join(', ')}` });

export const ConnectAccountInput = strict({
  profileId: z.string({ error: (i) => (i.input === undefined ? 'profileId is required' : 'profileId must be a string') }).min(1, 'profileId is required').max(100),
  platform: z.string({ error: (i) => (i.input === undefined ? 'platform is required' : 'platform must be a string') }).pipe(platform),
  /** Required for sandbox and webhook; the platform's own for x, tiktok, instagram. */
  handle: z
    .string({ message: 'handle must be a string' })
    .trim()
    .min(1, 'handle must not be empty')
    .max(100, 'handle must be at most 100 characters')
    .transform((h) => (h.startsWith('@') ? h : `@${h}`))
    .optional(),
  credentials: z
    .record(z.string(), z.string({ message: 'credentials values must be strings' }).max(8192, 'a credential must be at most 8192 characters'), { message: 'credentials must be an object of strings' })
    .refine((c) => Object.keys(c).length <= 20, 'credentials may hold at most 20 entries')
    .optional(),
  config: z
    .record(z.string(), z.unknown(), { message: 'config must be an object' })
    .refine((c) => JSON.stringify(c).length <= 8192, 'config must be at most 8 KB as JSON')
    .optional(),
});
export type ConnectAccountInput = z.infer<typeof ConnectAccountInput>;

const credentials = z
  .record(z.string(), z.string({ message: 'credentials values must be strings' }).max(8192, 'a credential must be at most 8192 characters'), { message: 'credentials must be an object of strings' })
  .refine((c) => Object.keys(c).length <= 20, 'credentials may hold at most 20 entries');
const config = z
  .record(z.string(), z.unknown(), { message: 'config must be an object' })
  .refine((c) => JSON.stringify(c).length <= 8192, 'config must be at most 8 KB as JSON');

/** PATCH /api/v1/accounts/:id: settings; `config` replaces the account's config (validated for its platform). */
export const UpdateAccountInput = strict({
  handle: ConnectAccountInput.shape.handle,
  displayName: z.string({ message: 'displayName must be a string or null' }).trim().max(200, 'displayName must be at most 200 characters').nullable().optional(),
  config: config.optional(),
});

/** POST /api/v1/accounts/:id/reconnect: new credentials (and optionally config), checked with the platform. */
export const ReconnectAccountInput = strict({
  credentials: credentials.optional(),
  config: config.optional(),
});

export const AccountListInput = listQuery('an account', {
  profileId: z.string().max(100).optional(),
  platform: platform.optional(),
  status: z.enum(['connected', 'disconnected'], { message: 'status must be connected or disconnected' }).optional(),
});

export const PostListInput = listQuery('a post', {});

/** The sandbox's failure simulation (see connectors/sandbox.ts). */
export const SandboxConfig = strict({
  failPublishAttempts: z.number({ message: 'config.failPublishAttempts must be an integer 0–10' }).int().min(0).max(10).optional(),
  failWith: z.enum(['unavailable', 'refused'], { message: 'config.failWith must be unavailable or refused' }).optional(),
});
export const WebhookConfig = strict({ url: z.string({ error: () => 'config.url is required (http or https)' }).min(1).max(2048) });
export const TikTokConfig = strict({
  privacyLevel: z.enum(['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'], { message: 'config.privacyLevel must be PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, FOLLOWER_OF_CREATOR or SELF_ONLY' }).optional(),
});
export const NoConfig = strict({});
