/**
 * The `publish.deliver` job: one attempt to put one publication on its
 * platform. The connector gets the publication's idempotency key and the
 * state it saved on earlier attempts (`platformState`) every time, so a rerun
 * after a crash or a retry never posts twice. A retryable failure is tried
 * again after exponential backoff with jitter (kept as `nextAttemptAt`);
 * after the last attempt, or at once for a refusal, the publication is
 * `failed` with the platform's own error. Every attempt is logged
 * (PublicationAttempt), every change is pushed (announce) and the outcomes
 * go out as webhook events in the transaction that records them.
 */
import type { Deps } from '../../context.js';
import { backoffDelay, PermanentJobError, RetryJobError } from '../../infra/jobs.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { connectorFor, openAccount, PlatformError, type PostFormat, type PublishState } from '../connectors/service.js';
import { publicMediaUrl } from '../media/service.js';
import { deliverAfterCommit, emitEvent } from '../webhooks/service.js';
import { announce, PUBLISH_JOB, syncItemStatus } from './service.js';

export function registerPublishingJobs(deps: Deps): void {
  deps.jobs.register<{ publicationId: string }>(PUBLISH_JOB, {
    maxAttempts: deps.config.publishing.maxAttempts,
    async run({ publicationId }, jc) {
      const { prisma } = deps;
      const p = await prisma.publication.findUnique({ where: { id: publicationId }, include: { account: true, contentItem: true } });
      if (!p || !['queued', 'scheduled', 'publishing'].includes(p.status)) return; // done, cancelled or gone
      const facts = { publicationId: p.id, contentItemId: p.contentItemId, accountId: p.accountId, platform: p.account.platform };
      if (p.account.status !== 'connected') {
        await fail(deps, p.id, 'the account was disconnected before the post went out');
        throw new PermanentJobError('account disconnected');
      }
      const attempt = jc.job.attempts;
      const started = await prisma.$transaction(async (tx) => {
        // Conditional: an unpublish that cancelled it a moment ago wins.
        const { count } = await tx.publication.updateMany({ where: { id: p.id, status: { in: ['queued', 'scheduled', 'publishing'] } }, data: { status: 'publishing', attempts: attempt, nextAttemptAt: null } });
        if (!count) return false;
        await syncItemStatus(tx, p.contentItemId);
        if (attempt === 1) await emitEvent(tx, deps, { teamId: p.teamId, type: 'publish.started', data: facts });
        return true;
      });
      if (!started) return;
      deliverAfterCommit(deps);
      await announce({ deps }, p.id);

      // Made before formats (no mediaIds): the item's image as it is now, or its text alone.
      const mediaIds = p.mediaIds.length ? p.mediaIds : p.format === 'image' && p.contentItem.imageBlobId ? [p.contentItem.imageBlobId] : [];
      const blobs = await prisma.blob.findMany({ where: { id: { in: mediaIds }, teamId: p.teamId } });
      const byId = new Map(blobs.map((b) => [b.id, b]));
      const lost = mediaIds.find((id) => !byId.has(id));
      if (lost) {
        await fail(deps, p.id, `media ${lost} of this post was deleted before it went out; publish the item again`);
        throw new PermanentJobError('media deleted');
      }
      const format = (p.mediaIds.length || p.format !== 'image' ? p.format : mediaIds.length ? 'image' : 'text') as PostFormat;
      const state: PublishState = {
        value: (p.platformState ?? {}) as Record<string, unknown>,
        async save(next) {
          state.value = next;
          await prisma.publication.update({ where: { id: p.id }, data: { platformState: next as Prisma.InputJsonObject } });
        },
      };
      const t0 = performance.now();
      const ms = () => Math.round(performance.now() - t0);
      try {
        const result = await connectorFor(deps, p.account.platform).publish(
          openAccount(deps, p.account),
          {
            idempotencyKey: p.idempotencyKey,
            caption: p.caption ?? p.contentItem.caption ?? '',
            format,
            media: mediaIds.map((id) => {
              const blob = byId.get(id)!;
              return { blobId: blob.id, bytes: Buffer.from(blob.bytes), contentType: blob.contentType, publicUrl: publicMediaUrl(deps, blob.id) };
            }),
            since: p.createdAt,
          },
          state,
          jc.signal,
        );
        await prisma.$transaction(async (tx) => {
          await tx.publicationAttempt.create({ data: { publicationId: p.id, attempt, outcome: 'success', durationMs: ms() } });
          await tx.publication.update({ where: { id: p.id }, data: { status: 'published', externalId: result.externalId, externalUrl: result.url, publishedAt: new Date(), lastError: null } });
          await syncItemStatus(tx, p.contentItemId);
          await emitEvent(tx, deps, { teamId: p.teamId, type: 'publish.succeeded', data: { ...facts, externalId: result.externalId, url: result.url } });
        });
        deliverAfterCommit(deps);
        await announce({ deps }, p.id);
      } catch (err) {
        if (jc.signal.aborted) throw err; // lease lost or stopping: the queue hands the job back, the state saved so far stays
        const platformError = err instanceof PlatformError ? err : null;
        if (!platformError) deps.log.error({ err, publicationId: p.id }, 'publishing failed unexpectedly');
        const message = platformError ? platformError.message : 'publishing failed (internal error)';
        const last = (platformError ? !platformError.retryable : false) || attempt >= jc.job.maxAttempts;
        const delay = backoffDelay(attempt, deps.config.publishing.backoffMs);
        await prisma.$transaction(async (tx) => {
          await tx.publicationAttempt.create({ data: { publicationId: p.id, attempt, outcome: 'failure', statusCode: platformError?.statusCode ?? null, error: message, durationMs: ms() } });
          await tx.publication.update({
            where: { id: p.id },
            data: last ? { status: 'failed', lastError: message, nextAttemptAt: null } : { status: 'queued', lastError: message, nextAttemptAt: new Date(Date.now() + delay) },
          });
          await syncItemStatus(tx, p.contentItemId);
          if (last) await emitEvent(tx, deps, { teamId: p.teamId, type: 'publish.failed', data: { ...facts, error: message, attempts: attempt } });
        });
        deliverAfterCommit(deps);
        await announce({ deps }, p.id);
        if (last) throw new PermanentJobError(message);
        throw new RetryJobError(message, delay);
      }
    },
    async onFailed({ publicationId }, error) {
      // The queue gave up without the handler recording it (e.g. the worker kept dying): never leave it in flight.
      const p = await deps.prisma.publication.findUnique({ where: { id: publicationId } });
      if (p && ['queued', 'publishing', 'scheduled'].includes(p.status)) await fail(deps, publicationId, error);
    },
  });
}

async function fail(deps: Deps, publicationId: string, error: string): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    const p = await tx.publication.update({ where: { id: publicationId }, data: { status: 'failed', lastError: error, nextAttemptAt: null }, include: { account: true } });
    await syncItemStatus(tx, p.contentItemId);
    await emitEvent(tx, deps, {
      teamId: p.teamId,
      type: 'publish.failed',
      data: { publicationId: p.id, contentItemId: p.contentItemId, accountId: p.accountId, platform: p.account.platform, error, attempts: p.attempts },
    });
  });
  deliverAfterCommit(deps);
  await announce({ deps }, publicationId);
}
