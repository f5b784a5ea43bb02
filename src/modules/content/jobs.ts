/**
 * Background job kinds of the content module (registered at start by src/jobs.ts).
 *
 * `content.batch` ({ batchId }): generates every item of the batch that is
 * still `generating`, in position order, one at a time. Each finished item is
 * one transaction: image blob, the item (caption, image, pending_review, its
 * place in the batch's finishing order), the media-library entry, the cost
 * records and the batch counters. The job is at least once: run again after a
 * restart it skips the items already made, and the conditional write on
 * `status = generating` makes sure a late duplicate run cannot store an item
 * twice. Events go out after each commit (events.ts has their numbering).
 *
 * An item whose generation fails is left `generating` (its error noted) and
 * the job carries on with the others, then fails the attempt so the queue
 * retries it with backoff; on the job's last attempt a failing item becomes
 * `failed` at once, as does an item the provider refused outright (a 4xx:
 * retrying cannot help). If the job is given up (e.g. the worker kept dying),
 * `onFailed` marks what is left `failed`. The batch ends `completed` when at
 * least one item was made, else `failed`, with both counts kept.
 *
 * `content.video` ({ videoId }): renders one video (infra/ai/video.ts) and
 * stores it with its media-library entry and cost in one transaction. The
 * provider's render id is saved as soon as it exists, so a run after a
 * restart resumes polling that render instead of starting (and paying for) another.
 */
import type { Deps } from '../../context.js';
import { isAppError } from '../../errors.js';
import type { Batch, ContentItem, Prisma } from '../../generated/prisma/client.js';
import { getBlob, putBlob, sniffMedia } from '../../infra/blobs.js';
import { PermanentJobError, type JobContext } from '../../infra/jobs.js';
import { videoBackend, VideoRenderFailed } from '../../infra/ai/video.js';
import { recordCosts } from '../catalog/service.js';
import { addMediaItem } from '../profiles/service.js';
import { deliverAfterCommit, emitEvent } from '../webhooks/service.js';
import { fileGeneratedImage, generateItem, setupGeneration, type GeneratedContent, type GenerationSetup } from './generate.js';
import type { BatchEvent } from './events.js';
import { endEvent, finishEvents, startedEvent, type ItemFinish } from './batch-events.js';
import { BATCH_JOB } from './batches.js';
import { jsonObject, stringList } from './lookups.js';
import { BATCH_ENDED } from './status.js';
import { VIDEO_JOB, type VideoParams } from './videos.js';

/** Runs of a batch job (each retries the items still generating); a restart mid-run counts as one. */
export const BATCH_JOB_MAX_ATTEMPTS = 3;
export const BATCH_JOB_BACKOFF_MS = 2000;
export const VIDEO_JOB_MAX_ATTEMPTS = 3;

/** A message that is safe to show: our own errors' words, never a bug's or a driver's. */
function safeMessage(deps: Deps, err: unknown, what: string): string {
  if (isAppError(err)) return err.message;
  deps.log.error({ err }, `${what} failed unexpectedly`);
  return `${what} failed (internal error)`;
}

/** A provider refusal (4xx: bad key, rejected prompt) will not change on retry. */
const isPermanent = (err: unknown) => isAppError(err) && err.httpStatus < 500;

class AlreadyDone extends Error {}

function publish(deps: Deps, events: BatchEvent[]): void {
  for (const e of events) deps.pubsub.publish('content.batch', e.batchId, e);
}

/** Stores a made item with everything that belongs to it; false if it was no longer generating. */
async function storeItem(deps: Deps, batch: Batch, item: ContentItem, made: GeneratedContent): Promise<boolean> {
  let finish: ItemFinish;
  try {
    finish = await deps.prisma.$transaction(async (tx) => {
      const counters = await tx.batch.update({ where: { id: batch.id }, data: { completed: { increment: 1 } }, select: { completed: true, failed: true } });
      const f: ItemFinish = {
        batchSeq: counters.completed + counters.failed,
        batchOutcome: 'pending_review',
        batchCompleted: counters.completed,
        batchFailed: counters.failed,
        finishedAt: new Date().toISOString(),
      };
      const blob = await putBlob(tx, { teamId: item.teamId, bytes: made.image.bytes, kind: 'image', contentType: made.image.contentType, metadata: made.image.metadata as Prisma.InputJsonObject });
      const { count } = await tx.contentItem.updateMany({
        where: { id: item.id, status: 'generating' },
        data: {
          status: 'pending_review',
          caption: made.caption.caption,
          imageBlobId: blob.id,
          error: null,
          metadata: { ...jsonObject(item.metadata), ...made.metadata, ...f } as Prisma.InputJsonObject,
        },
      });
      if (!count) throw new AlreadyDone();
      await fileGeneratedImage(tx, item, blob.id, made, { batchId: batch.id });
      await emitEvent(tx, deps, { teamId: item.teamId, type: 'content.generated', data: { contentItemId: item.id, profileId: item.profileId, batchId: batch.id } });
      return f;
    });
  } catch (e) {
    if (e instanceof AlreadyDone) return false;
    throw e;
  }
  deliverAfterCommit(deps);
  publish(deps, finishEvents(batch, item.id, null, finish));
  return true;
}

/** Gives an item up: `failed` with the error, counted in the batch. */
async function failItem(deps: Deps, batch: Batch, item: Pick<ContentItem, 'id' | 'metadata'>, error: string): Promise<void> {
  let finish: ItemFinish;
  try {
    finish = await deps.prisma.$transaction(async (tx) => {
      const counters = await tx.batch.update({ where: { id: batch.id }, data: { failed: { increment: 1 } }, select: { completed: true, failed: true } });
      const f: ItemFinish = {
        batchSeq: counters.completed + counters.failed,
        batchOutcome: 'failed',
        batchCompleted: counters.completed,
        batchFailed: counters.failed,
        finishedAt: new Date().toISOString(),
      };
      const { count } = await tx.contentItem.updateMany({
        where: { id: item.id, status: 'generating' },
        data: { status: 'failed', error, metadata: { ...jsonObject(item.metadata), ...f, batchError: error } as Prisma.InputJsonObject },
      });
      if (!count) throw new AlreadyDone();
      return f;
    });
  } catch (e) {
    if (e instanceof AlreadyDone) return;
    throw e;
  }
  publish(deps, finishEvents(batch, item.id, error, finish));
}

/** Ends the batch once no item is generating: completed if any item was made, else failed. */
async function finishBatch(deps: Deps, batchId: string): Promise<void> {
  const batch = await deps.prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch || batch.status !== 'generating') return;
  const left = await deps.prisma.contentItem.count({ where: { batchId, status: 'generating' } });
  if (left) return;
  const status = batch.completed > 0 ? 'completed' : 'failed';
  const error = status === 'failed' ? `no item could be generated (${batch.failed} failed)` : null;
  const finishedAt = new Date();
  const count = await deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.batch.updateMany({ where: { id: batchId, status: 'generating' }, data: { status, error, finishedAt } });
    if (count) {
      await emitEvent(tx, deps, {
        teamId: batch.teamId,
        type: 'batch.completed',
        data: { batchId, profileId: batch.profileId, status, count: batch.count, completed: batch.completed, failed: batch.failed },
      });
    }
    return count;
  });
  if (!count) return;
  deliverAfterCommit(deps);
  publish(deps, [endEvent({ ...batch, status, error, finishedAt })]);
}

/** queued → generating (once; the first event), stamping when it started. */
async function startBatch(deps: Deps, batch: Batch): Promise<Batch> {
  if (batch.status !== 'queued') return batch;
  const startedAt = new Date().toISOString();
  const options = { ...jsonObject(batch.options), startedAt } as Prisma.InputJsonObject;
  const { count } = await deps.prisma.batch.updateMany({ where: { id: batch.id, status: 'queued' }, data: { status: 'generating', options } });
  if (count) publish(deps, [startedEvent(batch, startedAt)]);
  return { ...batch, status: 'generating', options: options as Batch['options'] };
}

async function runBatch(deps: Deps, batchId: string, jc: JobContext): Promise<Prisma.InputJsonValue | void> {
  let batch = await deps.prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch || BATCH_ENDED.includes(batch.status)) return; // deleted with its profile, already ended or cancelled
  batch = await startBatch(deps, batch);
  const items = await deps.prisma.contentItem.findMany({ where: { batchId, status: 'generating' }, orderBy: { position: 'asc' } });
  const lastAttempt = jc.job.attempts >= jc.job.maxAttempts;
  let setup: GenerationSetup | null = null;
  let retry: string | null = null;
  for (const item of items) {
    jc.signal.throwIfAborted();
    // Cancelled meanwhile (POST /batches/:id/cancel): stop before paying for another item.
    const now = await deps.prisma.batch.findUnique({ where: { id: batchId }, select: { status: true } });
    if (!now || BATCH_ENDED.includes(now.status)) return;
    let made: GeneratedContent;
    try {
      if (!setup) {
        const profile = await deps.prisma.profile.findUnique({ where: { id: batch.profileId }, include: { influencer: true } });
        if (!profile) return; // the profile (and with it the batch) is being deleted
        const { aestheticGrade: grade, featuring } = jsonObject(batch.options);
        setup = await setupGeneration(deps, profile, typeof grade === 'string' ? grade : null, stringList(featuring));
      }
      made = await generateItem(deps, setup, item, 0, jc.signal);
    } catch (err) {
      if (jc.signal.aborted) throw err;
      const message = safeMessage(deps, err, 'generating the item');
      if (isPermanent(err) || lastAttempt) {
        await failItem(deps, batch, item, message);
      } else {
        retry ??= message;
        await deps.prisma.contentItem.updateMany({ where: { id: item.id, status: 'generating' }, data: { error: `attempt ${jc.job.attempts} failed: ${message}` } });
      }
      continue;
    }
    await storeItem(deps, batch, item, made);
    await jc.progress(batch.count ? (100 * (items.indexOf(item) + 1)) / items.length : 100);
  }
  if (retry) throw new Error(retry); // the queue retries (with backoff) the items still generating
  await finishBatch(deps, batchId);
  const done = await deps.prisma.batch.findUnique({ where: { id: batchId }, select: { status: true, completed: true, failed: true } });
  return done ?? undefined;
}

/** The job was given up: every item still generating fails with its error, then the batch ends. */
async function abandonBatch(deps: Deps, batchId: string, error: string): Promise<void> {
  const batch = await deps.prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch || BATCH_ENDED.includes(batch.status)) return;
  const started = await startBatch(deps, batch);
  const items = await deps.prisma.contentItem.findMany({ where: { batchId, status: 'generating' }, orderBy: { position: 'asc' }, select: { id: true, metadata: true, error: true } });
  // The queue's own reason (e.g. "gave up after 3 attempts …") is safe to show; a raw error is not.
  const reason = error.startsWith('gave up after') ? error : 'generation was given up after its last attempt';
  for (const item of items) {
    const last = item.error?.replace(/^attempt \d+ failed: /, '');
    await failItem(deps, started, item, last || reason);
  }
  await finishBatch(deps, batchId);
}

// --- videos ------------------------------------------------------------------------------

async function runVideo(deps: Deps, videoId: string, jc: JobContext): Promise<Prisma.InputJsonValue | void> {
  try {
    return await renderVideo(deps, videoId, jc);
  } catch (err) {
    // What reaches onFailed becomes the video's visible error: only our own words.
    if (jc.signal.aborted || isAppError(err) || err instanceof PermanentJobError || err instanceof VideoFailure) throw err;
    throw new VideoFailure(safeMessage(deps, err, 'rendering the video'));
  }
}

class VideoFailure extends Error {}

async function renderVideo(deps: Deps, videoId: string, jc: JobContext): Promise<Prisma.InputJsonValue | void> {
  const video = await deps.prisma.contentVideo.findUnique({ where: { id: videoId }, include: { contentItem: true } });
  if (!video || video.status === 'completed' || video.status === 'failed') return;
  const params = jsonObject(video.params) as unknown as VideoParams;
  const item = video.contentItem;
  await deps.prisma.contentVideo.updateMany({ where: { id: videoId, status: 'queued' }, data: { status: 'rendering' } });
  const image = await getBlob(deps.prisma, video.teamId, params.sourceBlobId);
  if (!image) throw new PermanentJobError('the item’s image is gone');
  const backend = videoBackend(deps.config);
  if (!backend) throw new PermanentJobError('No video provider configured');
  let rendered;
  try {
    rendered = await backend.render({
      image: { bytes: Buffer.from(image.bytes), contentType: image.contentType },
      prompt: [params.prompt, item.caption ?? item.prompt].filter(Boolean).join(' — '),
      motion: params.motion,
      durationSeconds: params.durationSeconds,
      signal: jc.signal,
      providerVideoId: params.providerVideoId ?? null,
      onStarted: async (providerVideoId) => {
        await deps.prisma.contentVideo.update({ where: { id: videoId }, data: { params: { ...jsonObject(video.params), providerVideoId } as Prisma.InputJsonObject } });
      },
      onProgress: (p) => jc.progress(p),
    });
  } catch (err) {
    if (jc.signal.aborted) throw err;
    const message = safeMessage(deps, err, 'rendering the video');
    throw isPermanent(err) || err instanceof VideoRenderFailed ? new PermanentJobError(message) : new VideoFailure(message);
  }
  // What the provider sent must really be a video (or the embedded renderer's GIF).
  const sniffed = await sniffMedia(rendered.bytes, ['video', 'image']).catch(() => null);
  if (!sniffed || (rendered.metadata.provider === 'openai' ? sniffed.kind !== 'video' : sniffed.contentType !== 'image/gif')) {
    throw new VideoFailure('the video provider returned something that is not a video');
  }
  const seconds = Math.max(1, Math.ceil(rendered.seconds));
  await deps.prisma.$transaction(async (tx) => {
    const blob = await putBlob(tx, { teamId: video.teamId, bytes: rendered.bytes, kind: 'video', contentType: sniffed.contentType, metadata: rendered.metadata as Prisma.InputJsonObject });
    const current = await tx.contentVideo.findUnique({ where: { id: videoId }, select: { params: true } });
    const done = { ...jsonObject(current?.params), contentType: sniffed.contentType, format: rendered.metadata.format ?? sniffed.ext } as Prisma.InputJsonObject;
    const { count } = await tx.contentVideo.updateMany({ where: { id: videoId, status: { in: ['queued', 'rendering'] } }, data: { status: 'completed', blobId: blob.id, error: null, params: done } });
    if (!count) throw new AlreadyDone();
    await addMediaItem(tx, {
      teamId: video.teamId,
      profileId: item.profileId,
      kind: 'video',
      source: 'generated',
      blobId: blob.id,
      caption: item.caption,
      contentItemId: item.id,
      metadata: { provider: rendered.metadata.provider, model: rendered.metadata.model, videoId, comparisonId: video.comparisonId, variant: video.variant, contentType: sniffed.contentType },
    });
    await recordCosts(tx, video.teamId, [{ action: 'video.second', quantity: seconds, provider: rendered.metadata.provider, model: rendered.metadata.model }], {
      contentItemId: item.id,
      videoId,
      comparisonId: video.comparisonId,
      profileId: item.profileId,
    });
  }).catch((e) => {
    if (!(e instanceof AlreadyDone)) throw e;
  });
  return { videoId, seconds };
}

export function registerContentJobs(deps: Deps): void {
  deps.jobs.register<{ batchId: string }>(BATCH_JOB, {
    maxAttempts: BATCH_JOB_MAX_ATTEMPTS,
    backoffMs: BATCH_JOB_BACKOFF_MS,
    run: ({ batchId }, jc) => runBatch(deps, batchId, jc),
    onFailed: ({ batchId }, error) => abandonBatch(deps, batchId, error),
  });
  deps.jobs.register<{ videoId: string }>(VIDEO_JOB, {
    maxAttempts: VIDEO_JOB_MAX_ATTEMPTS,
    backoffMs: 5000,
    run: ({ videoId }, jc) => runVideo(deps, videoId, jc),
    async onFailed({ videoId }, error) {
      await deps.prisma.contentVideo.updateMany({ where: { id: videoId, status: { in: ['queued', 'rendering'] } }, data: { status: 'failed', error } });
    },
  });
}
