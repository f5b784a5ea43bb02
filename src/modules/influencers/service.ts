/**
 * Influencers (AutoPersonas "characters", seed 001): CRUD, reference images,
 * the 4-view reference pack (a durable job, jobs.ts), photo analysis, voice
 * samples and the embedded voice clone, wardrobe generation, the ingredient
 * library (JSON merge patch), previews (a durable job) and collaborations.
 *
 * - Every read filters by the caller's team: another team's ids are 404.
 * - Reference images, voice samples and generated images are blobs
 *   (src/infra/blobs.ts), served at GET /api/v1/media/{id}.
 * - Every generation records its cost in the transaction that stores its
 *   result; billable POSTs take `dryRun: true` (estimate, nothing created).
 * - Read-modify-write of the JSON columns (ingredients, wardrobe, references)
 *   is a conditional write on `updatedAt`, retried, so two concurrent patches
 *   never lose each other's fields.
 */
import { randomBytes } from 'node:crypto';
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { Prisma, type Collaboration, type Influencer, type Job, type Preview, type VoiceSample } from '../../generated/prisma/client.js';
import { blobIdFromUrl, mediaUrl, putBlob, sniffMedia, UnsupportedMediaError } from '../../infra/blobs.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import type { Uploads } from '../../rest/uploads.js';
import { parseInput } from '../../validation.js';
import { findGrade, type AestheticGrade } from '../catalog/aesthetic-grades.js';
import { estimate, recordCosts, type CostEstimate } from '../catalog/pricing.js';
import { visibleTo } from '../personas/service.js';
import type { InfluencerJobEvent } from './events.js';
import {
  CreateCollaborationInput,
  CreateInfluencerInput,
  CreatePreviewInput,
  GenerateReferencesInput,
  jsonDepth,
  ListInput,
  MAX_INGREDIENTS_BYTES,
  MAX_INGREDIENTS_DEPTH,
  MAX_REFERENCES,
  MAX_WARDROBE_ITEMS,
  PACK_VIEWS,
  PreviewListInput,
  REFERENCE_VIEWS,
  SetReferencesJson,
  UpdateInfluencerInput,
  WardrobeGenerateInput,
  WardrobeItem,
  type ReferenceRef,
  type ReferenceView,
} from './inputs.js';
import { applyMergePatch } from './merge-patch.js';
import { analyzeEmbedded, analyzeWithOpenAi, type PhotoAnalysis } from './photo-analysis.js';
import { audioDurationMs, cloneState, CLONE_MIN_SECONDS, type CloneStatus } from './voice.js';
import { composeWardrobe, wardrobeWithOpenAi } from './wardrobe.js';
import { clipText } from '../../infra/unicode.js';

export const REFERENCES_JOB = 'influencer.references';
export const PREVIEW_JOB = 'influencer.preview';

export const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

const influencerNotFound = () => new NotFoundError('Influencer not found', 'influencer_not_found');
const previewNotFound = () => new NotFoundError('Preview not found', 'preview_not_found');
const collaborationNotFound = () => new NotFoundError('Collaboration not found', 'collaboration_not_found');

type Json = Record<string, unknown>;
export const jsonObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Pothos' selection for the caller's GraphQL query, spread into Prisma calls. */
export type PrismaQuery<Include, Select> = { include?: Include; select?: Select };

// --- stored JSON shapes ---------------------------------------------------------------

export interface StoredReference {
  view: ReferenceView;
  blobId: string;
  /** upload (sent as a file), media (the team's existing media), generated (a reference pack). */
  source: 'upload' | 'media' | 'generated';
  /** The reference-pack job that made it (generated only). */
  jobId?: string;
}

export function referencesOf(inf: Pick<Influencer, 'references'>): StoredReference[] {
  const raw = Array.isArray(inf.references) ? inf.references : [];
  return raw.flatMap((r) => {
    const o = jsonObject(r);
    if (typeof o.blobId !== 'string' || !(REFERENCE_VIEWS as readonly string[]).includes(String(o.view))) return [];
    return [{ view: o.view as ReferenceView, blobId: o.blobId, source: (o.source as StoredReference['source']) ?? 'media', ...(typeof o.jobId === 'string' ? { jobId: o.jobId } : {}) }];
  });
}

export const referenceJson = (r: StoredReference) => ({ view: r.view, mediaId: r.blobId, url: mediaUrl(r.blobId), source: r.source });

export function wardrobeOf(inf: Pick<Influencer, 'wardrobe'>): WardrobeItem[] {
  const raw = Array.isArray(inf.wardrobe) ? inf.wardrobe : [];
  return raw.flatMap((w) => {
    const r = WardrobeItem.safeParse(w);
    return r.success ? [r.data] : [];
  });
}

export interface VoiceState {
  cloneStatus: CloneStatus;
  voiceId: string | null;
  sampleCount: number;
  totalDurationMs: number;
  provider: 'embedded';
  updatedAt: string | null;
}

export function voiceOf(inf: Pick<Influencer, 'voice'>): VoiceState {
  const v = jsonObject(inf.voice);
  const status = v.cloneStatus === 'pending' || v.cloneStatus === 'ready' ? v.cloneStatus : 'none';
  return {
    cloneStatus: status,
    voiceId: typeof v.voiceId === 'string' ? v.voiceId : null,
    sampleCount: typeof v.sampleCount === 'number' ? v.sampleCount : 0,
    totalDurationMs: typeof v.totalDurationMs === 'number' ? v.totalDurationMs : 0,
    provider: 'embedded',
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : null,
  };
}

// --- lookups ----------------------------------------------------------------------------

async function findOwn(ctx: ServiceContext, id: string): Promise<Influencer> {
  const inf = await ctx.deps.prisma.influencer.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!inf) throw influencerNotFound();
  return inf;
}

/** A persona this team can see (its own or a system persona), else 404. */
async function checkPersona(ctx: ServiceContext, personaId: string): Promise<void> {
  const found = await ctx.deps.prisma.persona.findFirst({ where: { AND: [{ id: personaId }, visibleTo(ctx)] }, select: { id: true } });
  if (!found) throw new NotFoundError('Persona not found (personaId)', 'persona_not_found');
}

/** References given as the team's existing media (id or /api/v1/media/{id} URL); each must be an image of this team. */
async function resolveMediaRefs(ctx: ServiceContext, refs: ReferenceRef[]): Promise<StoredReference[]> {
  const out: StoredReference[] = [];
  for (const [i, r] of refs.entries()) {
    const param = `references.${i}.${r.mediaId ? 'mediaId' : 'url'}`;
    const blobId = blobIdFromUrl((r.mediaId ?? r.url)!);
    if (!blobId) throw new ValidationError(`${param} must be a media id or a URL of the form /api/v1/media/{id}`, param);
    const blob = await ctx.deps.prisma.blob.findFirst({ where: { id: blobId, teamId: ctx.actor.teamId }, select: { id: true, kind: true, contentType: true } });
    if (!blob) throw new NotFoundError(`No such media: ${blobId} (${param})`, 'media_not_found');
    if (blob.kind !== 'image') throw new UnsupportedMediaError(`${param} is ${blob.contentType}, not an image`, param);
    out.push({ view: r.view, blobId: blob.id, source: 'media' });
  }
  checkViews(out);
  return out;
}

function checkViews(refs: { view: ReferenceView }[]): void {
  const seen = new Set<string>();
  for (const r of refs) {
    if (r.view !== 'other' && seen.has(r.view)) throw new ValidationError(`view ${r.view} is given twice (only "other" may repeat)`, 'references');
    seen.add(r.view);
  }
  if (refs.length > MAX_REFERENCES) throw new ValidationError(`at most ${MAX_REFERENCES} reference images`, 'references');
}

/**
 * Read-modify-write of one influencer: `change` sees the current row and
 * answers the update; the write only lands if nobody wrote in between
 * (updatedAt), else it is tried again with the new row.
 */
async function modify(
  ctx: ServiceContext,
  id: string,
  change: (inf: Influencer, tx: Prisma.TransactionClient) => Promise<Prisma.InfluencerUpdateManyMutationInput | null>,
): Promise<Influencer> {
  for (let attempt = 0; ; attempt++) {
    const inf = await findOwn(ctx, id);
    const done = await ctx.deps.prisma.$transaction(async (tx) => {
      const data = await change(inf, tx);
      if (!data) return true;
      const { count } = await tx.influencer.updateMany({ where: { id, teamId: ctx.actor.teamId, updatedAt: inf.updatedAt }, data });
      if (!count) throw new Retry();
      return true;
    }).catch((e) => {
      if (e instanceof Retry && attempt < 5) return false;
      if (e instanceof Retry) throw new ConflictError('the influencer changed while this request ran; retry', 'influencer_changed');
      throw e;
    });
    if (done) return findOwn(ctx, id);
  }
}
class Retry extends Error {}

// --- influencers: CRUD --------------------------------------------------------------------

export async function listInfluencers(ctx: ServiceContext, raw: Record<string, unknown>) {
  requireScope(ctx, 'character:read');
  const input = parseInput(ListInput, raw);
  const where: Prisma.InfluencerWhereInput = { teamId: ctx.actor.teamId };
  let cursor: Prisma.InfluencerWhereUniqueInput | undefined;
  if (input.starting_after) {
    const anchor = await ctx.deps.prisma.influencer.findFirst({ where: { ...where, id: input.starting_after }, select: { id: true } });
    if (!anchor) throw new ValidationError('starting_after does not name an influencer in this list', 'starting_after');
    cursor = { id: anchor.id };
  }
  const rows = await ctx.deps.prisma.influencer.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: input.limit + 1, ...(cursor ? { cursor, skip: 1 } : {}) });
  const hasMore = rows.length > input.limit;
  const data = rows.slice(0, input.limit);
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
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

// --- reference images ---------------------------------------------------------------------

const VIEW_FIELDS = new Set<string>(REFERENCE_VIEWS);

/**
 * Replaces the influencer's reference images with the given set: uploaded
 * files (multipart fields named by view, or `files` with `views`), or the
 * team's existing media (JSON `{references: [{view, mediaId | url}]}`).
 */
export async function setReferences(ctx: ServiceContext, id: string, read: () => Promise<Uploads>): Promise<Influencer> {
  requireScope(ctx, 'character:write');
  await findOwn(ctx, id);
  const body = await read();
  let refs: StoredReference[];
  const uploads: { view: ReferenceView; bytes: Buffer; contentType: string; filename: string | null }[] = [];
  if (body.json !== undefined) {
    refs = await resolveMediaRefs(ctx, parseInput(SetReferencesJson, body.json).references);
  } else {
    const generic = body.files.filter((f) => !VIEW_FIELDS.has(f.field));
    const views = parseViews(body.fields.views, generic.length);
    let g = 0;
    for (const f of body.files) {
      const view = VIEW_FIELDS.has(f.field) ? (f.field as ReferenceView) : views[g++]!;
      const sniffed = await sniffMedia(f.bytes, ['image'], f.declaredType, f.field);
      uploads.push({ view, bytes: f.bytes, contentType: sniffed.contentType, filename: f.filename });
    }
    if (!uploads.length) throw new ValidationError('send at least one image (multipart fields front, left, right, back, other, or files with views)', 'files');
    checkViews(uploads);
    refs = [];
  }
  if (!refs.length && !uploads.length) throw new ValidationError('references must hold at least one image', 'references');
  return modify(ctx, id, async (_inf, tx) => {
    const stored = [...refs];
    for (const u of uploads) {
      const blob = await putBlob(tx, { teamId: ctx.actor.teamId, bytes: u.bytes, kind: 'image', contentType: u.contentType, filename: u.filename, metadata: { source: 'upload', influencerId: id, view: u.view } });
      stored.push({ view: u.view, blobId: blob.id, source: 'upload' });
    }
    return { references: stored as unknown as Prisma.InputJsonArray };
  });
}

/** `views` of a multipart body: "front,left" or a JSON array; defaults to front, left, right, back, then other. */
function parseViews(raw: string | undefined, count: number): ReferenceView[] {
  let given: string[] = [];
  if (raw !== undefined) {
    const text = raw.trim();
    try {
      given = text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split(',').map((v) => v.trim()).filter(Boolean);
    } catch {
      throw new ValidationError('views must be a comma-separated list or a JSON array of views', 'views');
    }
    if (!Array.isArray(given) || given.some((v) => !VIEW_FIELDS.has(String(v)))) throw new ValidationError(`views must name ${REFERENCE_VIEWS.join(', ')}`, 'views');
    if (given.length !== count) throw new ValidationError(`views names ${given.length} view(s) for ${count} file(s)`, 'views');
    return given as ReferenceView[];
  }
  return Array.from({ length: count }, (_, i) => (PACK_VIEWS[i] ?? 'other') as ReferenceView);
}

// --- the 4-view reference pack -----------------------------------------------------------

const VIEW_TEXT: Record<(typeof PACK_VIEWS)[number], string> = {
  front: 'front view, facing the camera',
  left: 'left profile view, the character facing left',
  right: 'right profile view, the character facing right',
  back: 'back view, the character facing away from the camera',
};

function subjectOf(spec: { name?: string | null; basePrompt?: string | null; niche?: string | null }): string {
  return spec.basePrompt?.trim() || `${spec.name ?? 'a character'}${spec.niche ? `, a ${spec.niche} creator` : ''}`;
}

function gradeParts(grade: AestheticGrade | null): (string | null)[] {
  return [grade?.promptSuffix ?? null, grade?.avoid.length ? `avoid: ${grade.avoid.join(', ')}` : null];
}

/** The image prompt of one view of a reference pack. */
export function packPrompt(inf: Pick<Influencer, 'name' | 'basePrompt' | 'niche' | 'aestheticGrade'>, view: (typeof PACK_VIEWS)[number]): string {
  return clipText([
    subjectOf(inf),
    `Character reference sheet, ${VIEW_TEXT[view]}`,
    'full body, neutral pose, plain light-grey studio background, even lighting, the same person and outfit in every view',
    ...gradeParts(findGrade(inf.aestheticGrade)),
  ]
    .filter(Boolean)
    .join('. '), 4000);
}

export type PackStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ReferencePack {
  id: string;
  influencerId: string;
  status: PackStatus;
  done: number;
  total: number;
  views: ReturnType<typeof referenceJson>[];
  error: string | null;
  cost: { currency: 'USD'; totalMicros: number; total: number };
  createdAt: Date;
  finishedAt: Date | null;
}

async function costOf(deps: Deps, teamId: string, key: 'jobId' | 'previewId', value: string) {
  const agg = await deps.prisma.costRecord.aggregate({ _sum: { totalMicros: true }, where: { teamId, subject: { path: [key], equals: value } } });
  const totalMicros = agg._sum.totalMicros ?? 0;
  return { currency: 'USD' as const, totalMicros, total: totalMicros / 1e6 };
}

/** A reference-pack job as clients see it: its status and the views it made so far. */
export async function packView(deps: Deps, job: Job, inf: Pick<Influencer, 'id' | 'references' | 'teamId'> | null): Promise<ReferencePack> {
  const made = inf ? referencesOf(inf).filter((r) => r.jobId === job.id) : [];
  const done = made.length;
  const status: PackStatus =
    // Completed once the job row says so (with its finishedAt): all four views stored but the job not yet closed is still running.
    job.status === 'failed' || job.status === 'cancelled' ? 'failed' : job.status === 'succeeded' ? 'completed' : job.status === 'running' || done > 0 ? 'running' : 'queued';
  const influencerId = String(jsonObject(job.payload).influencerId);
  return {
    id: job.id,
    influencerId,
    status,
    done,
    total: PACK_VIEWS.length,
    views: PACK_VIEWS.flatMap((v) => made.filter((r) => r.view === v)).map(referenceJson),
    error: status === 'failed' ? (job.lastError ?? 'the reference pack failed') : null,
    cost: await costOf(deps, job.teamId ?? '', 'jobId', job.id),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}

export type Billable<T> = { dryRun: true; estimate: CostEstimate } | { dryRun: false; result: T; estimate: CostEstimate };

const imageProvider = (deps: Deps) => deps.ai.forImages([]).name;

export function publishJobEvent(deps: Deps, keys: (string | null)[], event: Omit<InfluencerJobEvent, 'at'>): void {
  const e: InfluencerJobEvent = { ...event, at: new Date().toISOString() };
  for (const k of new Set(keys.filter((x): x is string => !!x))) deps.pubsub.publish('influencer.job', k, e);
}

const activeJobWhere = (teamId: string, influencerId: string): Prisma.JobWhereInput => ({
  teamId,
  kind: REFERENCES_JOB,
  status: { in: ['queued', 'running'] },
  payload: { path: ['influencerId'], equals: influencerId },
});

/**
 * Queues the 4-view reference pack (202 with the job); 409 while another
 * pack of this influencer is queued or running. `dryRun`: the estimate only.
 */
export async function generateReferences(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<ReferencePack>> {
  requireScope(ctx, 'character:write');
  const input = parseInput(GenerateReferencesInput, raw);
  const inf = await findOwn(ctx, id);
  const cost = estimate([{ action: 'image.generate', quantity: PACK_VIEWS.length, provider: imageProvider(ctx.deps) }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };
  const teamId = ctx.actor.teamId;
  const job = await ctx.deps.prisma.$transaction(async (tx) => {
    const running = await tx.job.findFirst({ where: activeJobWhere(teamId, id), select: { id: true } });
    if (running) throw new ConflictError(`a reference pack of this influencer is already being generated (job ${running.id})`, 'reference_pack_running');
    return ctx.deps.jobs.enqueue(REFERENCES_JOB, { influencerId: id }, { teamId, tx });
  });
  publishJobEvent(ctx.deps, [id], { id: job.id, influencerId: id, kind: 'references', status: 'queued', done: 0, total: PACK_VIEWS.length, mediaIds: [], error: null });
  ctx.deps.jobs.kick();
  return { dryRun: false, result: await packView(ctx.deps, job, inf), estimate: cost };
}

/** The influencer's latest reference pack (or the one named by `jobId`). */
export async function getReferencePack(ctx: ServiceContext, id: string, jobId?: string | null): Promise<ReferencePack> {
  requireScope(ctx, 'character:read');
  const inf = await findOwn(ctx, id);
  const job = await ctx.deps.prisma.job.findFirst({
    where: { teamId: ctx.actor.teamId, kind: REFERENCES_JOB, payload: { path: ['influencerId'], equals: id }, ...(jobId ? { id: jobId } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
  if (!job) throw new NotFoundError(jobId ? 'No such reference-pack job for this influencer' : 'No reference pack has been generated for this influencer', 'reference_pack_not_found');
  return packView(ctx.deps, job, inf);
}

// --- photo analysis ----------------------------------------------------------------------

export const MAX_ANALYZE_PHOTOS = 10;

/** 1–10 uploaded photos → base prompt, wardrobe and attributes. Nothing is stored but the cost record. */
export async function analyzePhotos(ctx: ServiceContext, read: () => Promise<Uploads>, opts: { dryRun?: boolean } = {}): Promise<Billable<PhotoAnalysis>> {
  requireScope(ctx, 'character:write');
  const body = await read();
  if (body.json !== undefined) throw new UnsupportedMediaError('send the photos as multipart/form-data (files) or one raw image body', 'files');
  const dryRun = opts.dryRun || body.fields.dryRun === 'true';
  if (!body.files.length) throw new ValidationError(`send 1–${MAX_ANALYZE_PHOTOS} photos`, 'files');
  if (body.files.length > MAX_ANALYZE_PHOTOS) throw new ValidationError(`at most ${MAX_ANALYZE_PHOTOS} photos`, 'files');
  const photos = [];
  for (const f of body.files) {
    const sniffed = await sniffMedia(f.bytes, ['image'], f.declaredType, f.field);
    photos.push({ bytes: f.bytes, contentType: sniffed.contentType });
  }
  const backend = ctx.deps.ai.forText();
  const cost = estimate([{ action: 'photo.analyze', quantity: photos.length, provider: backend.kind }]);
  if (dryRun) return { dryRun: true, estimate: cost };
  const result = backend.kind === 'openai' ? await analyzeWithOpenAi(backend, photos) : analyzeEmbedded(photos);
  await recordCosts(ctx.deps.prisma, ctx.actor.teamId, [{ action: 'photo.analyze', quantity: photos.length, provider: result.provider, model: result.model }], { analysis: 'analyze-photos' });
  return { dryRun: false, result, estimate: cost };
}

// --- voice -------------------------------------------------------------------------------

export interface VoiceProfile {
  influencerId: string;
  samples: { id: string; audioUrl: string; mediaId: string; duration: number | null; size: number; contentType: string; createdAt: Date }[];
  sampleCount: number;
  totalDuration: number;
  cloneStatus: CloneStatus;
  voiceId: string | null;
  provider: 'embedded';
  rule: string;
  note: string | null;
}

const CLONE_RULE = `ready once the samples add up to at least ${CLONE_MIN_SECONDS} s of audio (WAV durations are read from the file; other formats count 0 s), pending below; the voiceId is derived from the samples' SHA-256 hashes`;

export async function voiceProfileOf(deps: Deps, inf: Influencer): Promise<VoiceProfile> {
  const samples = await deps.prisma.voiceSample.findMany({ where: { influencerId: inf.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const blobs = samples.length
    ? await deps.prisma.blob.findMany({ where: { id: { in: samples.map((s) => s.blobId) }, teamId: inf.teamId }, select: { id: true, size: true, contentType: true } })
    : [];
  const v = voiceOf(inf);
  return {
    influencerId: inf.id,
    samples: samples.map((s) => {
      const b = blobs.find((x) => x.id === s.blobId);
      return { id: s.id, audioUrl: mediaUrl(s.blobId), mediaId: s.blobId, duration: s.durationMs === null ? null : s.durationMs / 1000, size: b?.size ?? 0, contentType: b?.contentType ?? 'application/octet-stream', createdAt: s.createdAt };
    }),
    sampleCount: samples.length,
    totalDuration: v.totalDurationMs / 1000,
    cloneStatus: v.cloneStatus,
    voiceId: v.voiceId,
    provider: 'embedded',
    rule: CLONE_RULE,
    note: deps.config.openai.apiKey
      ? 'OpenAI offers no voice-cloning API: the clone is personagraph’s embedded one (a stable voice id; no speech synthesis).'
      : null,
  };
}

/** Recomputes the clone from the samples, inside the transaction that changed them; records a voice.clone cost when a new clone is ready. */
async function refreshVoice(tx: Prisma.TransactionClient, inf: Influencer): Promise<void> {
  const samples = await tx.voiceSample.findMany({ where: { influencerId: inf.id }, select: { blobId: true, durationMs: true } });
  const hashes = samples.length ? await tx.blob.findMany({ where: { id: { in: samples.map((s) => s.blobId) } }, select: { id: true, sha256: true } }) : [];
  const state = cloneState(samples.map((s) => ({ durationMs: s.durationMs, sha256: hashes.find((h) => h.id === s.blobId)?.sha256 ?? s.blobId })));
  const before = voiceOf(inf);
  await tx.influencer.update({
    where: { id: inf.id },
    data: { voice: { cloneStatus: state.cloneStatus, voiceId: state.voiceId, sampleCount: samples.length, totalDurationMs: state.totalDurationMs, provider: 'embedded', updatedAt: new Date().toISOString() } },
  });
  if (state.cloneStatus === 'ready' && state.voiceId !== before.voiceId) {
    await recordCosts(tx, inf.teamId, [{ action: 'voice.clone', quantity: 1, provider: 'embedded', model: 'embedded-voice-id-v1' }], { influencerId: inf.id, voiceId: state.voiceId });
  }
}

export const MAX_VOICE_FILES = 5;

/** Adds uploaded audio samples (multipart or a raw audio/* body); answers the voice profile. */
export async function addVoiceSamples(ctx: ServiceContext, id: string, read: () => Promise<Uploads>): Promise<{ added: VoiceProfile['samples']; profile: VoiceProfile }> {
  requireScope(ctx, 'character:write');
  await findOwn(ctx, id);
  const body = await read();
  if (body.json !== undefined) throw new UnsupportedMediaError('send the audio as multipart/form-data or as a raw audio/* body', 'file');
  if (!body.files.length) throw new ValidationError('send at least one audio file', 'file');
  const audio: (Uploads['files'][number] & { contentType: string; durationMs: number | null })[] = [];
  for (const f of body.files) {
    const sniffed = await sniffMedia(f.bytes, ['audio'], f.declaredType, f.field);
    audio.push({ ...f, contentType: sniffed.contentType, durationMs: audioDurationMs(f.bytes, sniffed.contentType) });
  }
  const addedIds: string[] = [];
  await ctx.deps.prisma.$transaction(async (tx) => {
    for (const a of audio) {
      const blob = await putBlob(tx, { teamId: ctx.actor.teamId, bytes: a.bytes, kind: 'audio', contentType: a.contentType, filename: a.filename, metadata: { source: 'upload', influencerId: id, durationMs: a.durationMs } });
      const s = await tx.voiceSample.create({ data: { teamId: ctx.actor.teamId, influencerId: id, blobId: blob.id, durationMs: a.durationMs } });
      addedIds.push(s.id);
    }
    const inf = await tx.influencer.findUniqueOrThrow({ where: { id } });
    await refreshVoice(tx, inf);
  });
  const profile = await voiceProfileOf(ctx.deps, await findOwn(ctx, id));
  return { added: profile.samples.filter((s) => addedIds.includes(s.id)), profile };
}

/** Removes one sample, named by its audio URL (as returned) or its media id; 404 unless it is this influencer's. */
export async function deleteVoiceSample(ctx: ServiceContext, id: string, audioRef: string): Promise<VoiceProfile> {
  requireScope(ctx, 'character:write');
  await findOwn(ctx, id);
  const blobId = blobIdFromUrl(audioRef.trim());
  const sample: VoiceSample | null = blobId ? await ctx.deps.prisma.voiceSample.findFirst({ where: { influencerId: id, teamId: ctx.actor.teamId, blobId } }) : null;
  if (!sample) throw new NotFoundError('This influencer has no voice sample with that audio URL', 'voice_sample_not_found');
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.voiceSample.delete({ where: { id: sample.id } });
    await tx.blob.deleteMany({ where: { id: sample.blobId, teamId: ctx.actor.teamId } });
    await refreshVoice(tx, await tx.influencer.findUniqueOrThrow({ where: { id } }));
  });
  return voiceProfileOf(ctx.deps, await findOwn(ctx, id));
}

export async function getVoiceProfile(ctx: ServiceContext, id: string): Promise<VoiceProfile> {
  requireScope(ctx, 'character:read');
  return voiceProfileOf(ctx.deps, await findOwn(ctx, id));
}

// --- wardrobe ------------------------------------------------------------------------------

/** New wardrobe items from the character (OpenAI JSON, or the embedded composer), appended (or `replace`); cost recorded. */
export async function generateWardrobe(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<{ influencer: Influencer; items: WardrobeItem[]; provider: string; model: string }>> {
  requireScope(ctx, 'character:write');
  const input = parseInput(WardrobeGenerateInput, raw);
  const inf = await findOwn(ctx, id);
  const backend = ctx.deps.ai.forText();
  const cost = estimate([{ action: 'text.generate', quantity: 1, provider: backend.kind }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };
  const existing = wardrobeOf(inf);
  const req = { name: inf.name, basePrompt: inf.basePrompt, niche: inf.niche, grade: findGrade(inf.aestheticGrade), existing: input.replace ? [] : existing, prompt: input.prompt ?? null, count: input.count };
  const made = backend.kind === 'openai' ? await wardrobeWithOpenAi(backend, req) : { items: composeWardrobe(req), model: backend.model };
  const items = made.items.map((i) => WardrobeItem.parse(i));
  const updated = await modify(ctx, id, async (now, tx) => {
    const next = input.replace ? items : [...wardrobeOf(now), ...items];
    if (next.length > MAX_WARDROBE_ITEMS) throw new ValidationError(`the wardrobe would hold ${next.length} items; at most ${MAX_WARDROBE_ITEMS} (use replace: true)`, 'count');
    await recordCosts(tx, ctx.actor.teamId, [{ action: 'text.generate', quantity: 1, provider: backend.kind, model: made.model }], { influencerId: id, wardrobe: true });
    return { wardrobe: next as Prisma.InputJsonArray };
  });
  return { dryRun: false, result: { influencer: updated, items, provider: backend.kind, model: made.model }, estimate: cost };
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

// --- previews --------------------------------------------------------------------------------

export interface PreviewSpec {
  name: string | null;
  basePrompt: string;
  aestheticGrade: string | null;
  niche: string | null;
  /** The influencer's front reference when there is one (a style reference). */
  referenceBlobId: string | null;
}

const PREVIEW_SHOTS = [
  'head-and-shoulders portrait, looking into the camera',
  'three-quarter view, candid smile',
  'full-body shot in their signature outfit',
  'lifestyle shot in their element',
];

export function previewPrompt(spec: PreviewSpec, index: number): string {
  return clipText([subjectOf(spec), spec.niche && spec.basePrompt ? `a ${spec.niche} creator` : null, PREVIEW_SHOTS[index % PREVIEW_SHOTS.length], ...gradeParts(findGrade(spec.aestheticGrade))]
    .filter(Boolean)
    .join('. '), 4000);
}

export const previewSpec = (p: Pick<Preview, 'spec'>) => jsonObject(p.spec) as unknown as PreviewSpec;
export const previewImages = (p: Pick<Preview, 'images'>) => (Array.isArray(p.images) ? (p.images as unknown[]).filter((x): x is string => typeof x === 'string') : []);

/** Generates `count` (1–4) preview images of an influencer or a draft, as a job (202); `dryRun`: the estimate. */
export async function createPreview(ctx: ServiceContext, raw: unknown): Promise<Billable<Preview>> {
  requireScope(ctx, 'character:write');
  const input = parseInput(CreatePreviewInput, raw);
  let spec: PreviewSpec;
  if (input.influencerId) {
    const inf = await findOwn(ctx, input.influencerId);
    const front = referencesOf(inf).find((r) => r.view === 'front');
    spec = {
      name: input.name ?? inf.name,
      basePrompt: input.basePrompt ?? subjectOf(inf),
      aestheticGrade: input.aestheticGrade ?? inf.aestheticGrade,
      niche: input.niche ?? inf.niche,
      referenceBlobId: front?.blobId ?? null,
    };
  } else {
    spec = { name: input.name ?? null, basePrompt: input.basePrompt!, aestheticGrade: input.aestheticGrade ?? null, niche: input.niche ?? null, referenceBlobId: null };
  }
  const cost = estimate([{ action: 'image.generate', quantity: input.count, provider: imageProvider(ctx.deps) }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };
  const previewId = newId('prev_');
  const teamId = ctx.actor.teamId;
  const preview = await ctx.deps.prisma.$transaction(async (tx) => {
    const job = await ctx.deps.jobs.enqueue(PREVIEW_JOB, { previewId }, { teamId, tx });
    return tx.preview.create({ data: { id: previewId, teamId, influencerId: input.influencerId ?? null, spec: spec as unknown as Prisma.InputJsonObject, count: input.count, status: 'queued', jobId: job.id } });
  });
  publishJobEvent(ctx.deps, [preview.influencerId, preview.id], { id: preview.id, influencerId: preview.influencerId, kind: 'preview', status: 'queued', done: 0, total: preview.count, mediaIds: [], error: null });
  ctx.deps.jobs.kick();
  return { dryRun: false, result: preview, estimate: cost };
}

export async function listPreviews(ctx: ServiceContext, raw: Record<string, unknown>) {
  requireScope(ctx, 'character:read');
  const input = parseInput(PreviewListInput, raw);
  const where: Prisma.PreviewWhereInput = { teamId: ctx.actor.teamId, ...(input.influencerId ? { influencerId: input.influencerId } : {}) };
  let cursor: Prisma.PreviewWhereUniqueInput | undefined;
  if (input.starting_after) {
    const anchor = await ctx.deps.prisma.preview.findFirst({ where: { AND: [where, { id: input.starting_after }] }, select: { id: true } });
    if (!anchor) throw new ValidationError('starting_after does not name a preview in this list', 'starting_after');
    cursor = { id: anchor.id };
  }
  const rows = await ctx.deps.prisma.preview.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: input.limit + 1, ...(cursor ? { cursor, skip: 1 } : {}) });
  const hasMore = rows.length > input.limit;
  const data = rows.slice(0, input.limit);
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}

export async function getPreview(ctx: ServiceContext, id: string): Promise<Preview> {
  requireScope(ctx, 'character:read');
  const p = await ctx.deps.prisma.preview.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!p) throw previewNotFound();
  return p;
}

export async function findPreview(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.PreviewInclude, Prisma.PreviewSelect> = {}): Promise<Preview | null> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.preview.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export async function findPreviews(ctx: ServiceContext, influencerId: string | null, query: Prisma.PreviewFindManyArgs): Promise<Preview[]> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.preview.findMany({ ...query, where: { teamId: ctx.actor.teamId, ...(influencerId ? { influencerId } : {}) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function previewCost(deps: Deps, p: Pick<Preview, 'id' | 'teamId'>) {
  return costOf(deps, p.teamId, 'previewId', p.id);
}

// --- collaborations ----------------------------------------------------------------------------

export const COLLAB_INCLUDE = {
  members: { orderBy: { position: 'asc' }, include: { influencer: { select: { id: true, name: true, handle: true } } } },
} satisfies Prisma.CollaborationInclude;
export type CollaborationWithMembers = Prisma.CollaborationGetPayload<{ include: typeof COLLAB_INCLUDE }>;

export async function createCollaboration(ctx: ServiceContext, raw: unknown): Promise<CollaborationWithMembers> {
  requireScope(ctx, 'character:write');
  const input = parseInput(CreateCollaborationInput, raw);
  const found = await ctx.deps.prisma.influencer.findMany({ where: { teamId: ctx.actor.teamId, id: { in: input.influencerIds } }, select: { id: true } });
  const missing = input.influencerIds.find((i) => !found.some((f) => f.id === i));
  if (missing) throw new NotFoundError(`Influencer not found: ${missing}`, 'influencer_not_found');
  const id = newId('collab_');
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.collaboration.create({ data: { id, teamId: ctx.actor.teamId, name: input.name, description: input.description ?? null } });
    await tx.collaborationMember.createMany({ data: input.influencerIds.map((influencerId, position) => ({ collaborationId: id, influencerId, position })) });
  });
  return getCollaborationRow(ctx, id);
}

async function getCollaborationRow(ctx: ServiceContext, id: string): Promise<CollaborationWithMembers> {
  const c = await ctx.deps.prisma.collaboration.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: COLLAB_INCLUDE });
  if (!c) throw collaborationNotFound();
  return c;
}

export async function getCollaboration(ctx: ServiceContext, id: string): Promise<CollaborationWithMembers> {
  requireScope(ctx, 'character:read');
  return getCollaborationRow(ctx, id);
}

export async function findCollaboration(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.CollaborationInclude, Prisma.CollaborationSelect> = {}): Promise<Collaboration | null> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.collaboration.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export async function findCollaborations(ctx: ServiceContext, query: Prisma.CollaborationFindManyArgs): Promise<Collaboration[]> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.collaboration.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function listCollaborations(ctx: ServiceContext, raw: Record<string, unknown>) {
  requireScope(ctx, 'character:read');
  const input = parseInput(ListInput, raw);
  const where: Prisma.CollaborationWhereInput = { teamId: ctx.actor.teamId };
  let cursor: Prisma.CollaborationWhereUniqueInput | undefined;
  if (input.starting_after) {
    const anchor = await ctx.deps.prisma.collaboration.findFirst({ where: { ...where, id: input.starting_after }, select: { id: true } });
    if (!anchor) throw new ValidationError('starting_after does not name a collaboration in this list', 'starting_after');
    cursor = { id: anchor.id };
  }
  const rows = await ctx.deps.prisma.collaboration.findMany({ where, include: COLLAB_INCLUDE, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: input.limit + 1, ...(cursor ? { cursor, skip: 1 } : {}) });
  const hasMore = rows.length > input.limit;
  const data = rows.slice(0, input.limit);
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}

export async function deleteCollaboration(ctx: ServiceContext, id: string): Promise<CollaborationWithMembers> {
  requireScope(ctx, 'character:write');
  const c = await getCollaborationRow(ctx, id);
  await ctx.deps.prisma.collaboration.deleteMany({ where: { id, teamId: ctx.actor.teamId } });
  return c;
}

// --- live job events -----------------------------------------------------------------------------

const RANK = { queued: 0, running: 1, completed: 2, failed: 2 } as const;

function previewEvent(p: Pick<Preview, 'id' | 'influencerId' | 'status' | 'count' | 'images' | 'error'>): InfluencerJobEvent {
  const images = previewImages(p);
  const status = (['queued', 'running', 'completed', 'failed'] as const).find((x) => x === p.status) ?? 'queued';
  return { id: p.id, influencerId: p.influencerId, kind: 'preview', status, done: images.length, total: p.count, mediaIds: images, error: p.error, at: new Date().toISOString() };
}

/** The state now of what the stream covers: unfinished packs and previews (or the one preview, finished or not). */
async function currentEvents(ctx: ServiceContext, target: { influencerId: string } | { previewId: string }): Promise<InfluencerJobEvent[]> {
  const teamId = ctx.actor.teamId;
  if ('previewId' in target) {
    const p = await ctx.deps.prisma.preview.findFirst({ where: { id: target.previewId, teamId } });
    return p ? [previewEvent(p)] : [];
  }
  const inf = await findOwn(ctx, target.influencerId);
  const jobs = await ctx.deps.prisma.job.findMany({ where: activeJobWhere(teamId, inf.id), orderBy: { createdAt: 'asc' } });
  const out: InfluencerJobEvent[] = [];
  for (const job of jobs) {
    const v = await packView(ctx.deps, job, inf);
    out.push({ id: v.id, influencerId: inf.id, kind: 'references', status: v.status, done: v.done, total: v.total, mediaIds: v.views.map((x) => x.mediaId), error: v.error, at: new Date().toISOString() });
  }
  const previews = await ctx.deps.prisma.preview.findMany({ where: { teamId, influencerId: inf.id, status: { in: ['queued', 'running'] } }, orderBy: { createdAt: 'asc' } });
  return [...out, ...previews.map(previewEvent)];
}

/**
 * The `influencer.job` events of one influencer (its reference packs and
 * previews) or of one preview: first the state now of each unfinished one
 * (or of the preview), then live events as they are published, each only if
 * it moves its job forward (more done, or a later status), so a client sees
 * every step once and in order. A preview's stream ends with its completed
 * or failed event; an influencer's stays open.
 */
export async function* influencerJobEvents(ctx: ServiceContext, target: { influencerId?: string | null; previewId?: string | null }): AsyncGenerator<InfluencerJobEvent> {
  requireScope(ctx, 'character:read');
  if (!!target.influencerId === !!target.previewId) throw new ValidationError('give exactly one of influencerId or previewId', 'influencerId');
  const key = target.influencerId ?? target.previewId!;
  if (target.influencerId) await findOwn(ctx, target.influencerId);
  else if (!(await ctx.deps.prisma.preview.findFirst({ where: { id: key, teamId: ctx.actor.teamId }, select: { id: true } }))) throw previewNotFound();
  const live = ctx.deps.pubsub.subscribe('influencer.job', key)[Symbol.asyncIterator]();
  const firstLive = live.next(); // listening before the state is read
  const seen = new Map<string, { done: number; rank: number }>();
  const fresh = (e: InfluencerJobEvent) => {
    const last = seen.get(e.id);
    if (last && e.done <= last.done && RANK[e.status] <= last.rank) return false;
    seen.set(e.id, { done: Math.max(e.done, last?.done ?? 0), rank: Math.max(RANK[e.status], last?.rank ?? 0) });
    return true;
  };
  const ends = (e: InfluencerJobEvent) => !!target.previewId && (e.status === 'completed' || e.status === 'failed');
  try {
    for (const e of await currentEvents(ctx, target.influencerId ? { influencerId: key } : { previewId: key })) {
      if (!fresh(e)) continue;
      yield e;
      if (ends(e)) return;
    }
    let next = firstLive;
    for (;;) {
      const { value, done } = await next;
      if (done) return;
      if (fresh(value)) {
        yield value;
        if (ends(value)) return;
      }
      next = live.next();
    }
  } finally {
    await live.return?.();
  }
}
