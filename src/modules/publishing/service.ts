/**
 * Publishing (seed 001, scope publishing:write): an approved content item to
 * one or more of its profile's connected accounts, now or at `scheduledAt`.
 *
 * Each (item, account) is a Publication carried out by a durable job
 * (`publish.deliver`, src/infra/jobs.ts): at least once, with the
 * publication's idempotency key passed to the platform on every attempt so a
 * retry or a rerun after a crash never posts twice (each connector says how
 * it honours the key). A retryable platform failure is retried with
 * exponential backoff and jitter up to PUBLISH_MAX_ATTEMPTS; then, or at once
 * for a non-retryable one, the publication is `failed` with the platform's
 * own error kept, shown by …/publish/status, pushed on the subscriptions and
 * sent as a `publish.failed` webhook event. `…/publish/retry` starts failed
 * publications again under the same key.
 *
 * Publication states: scheduled → queued → publishing → published | failed;
 * scheduled → cancelled (unpublish); published → removed (unpublish, where
 * the platform allows); failed → queued (retry). The item's own status
 * follows its publications (itemStatusOf) through the content status machine.
 */
import { randomBytes } from 'node:crypto';
import type { Prisma, Publication, SocialAccount } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { newId } from '../../infra/ids.js';
import { parseInput } from '../../validation.js';
import { platformAppError } from '../accounts/service.js';
import { connectorFor, openAccount, PlatformError } from '../connectors/service.js';
import { PUBLISHING_STATUSES, transition } from '../content/service.js';
import { mediaUrl } from '../../infra/blobs.js';
import { checkAccounts, planPost, textFor } from './formats.js';
import { PublishInput, UnpublishInput } from './inputs.js';
import type { PublishStatusEvent } from './events.js';

export const PUBLISH_JOB = 'publish.deliver';

const ACTIVE = ['scheduled', 'queued', 'publishing', 'published'] as const;

export type PublicationWithAccount = Publication & { account: SocialAccount };

/** What an item's status is, given its publications (cancelled and removed ones do not count). */
export function itemStatusOf(pubs: Pick<Publication, 'status'>[]): 'approved' | 'scheduled' | 'publishing' | 'published' | 'publish_failed' {
  const live = pubs.filter((p) => p.status !== 'cancelled' && p.status !== 'removed');
  if (!live.length) return 'approved';
  if (live.some((p) => p.status === 'queued' || p.status === 'publishing')) return 'publishing';
  if (live.some((p) => p.status === 'scheduled')) return 'scheduled';
  if (live.some((p) => p.status === 'published')) return 'published';
  return 'publish_failed';
}

async function loadItem(ctx: ServiceContext, id: string) {
  const item = await ctx.deps.prisma.contentItem.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!item) throw new NotFoundError('No such content item', 'content_not_found');
  return item;
}

export async function publish(ctx: ServiceContext, contentItemId: string, raw: unknown) {
  requireScope(ctx, 'publishing:write');
  const input = parseInput(PublishInput, raw);
  const item = await loadItem(ctx, contentItemId);
  const accounts = await ctx.deps.prisma.socialAccount.findMany({
    where: { teamId: ctx.actor.teamId, profileId: item.profileId, ...(input.accountIds ? { id: { in: input.accountIds } } : { status: 'connected' }) },
    orderBy: { createdAt: 'asc' },
  });
  if (input.accountIds) {
    const found = new Set(accounts.map((a) => a.id));
    const missing = input.accountIds.find((id) => !found.has(id));
    if (missing) throw new NotFoundError(`No account ${missing} on this content item’s profile`, 'account_not_found');
    const off = accounts.find((a) => a.status !== 'connected');
    if (off) throw new ConflictError(`account ${off.id} (${off.platform} ${off.handle}) is disconnected; connect it again to publish`, 'account_disconnected', 'accountIds');
  }
  transition('publish', item.status);
  if (!accounts.length) throw new ConflictError('the profile has no connected social account to publish to; connect one with POST /api/v1/accounts', 'no_connected_account', 'accountIds');
  const plan = await planPost(ctx, item, input);
  const captions = checkAccounts(accounts, ctx, plan, input, item);
  const scheduledAt = input.scheduledAt && input.scheduledAt.getTime() > Date.now() ? input.scheduledAt : null;
  if (input.dryRun) {
    return {
      dryRun: true as const,
      contentItemId: item.id,
      format: plan.format,
      media: plan.media.map((m) => ({ id: m.id, contentType: m.contentType, url: mediaUrl(m.id) })),
      videoId: plan.videoId,
      accounts: accounts.map((a) => ({ id: a.id, platform: a.platform, handle: a.handle, caption: textFor(input, item, a.platform).text })),
      scheduledAt: scheduledAt?.toISOString() ?? null,
      cost: { currency: 'USD', totalMicros: 0, total: 0 },
    };
  }
  const created = await ctx.deps.prisma.$transaction(async (tx) => {
    const existing = await tx.publication.findMany({ where: { contentItemId: item.id, accountId: { in: accounts.map((a) => a.id) }, status: { in: [...ACTIVE] } } });
    if (existing.length) {
      const e = existing[0]!;
      throw new ConflictError(`content item is already ${e.status} on account ${e.accountId}; unpublish it first or retry a failed one`, 'already_published', 'accountIds');
    }
    const rows: Publication[] = [];
    for (const account of accounts) {
      const id = newId('pub_');
      const job = await ctx.deps.jobs.enqueue(PUBLISH_JOB, { publicationId: id }, { teamId: ctx.actor.teamId, runAt: scheduledAt ?? undefined, tx, maxAttempts: ctx.deps.config.publishing.maxAttempts });
      rows.push(
        await tx.publication.create({
          data: {
            id,
            teamId: ctx.actor.teamId,
            contentItemId: item.id,
            accountId: account.id,
            profileId: item.profileId,
            status: scheduledAt ? 'scheduled' : 'queued',
            scheduledAt,
            plannedAt: scheduledAt ?? new Date(),
            format: plan.format,
            mediaIds: plan.media.map((m) => m.id),
            videoId: plan.videoId,
            caption: captions.get(account.id) ?? null,
            idempotencyKey: `pgk_${randomBytes(16).toString('hex')}`,
            maxAttempts: ctx.deps.config.publishing.maxAttempts,
            jobId: job.id,
          },
        }),
      );
    }
    await syncItemStatus(tx, item.id);
    return rows;
  });
  ctx.deps.jobs.kick();
  for (const p of created) await announce(ctx, p.id);
  return publishStatus(ctx, item.id);
}

/** Sets the item's status from its publications. */
export async function syncItemStatus(tx: Prisma.TransactionClient | Deps['prisma'], contentItemId: string): Promise<string> {
  const pubs = await tx.publication.findMany({ where: { contentItemId }, select: { status: true } });
  const status = itemStatusOf(pubs);
  await tx.contentItem.updateMany({ where: { id: contentItemId, status: { in: [...PUBLISHING_STATUSES] } }, data: { status } });
  return status;
}

export function publicationView(p: PublicationWithAccount & { attemptLog?: { attempt: number; outcome: string; statusCode: number | null; error: string | null; durationMs: number; createdAt: Date }[] }) {
  return {
    id: p.id,
    accountId: p.accountId,
    platform: p.account.platform,
    handle: p.account.handle,
    status: p.status,
    format: p.format,
    media: p.mediaIds.map((id) => ({ id, url: mediaUrl(id) })),
    videoId: p.videoId,
    caption: p.caption,
    scheduledAt: p.scheduledAt?.toISOString() ?? null,
    attempts: p.attempts,
    maxAttempts: p.maxAttempts,
    nextAttemptAt: p.status === 'queued' || p.status === 'publishing' ? (p.nextAttemptAt?.toISOString() ?? null) : null,
    lastError: p.lastError,
    externalId: p.externalId,
    url: p.externalUrl,
    publishedAt: p.publishedAt?.toISOString() ?? null,
    removedAt: p.removedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    attemptLog: (p.attemptLog ?? []).map((a) => ({ attempt: a.attempt, outcome: a.outcome, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs, at: a.createdAt.toISOString() })),
  };
}

export async function publishStatus(ctx: ServiceContext, contentItemId: string) {
  requireScope(ctx, 'publishing:write');
  const item = await loadItem(ctx, contentItemId);
  const pubs = await ctx.deps.prisma.publication.findMany({
    where: { contentItemId: item.id },
    include: { account: true, attemptLog: { orderBy: { attempt: 'asc' } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return { contentItemId: item.id, status: item.status, publications: pubs.map(publicationView) };
}

export async function retry(ctx: ServiceContext, contentItemId: string, raw: unknown) {
  requireScope(ctx, 'publishing:write');
  const input = parseInput(UnpublishInput, raw);
  const item = await loadItem(ctx, contentItemId);
  const failed = await ctx.deps.prisma.publication.findMany({
    where: { contentItemId: item.id, status: 'failed', ...(input.publicationIds ? { id: { in: input.publicationIds } } : {}) },
    include: { account: true },
  });
  if (!failed.length) throw new ConflictError(`content item is ${item.status} and has no failed publication to retry`, 'nothing_to_retry');
  const off = failed.find((p) => p.account.status !== 'connected');
  if (off) throw new ConflictError(`account ${off.accountId} is disconnected; connect it again before retrying`, 'account_disconnected');
  await ctx.deps.prisma.$transaction(async (tx) => {
    for (const p of failed) {
      // The same idempotency key: if an earlier attempt did reach the platform, it will not post twice.
      const job = await ctx.deps.jobs.enqueue(PUBLISH_JOB, { publicationId: p.id }, { teamId: ctx.actor.teamId, tx, maxAttempts: p.maxAttempts });
      await tx.publication.update({ where: { id: p.id }, data: { status: 'queued', attempts: 0, lastError: null, nextAttemptAt: null, jobId: job.id } });
    }
    await syncItemStatus(tx, item.id);
  });
  ctx.deps.jobs.kick();
  for (const p of failed) await announce(ctx, p.id);
  return publishStatus(ctx, item.id);
}

/**
 * Cancels scheduled publications and removes published posts where the
 * platform allows it. A publication being sent right now cannot be stopped
 * (409: unpublish it once it is published).
 */
export async function unpublish(ctx: ServiceContext, contentItemId: string, raw: unknown) {
  requireScope(ctx, 'publishing:write');
  const input = parseInput(UnpublishInput, raw);
  const item = await loadItem(ctx, contentItemId);
  const pubs = await ctx.deps.prisma.publication.findMany({
    where: { contentItemId: item.id, status: { in: ['scheduled', 'queued', 'publishing', 'published'] }, ...(input.publicationIds ? { id: { in: input.publicationIds } } : {}) },
    include: { account: true },
  });
  if (!pubs.length) throw new ConflictError(`content item is ${item.status}; there is nothing scheduled or published to unpublish`, 'nothing_to_unpublish');
  const busy = pubs.find((p) => p.status === 'publishing' || (p.status === 'queued' && p.attempts > 0));
  if (busy) throw new ConflictError(`publication ${busy.id} is being sent to ${busy.account.platform} right now; unpublish it once it is published`, 'publish_in_progress');
  for (const p of pubs) {
    if (p.status === 'scheduled' || p.status === 'queued') {
      // Conditional on the status read: a job that started meanwhile has moved it to publishing, and wins.
      const { count } = await ctx.deps.prisma.publication.updateMany({ where: { id: p.id, status: p.status }, data: { status: 'cancelled', nextAttemptAt: null } });
      if (!count) throw new ConflictError(`publication ${p.id} started going out to ${p.account.platform} just now; unpublish it once it is published`, 'publish_in_progress');
      if (p.jobId) await ctx.deps.jobs.cancel(p.jobId);
    } else {
      await removeFromPlatform(ctx.deps, p);
      await ctx.deps.prisma.publication.update({ where: { id: p.id }, data: { status: 'removed', removedAt: new Date() } });
    }
    await announce(ctx, p.id);
  }
  await syncItemStatus(ctx.deps.prisma, item.id);
  return publishStatus(ctx, item.id);
}

/** Publishes a publication's current state on both subscription topics. */
export async function announce(ctx: { deps: Deps }, publicationId: string): Promise<PublishStatusEvent | null> {
  const p = await ctx.deps.prisma.publication.findUnique({ where: { id: publicationId }, include: { account: true, contentItem: { select: { status: true } } } });
  if (!p) return null;
  const event: PublishStatusEvent = {
    contentItemId: p.contentItemId,
    profileId: p.profileId,
    publicationId: p.id,
    accountId: p.accountId,
    platform: p.account.platform,
    format: p.format,
    status: p.status,
    itemStatus: p.contentItem.status,
    attempts: p.attempts,
    error: p.lastError,
    externalUrl: p.externalUrl,
    at: new Date().toISOString(),
  };
  ctx.deps.pubsub.publish('publish.status', p.contentItemId, event);
  ctx.deps.pubsub.publish('profile.publish', p.profileId, event);
  return event;
}

/** Takes a published post down on its platform; 409 where the platform cannot (TikTok, Instagram), 502 when it is unreachable. */
async function removeFromPlatform(deps: Deps, p: PublicationWithAccount): Promise<void> {
  if (!p.externalId) return;
  if (p.account.status !== 'connected') throw new ConflictError(`account ${p.accountId} is disconnected; connect it again to remove the post from ${p.account.platform}`, 'account_disconnected');
  try {
    await connectorFor(deps, p.account.platform).unpublish(openAccount(deps, p.account), p.externalId, AbortSignal.timeout(deps.config.platforms.timeoutMs));
  } catch (err) {
    if (!(err instanceof PlatformError)) throw err;
    if (err.kind === 'unsupported') throw new ConflictError(`${err.message}`, 'unpublish_unsupported');
    throw platformAppError(err, null);
  }
}

/** 404 unless the profile is the team's (subscriptions per profile). */
export async function assertProfile(ctx: ServiceContext, profileId: string): Promise<void> {
  requireScope(ctx, 'publishing:write');
  const found = await ctx.deps.prisma.profile.findFirst({ where: { id: profileId, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!found) throw new NotFoundError('No such profile', 'profile_not_found');
}
