/** The JSON bodies of the social account paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

const at = z.iso.datetime();

export const PlatformListBody = z.object({
  data: z.array(
    z.object({
      platform: z.string(),
      credentials: z.array(z.string()).describe('The credentials connecting needs'),
      config: z.array(z.string()).describe('The config fields the platform takes'),
      publishes: z.string(),
      unpublish: z.boolean(),
      engagement: z.boolean(),
      import: z.boolean(),
    }),
  ),
});

export const AccountBody = z.object({
  id: z.string(),
  profileId: z.string(),
  platform: z.string(),
  handle: z.string(),
  displayName: z.string().nullable(),
  externalId: z.string().nullable(),
  status: z.string().describe('connected | disconnected'),
  config: z.record(z.string(), z.unknown()),
  connectedAt: at,
  disconnectedAt: at.nullable(),
  createdAt: at,
  updatedAt: at,
});
/** Connected: for a webhook account without a given secret, the generated signing secret, shown once. */
export const AccountConnectedBody = AccountBody.extend({ secret: z.string().optional() });

export const SandboxPostBody = z.object({
  id: z.string(),
  accountId: z.string(),
  idempotencyKey: z.string(),
  caption: z.string(),
  media: z.array(z.object({ url: z.string(), contentType: z.string() })),
  createdAt: at,
  deletedAt: at.nullable(),
});
