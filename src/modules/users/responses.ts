/** The JSON bodies of the users paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';
import { TIER_NAMES } from './tiers.js';

const at = z.iso.datetime();

/** A user as every path shows it (src/modules/users/rest.ts userView). */
export const UserBody = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  tier: z.enum(TIER_NAMES as [string, ...string[]]),
  limits: z.object({ agents: z.number(), monthlyTokens: z.number(), workspaceBytes: z.number(), fileBytes: z.number(), skills: z.number() }),
  createdAt: at,
  updatedAt: at,
});
export const UserListBody = z.array(UserBody);
export const UserDeletedBody = z.object({ id: z.string(), username: z.string(), deleted: z.literal(true) });
