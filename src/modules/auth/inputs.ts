import { z } from 'zod';
import { SCOPES } from './scopes.js';

export const CreateApiKeyInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(200, 'name must be at most 200 characters'),
  scopes: z.array(z.enum(SCOPES, { message: `each scope must be one of: ${SCOPES.join(', ')}` })).min(1, 'scopes must name at least one scope'),
  expiresAt: z.coerce.date({ message: 'expiresAt must be an ISO 8601 date-time' }).nullish(),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).nullish(),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

export const CreateTeamInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(200, 'name must be at most 200 characters'),
});
export type CreateTeamInput = z.infer<typeof CreateTeamInput>;
