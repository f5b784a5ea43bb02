/**
 * Input schemas of the content module, shared by REST bodies and GraphQL
 * arguments. Keys are the body / query parameter names, so errors name them.
 */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';
import { BATCH_STATUSES, CONTENT_STATUSES, VIDEO_STATUSES } from './status.js';
import { MAX_CAPTION_LENGTH } from '../profiles/service.js';
import { VIDEO_MOTIONS } from '../../infra/ai/video.js';

export const MAX_BATCH_COUNT = 50;

const id = (label: string) => z.string({ message: `${label} must be a string` }).trim().min(1, `${label} must not be empty`).max(100, `${label} must be at most 100 characters`);
const dryRun = z.boolean({ message: 'dryRun must be a boolean' }).optional();

export const GenerateContentInput = z.object({
  profileId: z.string({ message: 'profileId is required' }).trim().min(1, 'profileId is required').max(100, 'profileId must be at most 100 characters'),
  count: z
    .number({ message: `count is required: an integer between 1 and ${MAX_BATCH_COUNT}` })
    .int(`count must be an integer between 1 and ${MAX_BATCH_COUNT}`)
    .min(1, `count must be an integer between 1 and ${MAX_BATCH_COUNT}`)
    .max(MAX_BATCH_COUNT, `count must be an integer between 1 and ${MAX_BATCH_COUNT}`),
  prompt: z.string({ message: 'prompt must be a string' }).trim().max(4000, 'prompt must be at most 4000 characters').nullish(),
  contentDirectionId: id('contentDirectionId').nullish(),
  aestheticGrade: id('aestheticGrade').nullish(),
  dryRun,
});
export type GenerateContentInput = z.infer<typeof GenerateContentInput>;

export const ContentListInput = listQuery('a content item', {
  status: z.enum(CONTENT_STATUSES, { message: `status must be one of ${CONTENT_STATUSES.join(', ')}` }).optional(),
  profileId: id('profileId').optional(),
  influencerId: id('influencerId').optional(),
  batchId: id('batchId').optional(),
});
export type ContentListInput = z.infer<typeof ContentListInput>;

const caption = z
  .string({ message: 'caption must be a string' })
  .trim()
  .min(1, 'caption must not be empty')
  .max(MAX_CAPTION_LENGTH, `caption must be at most ${MAX_CAPTION_LENGTH} characters`);

/** PUT /content/:id: the fields a reviewer may change; unknown fields are refused so a typo is not silently ignored. */
export const UpdateContentInput = z
  .object({
    caption: caption.optional(),
    prompt: z.string({ message: 'prompt must be a string' }).trim().max(4000, 'prompt must be at most 4000 characters').nullish(),
  })
  .strict()
  .refine((v) => v.caption !== undefined || v.prompt !== undefined, { message: 'give caption and/or prompt to change' });
export type UpdateContentInput = z.infer<typeof UpdateContentInput>;

export const RegenerateInput = z.object({
  /** Replaces the item's prompt for this and later regenerations. */
  prompt: z.string({ message: 'prompt must be a string' }).trim().max(4000, 'prompt must be at most 4000 characters').nullish(),
  dryRun,
});

export const FineTuneCaptionInput = z.object({
  instructions: z.string({ message: 'instructions must be a string' }).trim().max(1000, 'instructions must be at most 1000 characters').nullish(),
  dryRun,
});

export const RejectInput = z.object({
  reason: z.string({ message: 'reason is required' }).trim().min(1, 'reason is required').max(1000, 'reason must be at most 1000 characters'),
});

/** The clip lengths OpenAI's video API accepts; the embedded renderer makes the same lengths. */
export const VIDEO_SECONDS = [4, 8, 12] as const;

const motion = z.enum(VIDEO_MOTIONS, { message: `motion must be one of ${VIDEO_MOTIONS.join(', ')}` });
const seconds = z
  .number({ message: 'durationSeconds must be 4, 8 or 12' })
  .refine((n) => (VIDEO_SECONDS as readonly number[]).includes(n), { message: 'durationSeconds must be 4, 8 or 12' });
const videoPrompt = z.string({ message: 'prompt must be a string' }).trim().max(2000, 'prompt must be at most 2000 characters').nullish();

export const VideoParamsInput = z.object({ motion: motion.optional(), durationSeconds: seconds.optional(), prompt: videoPrompt });

export const GenerateVideoInput = VideoParamsInput.extend({ dryRun });

export const VideoComparisonInput = z.object({
  /** The variants to render; default: `count` (2) of the built-in set. */
  variants: z
    .array(VideoParamsInput, { message: 'variants must be an array of { motion, durationSeconds, prompt }' })
    .min(2, 'variants must hold 2 to 4 entries')
    .max(4, 'variants must hold 2 to 4 entries')
    .optional(),
  count: z.number({ message: 'count must be 2, 3 or 4' }).int('count must be 2, 3 or 4').min(2, 'count must be 2, 3 or 4').max(4, 'count must be 2, 3 or 4').optional(),
  prompt: videoPrompt,
  dryRun,
});

// --- content neighbours (issue 20) -----------------------------------------------------

export const BatchListInput = listQuery('a batch', {
  status: z.enum(BATCH_STATUSES, { message: `status must be one of ${BATCH_STATUSES.join(', ')}` }).optional(),
  profileId: id('profileId').optional(),
  influencerId: id('influencerId').optional(),
});
export type BatchListInput = z.infer<typeof BatchListInput>;

export const VideoListInput = listQuery('a video', {
  status: z.enum(VIDEO_STATUSES, { message: `status must be one of ${VIDEO_STATUSES.join(', ')}` }).optional(),
  contentItemId: id('contentItemId').optional(),
  comparisonId: id('comparisonId').optional(),
});
export type VideoListInput = z.infer<typeof VideoListInput>;

export const ChooseWinnerInput = z.object({ videoId: id('videoId') });

export const CreateContentInput = z.object({
  profileId: id('profileId'),
  mediaId: id('mediaId').optional(),
  caption: caption.nullish(),
  prompt: z.string({ message: 'prompt must be a string' }).trim().max(4000, 'prompt must be at most 4000 characters').nullish(),
});
export type CreateContentInput = z.infer<typeof CreateContentInput>;
