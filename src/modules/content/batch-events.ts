/**
 * A batch's events (events.ts has their numbering): built by the job as items
 * finish, rebuilt the same from what is stored, and served to a subscriber
 * as stored then live (infra/live-replay.ts).
 */
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import type { Batch, ContentItem } from '../../generated/prisma/client.js';
import { seqCursor, storedThenLive } from '../../infra/live-replay.js';
import { batchSeq, type BatchEvent } from './events.js';
import { batchNotFound, jsonObject } from './lookups.js';
import { BATCH_ENDED } from './status.js';

export interface ItemFinish {
  /** k: this was the k-th item of the batch to finish. */
  batchSeq: number;
  batchOutcome: 'pending_review' | 'failed';
  batchCompleted: number;
  batchFailed: number;
  finishedAt: string;
}

const pct = (count: number, done: number) => (count ? Math.round((100 * done) / count) : 100);

export function startedEvent(batch: Pick<Batch, 'id' | 'count'>, at: string): BatchEvent {
  return { batchId: batch.id, seq: batchSeq.started, type: 'progress', status: 'generating', count: batch.count, completed: 0, failed: 0, progress: 0, contentItemId: null, itemStatus: null, error: null, at };
}

/** The item event and the progress event of the k-th finished item. */
export function finishEvents(batch: Pick<Batch, 'id' | 'count'>, itemId: string, error: string | null, f: ItemFinish): [BatchEvent, BatchEvent] {
  const base = { batchId: batch.id, status: 'generating', count: batch.count, completed: f.batchCompleted, failed: f.batchFailed, progress: pct(batch.count, f.batchCompleted + f.batchFailed), at: f.finishedAt };
  return [
    { ...base, seq: batchSeq.item(f.batchSeq), type: 'item', contentItemId: itemId, itemStatus: f.batchOutcome, error: f.batchOutcome === 'failed' ? error : null },
    { ...base, seq: batchSeq.progress(f.batchSeq), type: 'progress', contentItemId: null, itemStatus: null, error: null },
  ];
}

export function endEvent(batch: Pick<Batch, 'id' | 'count' | 'status' | 'completed' | 'failed' | 'error' | 'finishedAt'>): BatchEvent {
  return {
    batchId: batch.id,
    seq: batchSeq.end(batch.count),
    type: batch.status === 'failed' || batch.status === 'cancelled' ? batch.status : 'completed',
    status: batch.status,
    count: batch.count,
    completed: batch.completed,
    failed: batch.failed,
    progress: pct(batch.count, batch.completed + batch.failed),
    contentItemId: null,
    itemStatus: null,
    error: batch.error,
    at: (batch.finishedAt ?? new Date()).toISOString(),
  };
}

export function itemFinish(item: Pick<ContentItem, 'metadata'>): ItemFinish | null {
  const m = jsonObject(item.metadata);
  return typeof m.batchSeq === 'number' ? (m as unknown as ItemFinish) : null;
}

/** The events of a batch after `afterSeq`, rebuilt from what is stored (the same ones that were published). */
export async function storedBatchEvents(deps: Deps, batchId: string, afterSeq: number): Promise<BatchEvent[]> {
  const batch = await deps.prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch) return [];
  const events: BatchEvent[] = [];
  const startedAt = jsonObject(batch.options).startedAt;
  // A batch cancelled while still queued never started: its stream is only the end.
  if (batch.status !== 'queued' && !(batch.status === 'cancelled' && typeof startedAt !== 'string')) {
    events.push(startedEvent(batch, typeof startedAt === 'string' ? startedAt : batch.createdAt.toISOString()));
  }
  const items = await deps.prisma.contentItem.findMany({ where: { batchId }, select: { id: true, metadata: true, error: true } });
  const finished = items.flatMap((i) => {
    const f = itemFinish(i);
    return f ? [{ id: i.id, error: jsonObject(i.metadata).batchError as string | null | undefined, f }] : [];
  });
  finished.sort((a, b) => a.f.batchSeq - b.f.batchSeq);
  for (const x of finished) events.push(...finishEvents(batch, x.id, x.error ?? null, x.f));
  if (BATCH_ENDED.includes(batch.status)) events.push(endEvent(batch));
  return events.filter((e) => e.seq > afterSeq);
}

const isEnd = (e: BatchEvent) => BATCH_ENDED.includes(e.type);

/**
 * A batch's events after `afterSeq` (default 0: all of them): those that
 * already happened, rebuilt from the database, then live ones as they are
 * published, in seq order without gaps or repeats (a gap, published while the
 * stored ones were read or lost with a process that died after its commit, is
 * rebuilt from the database); ends after the batch's last event.
 */
export async function* batchEvents(ctx: ServiceContext, batchId: string, afterSeq = 0): AsyncGenerator<BatchEvent> {
  requireScope(ctx, 'content:read');
  const batch = await ctx.deps.prisma.batch.findFirst({ where: { id: batchId, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!batch) throw batchNotFound();
  const cursor = seqCursor<BatchEvent>(afterSeq, (e) => e.seq, async (after, before) => (await storedBatchEvents(ctx.deps, batch.id, after)).filter((e) => e.seq < before));
  yield* storedThenLive({
    live: ctx.deps.pubsub.subscribe('content.batch', batch.id),
    stored: () => storedBatchEvents(ctx.deps, batch.id, afterSeq),
    admit: cursor.admit,
    ends: isEnd,
  });
}
