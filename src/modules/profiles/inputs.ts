/**
 * Input schemas of the profiles module, shared by REST bodies / query strings
 * and GraphQL arguments. Keys are the parameter names, so errors name them.
 */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';

export const MAX_DIRECTIONS = 50;
export const MAX_SAMPLE_LENGTH = 5000;
export const MAX_SAMPLES_PER_REQUEST = 200;
export const MAX_DRAFT_COUNT = 10;

const text = (label: string, max: number) =>
  z.string({ message: `${label} must be a string` }).trim().max(max, `${label} must be at most ${max} characters`);

const optionalText = (label: string, max: number) =>
  text(label, max)
    .nullish()
    .transform((v) => (v === '' ? null : v));

const limit = (max: number, dflt: number) =>
  z.coerce
    .number({ message: `limit must be an integer between 1 and ${max}` })
    .int(`limit must be an integer between 1 and ${max}`)
    .min(1, `limit must be an integer between 1 and ${max}`)
    .max(max, `limit must be an integer between 1 and ${max}`)
    .default(dflt);

const dryRun = z.boolean({ message: 'dryRun must be a boolean' }).optional();

const name = z.string({ message: 'name is required' }).trim().min(1, 'name is required').max(200, 'name must be at most 200 characters');

export const ContentDirectionInput = z
  .object(
    {
      id: z
        .string({ message: 'contentDirections[].id must be a string' })
        .trim()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'contentDirections[].id must be 1–64 letters, digits, "_" or "-"')
        .optional(),
      title: z.string({ message: 'contentDirections[].title is required' }).trim().min(1, 'contentDirections[].title is required').max(200, 'contentDirections[].title must be at most 200 characters'),
      prompt: z.string({ message: 'contentDirections[].prompt is required' }).trim().min(1, 'contentDirections[].prompt is required').max(2000, 'contentDirections[].prompt must be at most 2000 characters'),
    },
    { message: 'contentDirections must be an array of { id?, title, prompt }' },
  )
  .strict();
export type ContentDirectionInput = z.infer<typeof ContentDirectionInput>;

const contentDirections = z
  .array(ContentDirectionInput, { message: 'contentDirections must be an array of { id?, title, prompt }' })
  .max(MAX_DIRECTIONS, `contentDirections may hold at most ${MAX_DIRECTIONS} entries`)
  .refine((list) => {
    const ids = list.flatMap((d) => (d.id ? [d.id] : []));
    return new Set(ids).size === ids.length;
  }, 'contentDirections ids must be unique');

const sample = z.string({ message: 'each voice sample must be a string' }).max(MAX_SAMPLE_LENGTH, `each voice sample must be at most ${MAX_SAMPLE_LENGTH} characters`);

const voiceCorpus = z
  .array(sample, { message: 'voiceCorpus must be an array of strings' })
  .max(MAX_SAMPLES_PER_REQUEST, `voiceCorpus may hold at most ${MAX_SAMPLES_PER_REQUEST} samples per request`);

const influencerId = z.string({ message: 'influencerId must be a string' }).trim().min(1, 'influencerId must not be empty').max(100, 'influencerId must be at most 100 characters');

const fields = {
  influencerId: influencerId.nullish(),
  niche: optionalText('niche', 200),
  description: optionalText('description', 5000),
  contentDirections: contentDirections.optional(),
  voiceCorpus: voiceCorpus.optional(),
};

/** Unknown fields are refused, so a typo is not silently ignored. */
export const CreateProfileInput = z.object({ name, ...fields }).strict();
export type CreateProfileInput = z.infer<typeof CreateProfileInput>;

/** PUT: the given fields change, the others stay; null clears an optional field. */
export const UpdateProfileInput = z.object({ name: name.optional(), ...fields }).strict();
export type UpdateProfileInput = z.infer<typeof UpdateProfileInput>;

export const ProfileListInput = listQuery('a profile', {});

export const AddVoiceSamplesInput = z.object({
  samples: z
    .array(sample, { message: 'samples is required: an array of strings' })
    .min(1, 'samples must hold at least one text')
    .max(MAX_SAMPLES_PER_REQUEST, `samples may hold at most ${MAX_SAMPLES_PER_REQUEST} texts per request`)
    .refine((list) => list.some((t) => t.trim()), 'samples must hold at least one non-empty text'),
});

export const DraftDirectionsInput = z.object({
  prompt: z.string({ message: 'prompt is required' }).trim().min(1, 'prompt is required').max(2000, 'prompt must be at most 2000 characters'),
  count: z
    .number({ message: `count must be an integer between 1 and ${MAX_DRAFT_COUNT}` })
    .int(`count must be an integer between 1 and ${MAX_DRAFT_COUNT}`)
    .min(1, `count must be an integer between 1 and ${MAX_DRAFT_COUNT}`)
    .max(MAX_DRAFT_COUNT, `count must be an integer between 1 and ${MAX_DRAFT_COUNT}`)
    .default(5),
  /** Append the drafted directions to the profile (default: only return them). */
  save: z.boolean({ message: 'save must be a boolean' }).optional(),
  dryRun,
});
export type DraftDirectionsInput = z.infer<typeof DraftDirectionsInput>;

export const GenerateCaptionInput = z.object({
  imageUrl: z.string({ message: 'imageUrl is required' }).trim().min(1, 'imageUrl is required').max(2048, 'imageUrl must be at most 2048 characters'),
  /** What the post is about: the id of one of the profile's content directions, or free text. */
  direction: optionalText('direction', 2000),
  instructions: optionalText('instructions', 1000),
  dryRun,
});
export type GenerateCaptionInput = z.infer<typeof GenerateCaptionInput>;

export const VoiceStatsInput = z.object({ limit: limit(100, 10) });

export const MEDIA_KINDS = ['image', 'video'] as const;
export const MEDIA_SOURCES = ['generated', 'imported'] as const;

export const MediaLibraryInput = listQuery('a media item', {
  kind: z.enum(MEDIA_KINDS, { message: 'kind must be image or video' }).optional(),
  source: z.enum(MEDIA_SOURCES, { message: 'source must be generated or imported' }).optional(),
});
export type MediaLibraryInput = z.infer<typeof MediaLibraryInput>;
