/**
 * Background job kinds of the influencers module (registered at start by src/jobs.ts).
 *
 * `influencer.references` ({ influencerId }): the 4-view reference pack.
 * Views are made in order front, left, right, back through the image
 * provider (the influencer's base prompt, the view, the aesthetic grade),
 * with the influencer's front reference at that moment (the existing one, or
 * the one this job just made) as a style reference. Each view is one
 * transaction: the image blob, the influencer's references (the view's
 * previous image replaced, marked with this job's id) and its cost. Run again
 * (at least once), the job skips the views it already made.
 *
 * `influencer.preview` ({ previewId }): `count` preview images, each stored
 * with its cost in one transaction and appended to the preview's images only
 * if it is still the next one (so a duplicate run cannot add one twice).
 *
 * Progress goes out on `influencer.job` after each commit.
 */
import type { Deps } from '../../context.js';
import { isAppError } from '../../errors.js';
import type { Influencer, Prisma } from '../../generated/prisma/client.js';
import type { ImageRequest } from '../../infra/ai/provider.js';
import { getBlob, putBlob, sniffMedia } from '../../infra/blobs.js';
import { PermanentJobError, type JobContext } from '../../infra/jobs.js';
import { recordCosts } from '../catalog/service.js';
import { publishJobEvent } from './events.js';
import { PACK_VIEWS } from './inputs.js';
import { PREVIEW_JOB, previewImages, previewSpec } from './previews.js';
import { packPrompt, previewPrompt } from './prompts.js';
import { referencesOf, REFERENCES_JOB, type StoredReference } from './references.js';

export const REFERENCES_JOB_MAX_ATTEMPTS = 3;
export const PREVIEW_JOB_MAX_ATTEMPTS = 3;

class AlreadyDone extends Error {}

/** A message safe to show: our own errors' words, never a bug's or a driver's. */
function safeError(deps: Deps, err: unknown, what: string): Error {
  if (isAppError(err)) return err.httpStatus < 500 ? new PermanentJobError(err.message) : new Error(err.message);
  if (err instanceof PermanentJobError) return err;
  deps.log.error({ err }, `${what} failed unexpectedly`);
  return new Error(`${what} failed (internal error)`);
}

async function styleReference(deps: Deps, teamId: string, blobId: string | null | undefined): Promise<NonNullable<ImageRequest['styleReferences']>> {
  if (!blobId) return [];
  const b = await getBlob(deps.prisma, teamId, blobId);
  return b && b.kind === 'image' ? [{ bytes: Buffer.from(b.bytes), contentType: b.contentType, filename: `reference.${b.contentType.split('/')[1] ?? 'png'}` }] : [];
}

/** Generates an image and checks that what came back is one. */
async function makeImage(deps: Deps, req: ImageRequest) {
  const image = await deps.ai.forImages([]).generateImage(req);
  const sniffed = await sniffMedia(image.bytes, ['image']).catch(() => null);
  if (!sniffed) throw new Error('the image provider returned something that is not an image');
  return { ...image, contentType: sniffed.contentType };
}

// --- reference pack ------------------------------------------------------------------------

const madeBy = (inf: Influencer, jobId: string) => referencesOf(inf).filter((r) => r.jobId === jobId);

async function runReferencePack(deps: Deps, influencerId: string, jc: JobContext): Promise<Prisma.InputJsonValue | void> {
  const jobId = jc.job.id;
  const total = PACK_VIEWS.length;
  let inf = await deps.prisma.influencer.findUnique({ where: { id: influencerId } });
  if (!inf) return { skipped: 'the influencer was deleted' };
  const event = (status: 'running' | 'completed', now: Influencer) => {
    const made = madeBy(now, jobId);
    publishJobEvent(deps, [influencerId], { id: jobId, influencerId, kind: 'references', status, done: made.length, total, mediaIds: made.map((r) => r.blobId), error: null });
  };
  event('running', inf);
  for (const view of PACK_VIEWS) {
    jc.signal.throwIfAborted();
    inf = await deps.prisma.influencer.findUnique({ where: { id: influencerId } });
    if (!inf) return { skipped: 'the influencer was deleted' };
    if (madeBy(inf, jobId).some((r) => r.view === view)) continue;
    const front = referencesOf(inf).find((r) => r.view === 'front');
    const prompt = packPrompt(inf, view);
    const image = await makeImage(deps, { prompt, styleReferences: await styleReference(deps, inf.teamId, front?.blobId) });
    const teamId = inf.teamId;
    try {
      await deps.prisma.$transaction(async (tx) => {
        const now = await tx.influencer.findUnique({ where: { id: influencerId } });
        if (!now) throw new AlreadyDone();
        if (madeBy(now, jobId).some((r) => r.view === view)) throw new AlreadyDone();
        const blob = await putBlob(tx, { teamId, bytes: image.bytes, kind: 'image', contentType: image.contentType, metadata: { ...image.metadata, influencerId, view, jobId, prompt } as Prisma.InputJsonObject });
        const refs: StoredReference[] = [...referencesOf(now).filter((r) => r.view !== view), { view, blobId: blob.id, source: 'generated', jobId }];
        const { count } = await tx.influencer.updateMany({ where: { id: influencerId, updatedAt: now.updatedAt }, data: { references: refs as unknown as Prisma.InputJsonArray } });
        if (!count) throw new Error('the influencer changed while a view was stored; retrying');
        await recordCosts(tx, teamId, [{ action: 'image.generate', quantity: 1, provider: image.metadata.provider, model: image.metadata.model }], { influencerId, jobId, view });
      });
    } catch (e) {
      if (!(e instanceof AlreadyDone)) throw e;
    }
    const after = await deps.prisma.influencer.findUnique({ where: { id: influencerId } });
    if (!after) return { skipped: 'the influencer was deleted' };
    await jc.progress(madeBy(after, jobId).length);
    if (madeBy(after, jobId).length < total) event('running', after);
    inf = after;
  }
  event('completed', inf);
  return { views: madeBy(inf, jobId).map((r) => ({ view: r.view, mediaId: r.blobId })) };
}

// --- previews ----------------------------------------------------------------------------------

async function runPreview(deps: Deps, previewId: string, jc: JobContext): Promise<Prisma.InputJsonValue | void> {
  let p = await deps.prisma.preview.findUnique({ where: { id: previewId } });
  if (!p || p.status === 'completed' || p.status === 'failed') return;
  const keys = [p.influencerId, p.id];
  const event = (status: 'running' | 'completed', images: string[]) =>
    publishJobEvent(deps, keys, { id: previewId, influencerId: p!.influencerId, kind: 'preview', status, done: images.length, total: p!.count, mediaIds: images, error: null });
  if (p.status === 'queued') await deps.prisma.preview.updateMany({ where: { id: previewId, status: 'queued' }, data: { status: 'running' } });
  event('running', previewImages(p));
  const spec = previewSpec(p);
  const refs = await styleReference(deps, p.teamId, spec.referenceBlobId);
  for (let i = previewImages(p).length; i < p.count; i++) {
    jc.signal.throwIfAborted();
    const image = await makeImage(deps, { prompt: previewPrompt(spec, i), styleReferences: refs });
    const teamId = p.teamId;
    try {
      await deps.prisma.$transaction(async (tx) => {
        const now = await tx.preview.findUnique({ where: { id: previewId } });
        if (!now || previewImages(now).length !== i) throw new AlreadyDone();
        const blob = await putBlob(tx, { teamId, bytes: image.bytes, kind: 'image', contentType: image.contentType, metadata: { ...image.metadata, previewId, index: i } as Prisma.InputJsonObject });
        const { count } = await tx.preview.updateMany({ where: { id: previewId, updatedAt: now.updatedAt }, data: { images: [...previewImages(now), blob.id] } });
        if (!count) throw new AlreadyDone();
        await recordCosts(tx, teamId, [{ action: 'image.generate', quantity: 1, provider: image.metadata.provider, model: image.metadata.model }], { previewId, influencerId: now.influencerId, index: i });
      });
    } catch (e) {
      if (!(e instanceof AlreadyDone)) throw e;
    }
    p = await deps.prisma.preview.findUnique({ where: { id: previewId } });
    if (!p) return;
    i = previewImages(p).length - 1;
    await jc.progress(previewImages(p).length);
    if (previewImages(p).length < p.count) event('running', previewImages(p));
  }
  const { count } = await deps.prisma.preview.updateMany({ where: { id: previewId, status: { in: ['queued', 'running'] } }, data: { status: 'completed', error: null } });
  if (count) event('completed', previewImages(p));
  return { images: previewImages(p).length };
}

export function registerInfluencerJobs(deps: Deps): void {
  deps.jobs.register<{ influencerId: string }>(REFERENCES_JOB, {
    maxAttempts: REFERENCES_JOB_MAX_ATTEMPTS,
    backoffMs: 2000,
    run: async ({ influencerId }, jc) => {
      try {
        return await runReferencePack(deps, influencerId, jc);
      } catch (err) {
        if (jc.signal.aborted) throw err;
        throw safeError(deps, err, 'generating the reference pack');
      }
    },
    async onFailed({ influencerId }, error, job) {
      const inf = await deps.prisma.influencer.findUnique({ where: { id: influencerId } });
      const made = inf ? referencesOf(inf).filter((r) => r.jobId === job.id) : [];
      publishJobEvent(deps, [influencerId], { id: job.id, influencerId, kind: 'references', status: 'failed', done: made.length, total: PACK_VIEWS.length, mediaIds: made.map((r) => r.blobId), error });
    },
  });
  deps.jobs.register<{ previewId: string }>(PREVIEW_JOB, {
    maxAttempts: PREVIEW_JOB_MAX_ATTEMPTS,
    backoffMs: 2000,
    run: async ({ previewId }, jc) => {
      try {
        return await runPreview(deps, previewId, jc);
      } catch (err) {
        if (jc.signal.aborted) throw err;
        throw safeError(deps, err, 'generating the preview');
      }
    },
    async onFailed({ previewId }, error) {
      const { count } = await deps.prisma.preview.updateMany({ where: { id: previewId, status: { in: ['queued', 'running'] } }, data: { status: 'failed', error } });
      const p = await deps.prisma.preview.findUnique({ where: { id: previewId } });
      if (count && p) {
        const images = previewImages(p);
        publishJobEvent(deps, [p.influencerId, p.id], { id: p.id, influencerId: p.influencerId, kind: 'preview', status: 'failed', done: images.length, total: p.count, mediaIds: images, error });
      }
    },
  });
}

