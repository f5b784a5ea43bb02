/**
 * Influencers (AutoPersonas "characters", seed 001): the influencer itself
 * (create, read, update, delete, the ingredient library) here, and the
 * module's entry for everyone else: the use cases of the other files are
 * re-exported below, one file per use case:
 *   references.ts      reference images and the 4-view reference pack (a durable job, jobs.ts)
 *   analyze-photos.ts  photos → base prompt, wardrobe and attributes
 *   voice.ts           voice samples and the embedded voice clone
 *   wardrobe.ts        wardrobe generation
 *   previews.ts        preview images (a durable job)
 *   collaborations.ts  groups of influencers
 *   job-stream.ts      the `influencerJob` stream (stored state, then live)
 *
 * - Every read filters by the caller's team: another team's ids are 404.
 * - Reference images, voice samples and generated images are blobs
 *   (src/infra/blobs.ts), served at GET /api/v1/media/{id}.
 * - Every generation records its cost in the transaction that stores its
 *   result; billable POSTs take `dryRun: true` (estimate, nothing created).
 * - Read-modify-write of the JSON columns (ingredients, wardrobe, references)
 *   is a conditional write on `updatedAt`, retried (records.ts `modify`), so
 *   two concurrent patches never lose each other's fields.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Influencer, Prisma } from '../../generated/prisma/client.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import { keysetPage } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { visibleTo } from '../personas/service.js';
import { CreateInfluencerInput, jsonDepth, ListInput, MAX_INGREDIENTS_BYTES, MAX_INGREDIENTS_DEPTH, PreviewToInfluencerInput, UpdateInfluencerInput } from './inputs.js';
import { previewImages, previewNotFound, previewSpec } from './previews.js';
import { applyMergePatch } from './merge-patch.js';
import { findOwn, jsonObject, modify, newId, type PrismaQuery } from './records.js';
import { resolveMediaRefs } from './references.js';

export { analyzePhotos, MAX_ANALYZE_PHOTOS } from './analyze-photos.js';
export {
  COLLAB_INCLUDE,
  createCollaboration,
  deleteCollaboration,
  findCollaboration,
  findCollaborations,
  getCollaboration,
  listCollaborations,
  type CollaborationWithMembers,
} from './collaborations.js';
export type { Billable } from './costs.js';
export { influencerJobEvents } from './job-stream.js';
export { createPreview, findPreview, findPreviews, getPreview, listPreviews, previewCost, previewImages, previewSpec, type PreviewSpec } from './previews.js';
export { jsonObject, newId, type PrismaQuery } from './records.js';
export {
  generateReferences,
  getReferencePack,
  packView,
  referenceJson,
  referencesOf,
  setReferences,
  type PackStatus,
  type ReferencePack,
  type StoredReference,
} from './references.js';
export { addVoiceSamples, deleteVoiceSample, getVoiceProfile, MAX_VOICE_FILES, voiceOf, voiceProfileOf, type VoiceProfile, type VoiceState } from './voice.js';
export { generateWardrobe, wardrobeOf } from './wardrobe.js';

/** A persona this team can see (its own or a system persona), else 404. */
async function checkPersona(ctx: ServiceContext, personaId: string): Promise<void> {
  const found = await ctx.deps.prisma.persona.findFirst({ where: { AND: [{ id: personaId }, visibleTo(ctx)] }, select: { id: true } });
  if (!found) throw new NotFoundError('Persona not found (personaId)', 'persona_not_found');
}

export async function listInfluencers(ctx: ServiceContext, raw: Record<string, unknown>) {
  requireScope(ctx, 'character:read');
  const input = parseInput(ListInput, raw);
  const where: Prisma.InfluencerWhereInput = { teamId: ctx.actor.teamId };
  return keysetPage(input, 'an influencer', {
    anchor: (id) => ctx.deps.prisma.influencer.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.influencer.findMany({ where, ...page }),
  });
}

export async function getInfluencer(ctx: ServiceContext, id: string): Promise<Influencer> {
  requireScope(ctx, 'character:read');
  return findOwn(ctx, id);
}

/** For GraphQL: the influencer with the caller's selection, or null. */
export async function findInfluencer(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.InfluencerInclude, Prisma.InfluencerSelect> = {}): Promise<Influencer | null> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.influencer.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export async function findInfluencers(ctx: ServiceContext, query: Prisma.InfluencerFindManyArgs): Promise<Influencer[]> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.influencer.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

const handleTaken = (handle: string) => new ConflictError(`handle @${handle} is already used by another influencer of this team`, 'handle_taken', 'handle');

export async function createInfluencer(ctx: ServiceContext, raw: unknown): Promise<Influencer> {
  requireScope(ctx, 'character:write');
  const input = parseInput(CreateInfluencerInput, raw);
  if (input.personaId) await checkPersona(ctx, input.personaId);
  const references = input.references ? await resolveMediaRefs(ctx, input.references) : [];
  try {
    return await ctx.deps.prisma.influencer.create({
      data: {
        id: newId('inf_'),
        teamId: ctx.actor.teamId,
        name: input.name,
        handle: input.handle ?? null,
        bio: input.bio ?? null,
        niche: input.niche ?? null,
        basePrompt: input.basePrompt ?? null,
        aestheticGrade: input.aestheticGrade ?? null,
        wardrobe: (input.wardrobe ?? []) as Prisma.InputJsonArray,
        ingredients: (input.ingredients ?? {}) as Prisma.InputJsonObject,
        references: references as unknown as Prisma.InputJsonArray,
        voice: { cloneStatus: 'none', sampleCount: 0, totalDurationMs: 0 },
        personaId: input.personaId ?? null,
      },
    });
  } catch (e) {
    if (isUniqueViolation(e) && input.handle) throw handleTaken(input.handle);
    throw e;
  }
}

/** PUT: changes the fields given (null clears a nullable one); the others keep their values. */
export async function updateInfluencer(ctx: ServiceContext, id: string, raw: unknown): Promise<Influencer> {
  requireScope(ctx, 'character:write');
  const input = parseInput(UpdateInfluencerInput, raw);
  await findOwn(ctx, id);
  if (input.personaId) await checkPersona(ctx, input.personaId);
  const references = input.references ? await resolveMediaRefs(ctx, input.references) : undefined;
  const data: Prisma.InfluencerUncheckedUpdateManyInput = {};
  if (input.name !== undefined) data.name = input.name;
  for (const k of ['handle', 'bio', 'niche', 'basePrompt', 'aestheticGrade'] as const) if (input[k] !== undefined) data[k] = input[k];
  if (input.wardrobe) data.wardrobe = input.wardrobe as Prisma.InputJsonArray;
  if (input.ingredients) data.ingredients = input.ingredients as Prisma.InputJsonObject;
  if (references) data.references = references as unknown as Prisma.InputJsonArray;
  if (input.personaId !== undefined) data.personaId = input.personaId;
  try {
    await ctx.deps.prisma.influencer.updateMany({ where: { id, teamId: ctx.actor.teamId }, data });
  } catch (e) {
    if (isUniqueViolation(e) && input.handle) throw handleTaken(input.handle);
    throw e;
  }
  return findOwn(ctx, id);
}

/**
 * Deletes the influencer; its voice samples (and their audio), previews and
 * collaboration memberships go with it. Its reference images stay as media
 * (content items may show them); profiles and content items keep existing
 * without it.
 */
export async function deleteInfluencer(ctx: ServiceContext, id: string): Promise<Influencer> {
  requireScope(ctx, 'character:write');
  const inf = await findOwn(ctx, id);
  await ctx.deps.prisma.$transaction(async (tx) => {
    const samples = await tx.voiceSample.findMany({ where: { influencerId: id }, select: { blobId: true } });
    await tx.influencer.delete({ where: { id } });
    if (samples.length) await tx.blob.deleteMany({ where: { teamId: ctx.actor.teamId, id: { in: samples.map((s) => s.blobId) } } });
  });
  return inf;
}

// --- ingredients ----------------------------------------------------------------------------

/** Applies a JSON merge patch (RFC 7386) to the ingredient library; answers the influencer with the whole library. */
export async function patchIngredients(ctx: ServiceContext, id: string, patch: unknown): Promise<Influencer> {
  requireScope(ctx, 'character:write');
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new ValidationError('the merge patch must be a JSON object', null, 'invalid_merge_patch');
  if (jsonDepth(patch) > MAX_INGREDIENTS_DEPTH) throw new ValidationError(`the merge patch is nested deeper than ${MAX_INGREDIENTS_DEPTH} levels`, null, 'invalid_merge_patch');
  return modify(ctx, id, async (inf) => {
    const next = applyMergePatch(jsonObject(inf.ingredients), patch);
    if (jsonDepth(next) > MAX_INGREDIENTS_DEPTH) throw new ValidationError(`the ingredient library would be nested deeper than ${MAX_INGREDIENTS_DEPTH} levels`, null, 'invalid_merge_patch');
    if (Buffer.byteLength(JSON.stringify(next)) > MAX_INGREDIENTS_BYTES) throw new ValidationError(`the ingredient library would exceed ${MAX_INGREDIENTS_BYTES} bytes`, null, 'invalid_merge_patch');
    return { ingredients: next as Prisma.InputJsonObject };
  });
}

/**
 * POST /api/v1/previews/:id/influencer: a completed draft preview becomes an
 * influencer: the spec's name, base prompt, grade and niche, the chosen image
 * (`imageIndex`) as its front reference; the preview is then the new
 * influencer's. A preview of an existing influencer, or one not completed, is 409.
 */
export async function influencerFromPreview(ctx: ServiceContext, previewId: string, raw: unknown): Promise<Influencer> {
  requireScope(ctx, 'character:write');
  const input = parseInput(PreviewToInfluencerInput, raw);
  const preview = await ctx.deps.prisma.preview.findFirst({ where: { id: previewId, teamId: ctx.actor.teamId } });
  if (!preview) throw previewNotFound();
  if (preview.influencerId) throw new ConflictError(`this preview is of influencer ${preview.influencerId} already`, 'preview_has_influencer');
  if (preview.status !== 'completed') throw new ConflictError(`preview is ${preview.status}; only a completed preview can become an influencer`, 'invalid_status_transition');
  const images = previewImages(preview);
  const image = images[input.imageIndex];
  if (!image) throw new ValidationError(`imageIndex must be below ${images.length} (the preview's images)`, 'imageIndex');
  const spec = previewSpec(preview);
  const name = input.name ?? spec.name;
  if (!name) throw new ValidationError('name is required: the preview was made without one', 'name');
  const inf = await createInfluencer(ctx, {
    name,
    handle: input.handle,
    bio: input.bio,
    niche: spec.niche,
    basePrompt: spec.basePrompt,
    aestheticGrade: spec.aestheticGrade,
    references: [{ view: 'front', mediaId: image }],
  });
  const { count } = await ctx.deps.prisma.preview.updateMany({ where: { id: preview.id, teamId: ctx.actor.teamId, influencerId: null }, data: { influencerId: inf.id } });
  if (!count) {
    // Another request made an influencer of it meanwhile: keep theirs.
    await ctx.deps.prisma.influencer.deleteMany({ where: { id: inf.id, teamId: ctx.actor.teamId } });
    throw new ConflictError('this preview became an influencer in another request meanwhile', 'preview_has_influencer');
  }
  return inf;
}
