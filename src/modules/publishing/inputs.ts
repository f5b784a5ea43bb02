/** Bodies of the publishing paths, shared by REST and GraphQL. */
import { z } from 'zod';

const when = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}T/.test(s), 'scheduledAt must be an ISO 8601 date-time')
  .transform((s) => new Date(s));

const ids = (name: string) =>
  z
    .array(z.string().min(1).max(100), { message: `${name} must be an array of ids` })
    .min(1, `${name} must name at least one id`)
    .max(20, `${name} may name at most 20 ids`)
    .refine((a) => new Set(a).size === a.length, `${name} must not repeat an id`);

export const PublishInput = z.strictObject(
  {
    /** Default: every connected account of the item's profile. */
    accountIds: ids('accountIds').optional(),
    scheduledAt: when
      .refine((d) => d.getTime() < Date.now() + 366 * 86_400_000, 'scheduledAt must be within a year')
      .optional(),
    dryRun: z.boolean({ message: 'dryRun must be a boolean' }).optional(),
  },
  { message: 'unknown field' },
);

/** retry and unpublish: optionally only some of the item's publications. */
export const UnpublishInput = z.strictObject({ publicationIds: ids('publicationIds').optional() }, { message: 'unknown field' });

export type PublishInput = z.infer<typeof PublishInput>;
