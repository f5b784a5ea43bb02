/**
 * Profiles (AutoPersonas, seed 001): brand voices with their influencer,
 * niche, content directions and voice corpus; drafting directions, writing
 * captions for an image in the profile's voice, voice stats and the media
 * library.
 *
 * - Every function checks its scope first, then reads with the team filter:
 *   another team's profile (or influencer, or media) is 404, never 403.
 * - Influencers are read straight from the database (the influencer module
 *   owns their life cycle).
 * - Billable calls (draft, caption) take `dryRun` and record their cost
 *   (catalog/pricing.ts); the draft's cost is stored with its saved
 *   directions in one transaction.
 */
import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Influencer, MediaItem, Prisma, Profile, ProfileVoiceSample } from '../../generated/prisma/client.js';
import { blobIdFromUrl, getBlob, sniffMedia, UnsupportedMediaError } from '../../infra/blobs.js';
import { newId } from '../../infra/ids.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { OutboundFailed, OutboundRefused, safeFetch } from '../../infra/safe-fetch.js';
import { parseInput } from '../../validation.js';
import { estimate, recordCosts, type CostEstimate } from '../catalog/service.js';
import { writeCaption, type Caption } from './captions.js';
import { draftDirections, type DraftResult } from './directions.js';
import {
  AddVoiceSamplesInput,
  CreateProfileInput,
  DraftDirectionsInput,
  GenerateCaptionInput,
  MAX_DIRECTIONS,
  MediaLibraryInput,
  ProfileListInput,
  UpdateProfileInput,
  VoiceStatsInput,
  type ContentDirectionInput,
} from './inputs.js';
import { addVoiceSamples, recentVoiceTexts } from './library.js';
import { analyzeVoice, type VoiceStyle } from './voice.js';

const profileNotFound = () => new NotFoundError('Profile not found', 'profile_not_found');
const influencerNotFound = () => new NotFoundError('Influencer not found', 'influencer_not_found');

/** Pothos' selection for the caller's GraphQL query, spread into Prisma calls. */
export type PrismaQuery<Include, Select> = { include?: Include; select?: Select };

/** What other modules use of the profile's voice and media library (content generation, social imports), from this entry. */
export { MAX_CAPTION_LENGTH, writeCaption, type Caption } from './captions.js';
export { addMediaItem, addVoiceSamples, recentVoiceTexts } from './library.js';

/** What REST shows of a profile: the row and the size of its corpus (one query, a subselect). */
export const PROFILE_INCLUDE = { _count: { select: { voiceSamples: true } } } satisfies Prisma.ProfileInclude;
export type ProfileView = Prisma.ProfileGetPayload<{ include: typeof PROFILE_INCLUDE }>;

export interface ContentDirection {
  id: string;
  title: string;
  prompt: string;
}

/** The stored directions (`[{id, title, prompt}]`), ignoring malformed entries. */
export function directionsOf(profile: Pick<Profile, 'contentDirections'>): ContentDirection[] {
  const raw = Array.isArray(profile.contentDirections) ? profile.contentDirections : [];
  return raw.flatMap((d) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) return [];
    const o = d as Record<string, unknown>;
    if (typeof o.id !== 'string') return [];
    return [{ id: o.id, title: typeof o.title === 'string' ? o.title : '', prompt: typeof o.prompt === 'string' ? o.prompt : '' }];
  });
}

const withIds = (list: ContentDirectionInput[]): ContentDirection[] => list.map((d) => ({ id: d.id ?? newId('dir_'), title: d.title, prompt: d.prompt }));

const asJson = (list: ContentDirection[]) => list as unknown as Prisma.InputJsonArray;

// --- lookups -----------------------------------------------------------------------

async function profileView(ctx: ServiceContext, id: string): Promise<ProfileView> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: PROFILE_INCLUDE });
  if (!profile) throw profileNotFound();
  return profile;
}

async function profileWithInfluencer(ctx: ServiceContext, id: string): Promise<Profile & { influencer: Influencer | null }> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: { influencer: true } });
  if (!profile) throw profileNotFound();
  return profile;
}

/** Only the id (a cheap existence and tenancy check). */
async function profileId(ctx: ServiceContext, id: string): Promise<string> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!profile) throw profileNotFound();
  return profile.id;
}

async function checkInfluencer(ctx: ServiceContext, id: string): Promise<void> {
  const found = await ctx.deps.prisma.influencer.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!found) throw influencerNotFound();
}

// --- CRUD ----------------------------------------------------------------------------

/** GET /profiles: newest first, `limit` at a time after the `starting_after` id. */
export async function listProfiles(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<ProfileView>> {
  requireScope(ctx, 'profile:read');
  const input = parseInput(ProfileListInput, raw);
  const where: Prisma.ProfileWhereInput = { teamId: ctx.actor.teamId };
  return keysetPage(input, 'a profile', {
    anchor: (id) => ctx.deps.prisma.profile.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.profile.findMany({ where, include: PROFILE_INCLUDE, ...page }),
  });
}

export async function getProfile(ctx: ServiceContext, id: string): Promise<ProfileView> {
  requireScope(ctx, 'profile:read');
  return profileView(ctx, id);
}

/** For GraphQL: the profile with the caller's selection, or null. */
export async function findProfile(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.ProfileInclude, Prisma.ProfileSelect> = {}): Promise<Profile | null> {
  requireScope(ctx, 'profile:read');
  return ctx.deps.prisma.profile.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

/** For the GraphQL connection: Pothos supplies cursor, take, skip and the selection. */
export async function findProfiles(ctx: ServiceContext, query: Prisma.ProfileFindManyArgs): Promise<Profile[]> {
  requireScope(ctx, 'profile:read');
  return ctx.deps.prisma.profile.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function createProfile(ctx: ServiceContext, raw: unknown): Promise<ProfileView> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(CreateProfileInput, raw);
  if (input.influencerId) await checkInfluencer(ctx, input.influencerId);
  const id = newId('prof_');
  const teamId = ctx.actor.teamId;
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.profile.create({
      data: {
        id,
        teamId,
        name: input.name,
        influencerId: input.influencerId ?? null,
        niche: input.niche ?? null,
        description: input.description ?? null,
        contentDirections: asJson(withIds(input.contentDirections ?? [])),
      },
    });
    if (input.voiceCorpus?.length) await addVoiceSamples(tx, teamId, id, input.voiceCorpus, 'manual');
  });
  return profileView(ctx, id);
}

/**
 * PUT /profiles/:id: the given fields change, the others stay; null clears
 * influencerId, niche and description. `contentDirections` replaces the
 * list (entries keep the ids they carry, new ones get one); `voiceCorpus`
 * adds samples to the corpus (it never removes any).
 */
export async function updateProfile(ctx: ServiceContext, id: string, raw: unknown): Promise<ProfileView> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(UpdateProfileInput, raw);
  await profileId(ctx, id);
  if (input.influencerId) await checkInfluencer(ctx, input.influencerId);
  const data: Prisma.ProfileUncheckedUpdateManyInput = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.influencerId !== undefined ? { influencerId: input.influencerId } : {}),
    ...(input.niche !== undefined ? { niche: input.niche } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.contentDirections !== undefined ? { contentDirections: asJson(withIds(input.contentDirections)) } : {}),
  };
  await ctx.deps.prisma.$transaction(async (tx) => {
    // updateMany with the team filter: a profile deleted meanwhile is a 404, not a write elsewhere.
    const { count } = await tx.profile.updateMany({ where: { id, teamId: ctx.actor.teamId }, data: { ...data, updatedAt: new Date() } });
    if (!count) throw profileNotFound();
    if (input.voiceCorpus?.length) await addVoiceSamples(tx, ctx.actor.teamId, id, input.voiceCorpus, 'manual');
  });
  return profileView(ctx, id);
}

/** Deletes the profile with its voice corpus, media library, batches and content items; returns it as it was. */
export async function deleteProfile(ctx: ServiceContext, id: string): Promise<ProfileView> {
  requireScope(ctx, 'profile:write');
  const profile = await profileView(ctx, id);
  const { count } = await ctx.deps.prisma.profile.deleteMany({ where: { id, teamId: ctx.actor.teamId } });
  if (!count) throw profileNotFound();
  return profile;
}

// --- voice corpus ----------------------------------------------------------------------

export interface VoiceStats {
  profileId: string;
  corpusSize: number;
  bySource: { manual: number; import: number; approved: number };
  /** The voice read from the newest STYLE_WINDOW samples (voice.ts). */
  style: VoiceStyle;
  recentSamples: ProfileVoiceSample[];
}

/** How many of the newest samples the style is read from. */
export const STYLE_WINDOW = 200;

async function statsOf(ctx: ServiceContext, id: string, limit: number): Promise<VoiceStats> {
  const prisma = ctx.deps.prisma;
  const [groups, recent, window] = await Promise.all([
    prisma.profileVoiceSample.groupBy({ by: ['source'], where: { profileId: id, teamId: ctx.actor.teamId }, _count: { _all: true } }),
    prisma.profileVoiceSample.findMany({ where: { profileId: id, teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit }),
    recentVoiceTexts(prisma, id, STYLE_WINDOW),
  ]);
  const bySource = { manual: 0, import: 0, approved: 0 };
  let corpusSize = 0;
  for (const g of groups) {
    corpusSize += g._count._all;
    if (g.source === 'manual' || g.source === 'import' || g.source === 'approved') bySource[g.source] += g._count._all;
  }
  return { profileId: id, corpusSize, bySource, style: analyzeVoice(window), recentSamples: recent };
}

/** GET /profiles/:id/voice-stats. */
export async function voiceStats(ctx: ServiceContext, id: string, raw: Record<string, unknown> = {}): Promise<VoiceStats> {
  requireScope(ctx, 'content:read');
  const input = parseInput(VoiceStatsInput, raw);
  return statsOf(ctx, await profileId(ctx, id), input.limit);
}

/** POST /profiles/:id/voice-corpus: adds texts (empty and already-present ones skipped); answers how many were added and the stats. */
export async function addProfileVoiceSamples(ctx: ServiceContext, id: string, raw: unknown): Promise<{ added: number; stats: VoiceStats }> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(AddVoiceSamplesInput, raw);
  await profileId(ctx, id);
  const added = await addVoiceSamples(ctx.deps.prisma, ctx.actor.teamId, id, input.samples, 'manual');
  if (added) await ctx.deps.prisma.profile.updateMany({ where: { id, teamId: ctx.actor.teamId }, data: { updatedAt: new Date() } });
  return { added, stats: await statsOf(ctx, id, 10) };
}

// --- billable: content directions and captions ----------------------------------------------

export type Billable<T> = { dryRun: true; estimate: CostEstimate } | { dryRun: false; result: T; estimate: CostEstimate };

export interface DraftOutcome extends DraftResult {
  profileId: string;
  /** The drafted directions with the ids they have (or would have) on the profile. */
  drafted: ContentDirection[];
  saved: boolean;
}

/** How many times a save retries when the profile changed under it. */
const SAVE_ATTEMPTS = 5;

/**
 * POST /profiles/:id/content-directions/draft: drafts `count` directions from
 * a free-form brief, grounded in the profile. Returned, not stored, unless
 * `save: true` appends them to the profile's directions.
 */
export async function draftContentDirections(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<DraftOutcome>> {
  requireScope(ctx, 'content:generate');
  const input = parseInput(DraftDirectionsInput, raw);
  const profile = await profileWithInfluencer(ctx, id);
  const provider = ctx.deps.ai.forText().kind;
  const cost = estimate([{ action: 'text.generate', quantity: 1, provider }]);
  const existing = directionsOf(profile);
  if (input.save && existing.length + input.count > MAX_DIRECTIONS) {
    throw new ValidationError(`a profile holds at most ${MAX_DIRECTIONS} content directions; it has ${existing.length}`, 'count');
  }
  if (input.dryRun) return { dryRun: true, estimate: cost };

  const inf = profile.influencer;
  const draft = await draftDirections(ctx.deps, {
    brief: input.prompt,
    count: input.count,
    profile: { id: profile.id, name: profile.name, niche: profile.niche, description: profile.description },
    influencer: inf ? { name: inf.name, handle: inf.handle, bio: inf.bio, niche: inf.niche, basePrompt: inf.basePrompt } : null,
    voiceSamples: await recentVoiceTexts(ctx.deps.prisma, profile.id, 30),
    existingTitles: existing.map((d) => d.title),
  });
  const drafted = draft.directions.map((d) => ({ id: newId('dir_'), title: d.title, prompt: d.prompt }));
  const costLines = [{ action: 'text.generate' as const, quantity: 1, provider: draft.provider, model: draft.model }];
  const subject = { profileId: profile.id, action: 'content-directions.draft' };
  if (!input.save) {
    await recordCosts(ctx.deps.prisma, ctx.actor.teamId, costLines, subject);
  } else {
    // Append to the list as it is at write time (a conditional write, retried if someone changed the profile meanwhile).
    for (let attempt = 1; ; attempt++) {
      const now = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { contentDirections: true, updatedAt: true } });
      if (!now) throw profileNotFound();
      const list = directionsOf(now);
      if (list.length + drafted.length > MAX_DIRECTIONS) throw new ConflictError(`a profile holds at most ${MAX_DIRECTIONS} content directions; it has ${list.length}`, 'too_many_directions');
      const done = await ctx.deps.prisma.$transaction(async (tx) => {
        const { count } = await tx.profile.updateMany({
          where: { id, teamId: ctx.actor.teamId, updatedAt: now.updatedAt },
          data: { contentDirections: asJson([...list, ...drafted]), updatedAt: new Date() },
        });
        if (!count) return false;
        await recordCosts(tx, ctx.actor.teamId, costLines, subject);
        return true;
      });
      if (done) break;
      if (attempt >= SAVE_ATTEMPTS) throw new ConflictError('the profile kept changing while the directions were saved; try again', 'profile_changed');
    }
  }
  return { dryRun: false, estimate: cost, result: { ...draft, profileId: profile.id, drafted, saved: !!input.save } };
}

export interface CaptionOutcome extends Caption {
  profileId: string;
}

/** OpenAI's vision models read these; the embedded writer takes the same, for one rule. */
const CAPTION_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const FETCH_TIMEOUT_MS = 15_000;

class ImageUnreachable extends AppError {
  override name = 'ImageUnreachable';
  constructor(message: string) {
    super(message, { code: 'image_unreachable', httpStatus: 422, type: 'invalid_request_error', param: 'imageUrl' });
  }
}

class ImageTooLarge extends AppError {
  override name = 'ImageTooLarge';
  constructor(limit: number) {
    super(`imageUrl: the image is larger than the limit of ${limit} bytes`, { code: 'image_too_large', httpStatus: 413, type: 'invalid_request_error', param: 'imageUrl' });
  }
}

type ImageRef = { blobId: string } | { url: URL };

/** A media URL of the team (absolute or relative) or an external http(s) URL; 400 otherwise (checked before any cost or fetch). */
function imageRef(imageUrl: string): ImageRef {
  const blobId = blobIdFromUrl(imageUrl);
  if (blobId) return { blobId };
  let url: URL;
  try {
    url = new URL(imageUrl);
  } catch {
    throw new ValidationError('imageUrl must be an http(s) URL or a media URL of this team (/api/v1/media/{id})', 'imageUrl', 'invalid_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('imageUrl must be an http(s) URL or a media URL of this team (/api/v1/media/{id})', 'imageUrl', 'invalid_url');
  }
  return { url };
}

async function loadImage(ctx: ServiceContext, ref: ImageRef): Promise<{ bytes: Buffer; contentType: string }> {
  let bytes: Buffer;
  let declared: string | null = null;
  if ('blobId' in ref) {
    const blob = await getBlob(ctx.deps.prisma, ctx.actor.teamId, ref.blobId);
    if (!blob) throw new NotFoundError('imageUrl: no such media of this team', 'media_not_found');
    bytes = Buffer.from(blob.bytes);
    declared = blob.contentType;
  } else {
    const limit = ctx.deps.config.mediaMaxUploadBytes;
    let res;
    try {
      res = await safeFetch(ref.url.toString(), { timeoutMs: FETCH_TIMEOUT_MS, maxBytes: limit, policy: ctx.deps.config.outbound, headers: { accept: 'image/*' } });
    } catch (e) {
      if (e instanceof OutboundRefused) throw new ValidationError(`imageUrl ${e.message.replace(/^url /, '')}`, 'imageUrl', 'invalid_url');
      if (e instanceof OutboundFailed && e.reason === 'too_large') throw new ImageTooLarge(limit);
      if (e instanceof OutboundFailed) throw new ImageUnreachable(`imageUrl could not be fetched: ${e.message}`);
      throw e;
    }
    if (res.status < 200 || res.status > 299) throw new ImageUnreachable(`imageUrl could not be fetched: ${ref.url.host} answered HTTP ${res.status}`);
    bytes = res.body;
    declared = res.headers['content-type'] ?? null;
  }
  const sniffed = await sniffMedia(bytes, ['image'], declared, 'imageUrl');
  if (!CAPTION_IMAGE_TYPES.includes(sniffed.contentType)) throw new UnsupportedMediaError(`imageUrl must be a PNG, JPEG, GIF or WebP image (its bytes are ${sniffed.contentType})`, 'imageUrl');
  return { bytes, contentType: sniffed.contentType };
}

/**
 * POST /profiles/:id/generate-caption: a caption for the image in the
 * profile's voice. `direction` names one of the profile's content directions
 * by id, or says in words what the post is about. The same image, profile
 * corpus, direction and instructions give the same caption (embedded).
 */
export async function generateCaption(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<CaptionOutcome>> {
  requireScope(ctx, 'content:generate');
  const input = parseInput(GenerateCaptionInput, raw);
  const ref = imageRef(input.imageUrl);
  const profile = await profileWithInfluencer(ctx, id);
  const provider = ctx.deps.ai.forText().kind;
  const cost = estimate([{ action: 'caption.generate', quantity: 1, provider }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };

  const image = await loadImage(ctx, ref);
  const named = input.direction ? directionsOf(profile).find((d) => d.id === input.direction) : undefined;
  const direction = named ? [named.title, named.prompt].filter(Boolean).join(': ') : (input.direction ?? null);
  const voiceSamples = await recentVoiceTexts(ctx.deps.prisma, profile.id);
  const inf = profile.influencer;
  const seed = createHash('sha256').update(profile.id).update('\0').update(image.bytes).digest('hex');
  const caption = await writeCaption(ctx.deps, {
    profile: { name: profile.name, niche: profile.niche, description: profile.description },
    influencer: inf ? { name: inf.name, handle: inf.handle, bio: inf.bio, niche: inf.niche } : null,
    voiceSamples,
    direction,
    image,
    seed,
    instructions: input.instructions ?? null,
  });
  await recordCosts(ctx.deps.prisma, ctx.actor.teamId, [{ action: 'caption.generate', quantity: 1, provider: caption.provider, model: caption.model }], {
    profileId: profile.id,
    action: 'generate-caption',
  });
  return { dryRun: false, estimate: cost, result: { ...caption, profileId: profile.id } };
}

// --- media library -----------------------------------------------------------------------

function mediaWhere(ctx: ServiceContext, profileId: string, f: { kind?: string | null; source?: string | null }): Prisma.MediaItemWhereInput {
  return { profileId, teamId: ctx.actor.teamId, ...(f.kind ? { kind: f.kind } : {}), ...(f.source ? { source: f.source } : {}) };
}

/** GET /profiles/:id/media-library: newest first, filters kind and source. */
export async function mediaLibrary(ctx: ServiceContext, id: string, raw: Record<string, unknown>): Promise<Page<MediaItem>> {
  requireScope(ctx, 'content:read');
  const input = parseInput(MediaLibraryInput, raw);
  await profileId(ctx, id);
  const where = mediaWhere(ctx, id, input);
  return keysetPage(input, 'a media item', {
    anchor: (anchorId) => ctx.deps.prisma.mediaItem.findFirst({ where: { AND: [where, { id: anchorId }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.mediaItem.findMany({ where, ...page }),
  });
}

/** The scope GraphQL's corpus and media fields on Profile need (as REST's voice-stats and media-library). */
export function requireContentRead(ctx: ServiceContext): void {
  requireScope(ctx, 'content:read');
}

