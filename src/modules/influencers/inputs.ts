/**
 * Input schemas of the influencers module, shared by REST bodies and GraphQL
 * arguments. Keys are the body / query parameter names, so errors name them.
 */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';
import { AESTHETIC_GRADES } from '../catalog/service.js';

export const REFERENCE_VIEWS = ['front', 'left', 'right', 'back', 'other'] as const;
export type ReferenceView = (typeof REFERENCE_VIEWS)[number];
/** The views of a 4-view reference pack, in the order they are made. */
export const PACK_VIEWS = ['front', 'left', 'right', 'back'] as const;

export const MAX_WARDROBE_ITEMS = 100;
export const MAX_REFERENCES = 8;
export const MAX_INGREDIENTS_BYTES = 64 * 1024;
export const MAX_INGREDIENTS_DEPTH = 8;

const text = (label: string, max: number) =>
  z.string({ message: `${label} must be a string` }).trim().max(max, `${label} must be at most ${max} characters`);
const id = (label: string) => z.string({ message: `${label} must be a string` }).trim().min(1, `${label} must not be empty`).max(100, `${label} must be at most 100 characters`);
const dryRun = z.boolean({ message: 'dryRun must be a boolean' }).optional();

const gradeIds = AESTHETIC_GRADES.map((g) => g.id);
export const aestheticGrade = z
  .string({ message: 'aestheticGrade must be a string' })
  .refine((g) => gradeIds.includes(g), { message: `aestheticGrade must be one of ${gradeIds.join(', ')} (GET /api/v1/config/aesthetic-grades)` });

/** Handles are stored without a leading "@", lower-cased (unique per team, case-insensitively). */
export const handle = z
  .string({ message: 'handle must be a string' })
  .trim()
  .transform((h) => h.replace(/^@/, '').toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9._-]{1,50}$/, 'handle must be 1–50 letters, digits, ".", "_" or "-" (a leading "@" is dropped)'));

export const WardrobeItem = z.object({
  name: text('wardrobe item name', 200).min(1, 'wardrobe item name must not be empty'),
  description: text('wardrobe item description', 1000).nullish(),
  category: text('wardrobe item category', 100).nullish(),
  colour: text('wardrobe item colour', 100).nullish(),
});
export type WardrobeItem = z.infer<typeof WardrobeItem>;

const wardrobe = z
  .array(WardrobeItem, { message: 'wardrobe must be an array of { name, description?, category?, colour? }' })
  .max(MAX_WARDROBE_ITEMS, `wardrobe must hold at most ${MAX_WARDROBE_ITEMS} items`);

/** Depth of a JSON value: a scalar is 0, `{}` is 1, `{a:{}}` is 2. */
export function jsonDepth(v: unknown): number {
  if (!v || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((m, c) => Math.max(m, jsonDepth(c)), 0);
}

export const ingredients = z
  .record(z.string(), z.unknown(), { message: 'ingredients must be a JSON object' })
  .refine((v) => jsonDepth(v) <= MAX_INGREDIENTS_DEPTH, { message: `ingredients must be nested at most ${MAX_INGREDIENTS_DEPTH} levels deep` })
  .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_INGREDIENTS_BYTES, { message: `ingredients must be at most ${MAX_INGREDIENTS_BYTES} bytes as JSON` });

/** A reference image by the team's existing media: its id or its URL (/api/v1/media/{id}). */
export const ReferenceRef = z
  .object({
    view: z.enum(REFERENCE_VIEWS, { message: `view must be one of ${REFERENCE_VIEWS.join(', ')}` }),
    mediaId: id('mediaId').optional(),
    url: text('url', 2000).optional(),
  })
  .refine((r) => !!r.mediaId !== !!r.url, { message: 'give exactly one of mediaId or url' });
export type ReferenceRef = z.infer<typeof ReferenceRef>;

export const references = z
  .array(ReferenceRef, { message: 'references must be an array of { view, mediaId | url }' })
  .max(MAX_REFERENCES, `references must hold at most ${MAX_REFERENCES} images`);

const influencerFields = {
  handle: handle.nullish(),
  bio: text('bio', 2000).nullish(),
  niche: text('niche', 200).nullish(),
  basePrompt: text('basePrompt', 4000).nullish(),
  aestheticGrade: aestheticGrade.nullish(),
  wardrobe: wardrobe.optional(),
  ingredients: ingredients.optional(),
  references: references.optional(),
  personaId: id('personaId').nullish(),
};

export const CreateInfluencerInput = z.object({
  name: z.string({ message: 'name is required' }).trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  ...influencerFields,
});
export type CreateInfluencerInput = z.infer<typeof CreateInfluencerInput>;

/** PUT: the given fields change (null clears a nullable one), the others stay. */
export const UpdateInfluencerInput = z
  .object({
    name: z.string({ message: 'name must be a string' }).trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters').optional(),
    ...influencerFields,
  })
  .strict();
export type UpdateInfluencerInput = z.infer<typeof UpdateInfluencerInput>;

export const ListInput = listQuery('a record', {});
export type ListInput = z.infer<typeof ListInput>;

export const SetReferencesJson = z.object({ references });

export const GenerateReferencesInput = z.object({ dryRun });

export const WardrobeGenerateInput = z.object({
  count: z.number({ message: 'count must be an integer between 1 and 10' }).int('count must be an integer between 1 and 10').min(1, 'count must be an integer between 1 and 10').max(10, 'count must be an integer between 1 and 10').default(4),
  prompt: text('prompt', 1000).nullish(),
  replace: z.boolean({ message: 'replace must be a boolean' }).optional(),
  dryRun,
});
export type WardrobeGenerateInput = z.infer<typeof WardrobeGenerateInput>;

export const PreviewSpecInput = z.object({
  name: text('name', 100).nullish(),
  basePrompt: z.string({ message: 'basePrompt is required (or give influencerId)' }).trim().min(1, 'basePrompt is required (or give influencerId)').max(4000, 'basePrompt must be at most 4000 characters'),
  aestheticGrade: aestheticGrade.nullish(),
  niche: text('niche', 200).nullish(),
});

export const CreatePreviewInput = z
  .object({
    influencerId: id('influencerId').optional(),
    name: text('name', 100).nullish(),
    basePrompt: text('basePrompt', 4000).nullish(),
    aestheticGrade: aestheticGrade.nullish(),
    niche: text('niche', 200).nullish(),
    count: z.number({ message: 'count must be an integer between 1 and 4' }).int('count must be an integer between 1 and 4').min(1, 'count must be an integer between 1 and 4').max(4, 'count must be an integer between 1 and 4').default(1),
    dryRun,
  })
  .refine((v) => v.influencerId || v.basePrompt, { message: 'give influencerId, or a draft with basePrompt', path: ['basePrompt'] });
export type CreatePreviewInput = z.infer<typeof CreatePreviewInput>;

export const PreviewListInput = ListInput.extend({ influencerId: id('influencerId').optional() });

export const CreateCollaborationInput = z.object({
  name: z.string({ message: 'name is required' }).trim().min(1, 'name is required').max(200, 'name must be at most 200 characters'),
  description: text('description', 2000).nullish(),
  influencerIds: z
    .array(id('influencerIds[]'), { message: 'influencerIds must be an array of 2–10 influencer ids' })
    .min(2, 'influencerIds must hold 2–10 influencer ids')
    .max(10, 'influencerIds must hold 2–10 influencer ids')
    .refine((ids) => new Set(ids).size === ids.length, { message: 'influencerIds must be distinct' }),
});
export type CreateCollaborationInput = z.infer<typeof CreateCollaborationInput>;

/** POST /api/v1/previews/:id/influencer: what the preview's spec does not say, and which image becomes the front reference. */
export const PreviewToInfluencerInput = z
  .object({
    name: z.string({ message: 'name must be a string' }).trim().min(1, 'name must not be empty').max(100, 'name must be at most 100 characters').optional(),
    handle: handle.nullish(),
    bio: text('bio', 2000).nullish(),
    imageIndex: z.number({ message: 'imageIndex must be an integer from 0' }).int('imageIndex must be an integer from 0').min(0, 'imageIndex must be an integer from 0').max(3, 'imageIndex must be an integer from 0 to 3').default(0),
  })
  .strict();
