/** The JSON bodies of the admin paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

const at = z.iso.datetime();

/** An API key as the admin paths show it (never its secret). */
export const ApiKeyBody = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  rateLimitPerMinute: z.number().int().nullable().describe('null: the server’s default'),
  expiresAt: at.nullable(),
  revokedAt: at.nullable(),
  lastUsedAt: at.nullable(),
  rotatedToId: z.string().nullable(),
  createdAt: at,
});
/** A key with its secret, shown once. */
export const ApiKeyWithSecretBody = ApiKeyBody.extend({ key: z.string() });

export const HealthBody = z.object({ status: z.literal('ok') });
export const MeBody = z.object({
  team: z.object({ id: z.string(), name: z.string() }),
  key: z.object({ id: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.string()) }),
});
export const ApiKeyListBody = z.object({ data: z.array(ApiKeyBody) });
export const ApiKeyRotatedBody = ApiKeyWithSecretBody.extend({ previous: ApiKeyBody });
export const TeamCreatedBody = z.object({ team: z.object({ id: z.string(), name: z.string(), createdAt: at }), apiKey: ApiKeyWithSecretBody });
