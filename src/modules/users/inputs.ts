/**
 * Autonomis user inputs, shared by REST bodies and GraphQL arguments. Messages
 * are lower-case, like the rest of the Autonomis API ("user not found").
 */
import { z } from 'zod';
import { TIER_NAMES } from './tiers.js';

export const USERNAME = /^[a-z0-9._-]{1,64}$/;

const tier = z.enum(TIER_NAMES as [string, ...string[]], {
  message: `tier must be one of ${TIER_NAMES.join(', ')}`,
});

export const CreateUserInput = z.object({
  username: z
    .string({ message: 'username is required' })
    .min(1, 'username is required')
    .max(64, 'username must be at most 64 characters')
    .regex(USERNAME, 'username may contain only a-z, 0-9, ".", "_" and "-"'),
  email: z
    .email({ message: 'email must be a valid email address' })
    .max(320, 'email must be at most 320 characters')
    .nullish(),
  tier: tier.optional(),
});
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const SetTierInput = z.object({ tier: z.string({ message: 'tier is required' }).pipe(tier) });
