/** Filters of GET /users/{user}/logs (query parameters, so errors name them). */
import { z } from 'zod';

export const LogQuery = z.object({
  since: z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'since must be an ISO 8601 date-time')
    .transform((s) => new Date(s))
    .optional(),
  level: z.enum(['debug', 'info', 'warn', 'error'], { message: 'level must be one of debug, info, warn, error' }).optional(),
  limit: z.coerce
    .number({ message: 'limit must be an integer between 1 and 1000' })
    .int('limit must be an integer between 1 and 1000')
    .min(1, 'limit must be an integer between 1 and 1000')
    .max(1000, 'limit must be an integer between 1 and 1000')
    .default(100),
});
