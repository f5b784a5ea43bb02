/** Bodies of the publishing paths, shared by REST and GraphQL. */
import { z } from 'zod';
import { PLATFORMS, POST_FORMATS } from '../connectors/service.js';
import { listQuery } from '../../infra/pagination.js';

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

/** The longest text any platform takes (each platform's own limit is checked per account). */
export const MAX_CAPTION = 10_000;

export const PublishInput = z.strictObject(
  {
    /** Default: every connected account of the item's profile. */
    accountIds: ids('accountIds').optional(),
    /** Default: video with videoId, carousel with several mediaIds, image with the item's image, else text. */
    format: z.enum(POST_FORMATS as [string, ...string[]], { message: `format must be one of ${POST_FORMATS.join(', ')}` }).optional(),
    /** A completed video of this item (format video; default for video: its newest completed one). */
    videoId: z.string({ message: 'videoId must be a string' }).min(1, 'videoId must not be empty').max(100).optional(),
    /** The images of the post in order (the item's image or the team's media ids): one image, or a carousel. */
    mediaIds: z
      .array(z.string().min(1).max(100), { message: 'mediaIds must be an array of media ids' })
      .min(1, 'mediaIds must name at least one image')
      .max(35, 'mediaIds may name at most 35 images')
      .refine((a) => new Set(a).size === a.length, 'mediaIds must not repeat an id')
      .optional(),
    /** Text per platform, instead of the item's caption there (each within its platform's limit). */
    captions: z
      .record(z.string(), z.string({ message: 'captions values must be strings' }).max(MAX_CAPTION, `a caption must be at most ${MAX_CAPTION} characters`), { message: 'captions must be an object of platform → text' })
      .superRefine((r, c) => {
        const bad = Object.keys(r).filter((k) => !(PLATFORMS as readonly string[]).includes(k));
        if (bad.length) c.addIssue({ code: 'custom', message: `captions keys must be platforms (${PLATFORMS.join(', ')}), not ${bad.join(', ')}` });
      })
      .optional(),
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

/** Reschedules a publication that has not gone out yet. */
export const RescheduleInput = z.strictObject(
  {
    scheduledAt: z
      .string({ error: (i) => (i.input === undefined ? 'scheduledAt is required' : 'scheduledAt must be an ISO 8601 date-time') })
      .pipe(when)
      .refine((d) => d.getTime() < Date.now() + 366 * 86_400_000, 'scheduledAt must be within a year'),
  },
  { message: 'unknown field' },
);

export const QUEUE_STATUSES = ['scheduled', 'queued', 'publishing', 'published', 'failed', 'cancelled', 'removed'] as const;

const isoDate = (name: string) =>
  z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 date or date-time`)
    .transform((s) => new Date(s));

const csv = <T extends string>(name: string, values: readonly T[]) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .refine((a) => a.every((v) => (values as readonly string[]).includes(v)), `${name} must be one or more (comma-separated) of ${values.join(', ')}`)
    .transform((a) => a as T[]);

/** The publishing queue / calendar: publications due between from and to, earliest first. */
export const QueueInput = listQuery('a publication', {
  from: isoDate('from').optional(),
  to: isoDate('to').optional(),
  platform: csv('platform', PLATFORMS).optional(),
  status: csv('status', QUEUE_STATUSES).optional(),
  profileId: z.string().min(1).max(100).optional(),
  accountId: z.string().min(1).max(100).optional(),
});
export type QueueInput = z.infer<typeof QueueInput>;
