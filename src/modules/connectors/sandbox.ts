/**
 * `sandbox`: the built-in platform, offline. It keeps each post in the
 * database (SandboxPost, one per idempotency key: publishing the same key
 * again answers the post already made), serves posts back (import, and
 * `GET /api/v1/accounts/:id/posts`), deletes them, and reports engagement
 * that grows with a post's age along a curve fixed by its id, so analytics
 * have data and the same post always tells the same story.
 *
 * For trying out failure handling, an account's config may say
 * `{"failPublishAttempts": n, "failWith": "unavailable" | "refused"}`: the
 * first n attempts of each post fail (retryable "unavailable" by default,
 * else a permanent refusal), as a real platform's outage or refusal would.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Deps } from '../../context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { mediaUrl } from '../../infra/blobs.js';
import { keysetPage } from '../../infra/pagination.js';
import { PlatformError, type Connector, type Metrics } from './types.js';

/** Deterministic engagement of a post `ageMs` old: a fast start that slows down (log growth), scaled by its id. */
export function sandboxMetrics(postId: string, ageMs: number): Metrics {
  const h = createHash('sha256').update(postId).digest();
  const reach = 60 + (h[0]! % 140); // impressions per unit of log-age: 60–199
  const g = Math.log1p(Math.max(0, ageMs) / 30_000);
  const impressions = Math.floor(g * reach);
  const views = Math.floor(impressions * (0.5 + (h[1]! % 40) / 100));
  return {
    impressions,
    views,
    likes: Math.floor(views * (0.04 + (h[2]! % 8) / 100)),
    comments: Math.floor(views * (0.005 + (h[3]! % 3) / 200)),
    shares: Math.floor(views * (0.002 + (h[4]! % 3) / 500)),
    saves: Math.floor(views * (0.003 + (h[5]! % 4) / 500)),
  };
}

/** Deterministic followers of a sandbox account `ageMs` after it was connected: a base fixed by its id, growing with the square root of its age. */
export function sandboxFollowers(accountId: string, ageMs: number): number {
  const h = createHash('sha256').update(`followers:${accountId}`).digest();
  const base = 100 + h.readUInt16BE(0) % 900;
  return base + Math.floor(Math.sqrt(Math.max(0, ageMs) / 1000) * (2 + (h[2]! % 5)));
}

export function sandboxPostUrl(accountId: string, postId: string): string {
  return `/api/v1/accounts/${accountId}/posts/${postId}`;
}

export function sandboxConnector(deps: Deps): Connector {
  const { prisma } = deps;
  return {
    platform: 'sandbox',
    describe: {
      credentials: [],
      config: ['failPublishAttempts (0–10, optional)', 'failWith: unavailable | refused (optional)'],
      publishes: 'kept by personagraph itself; GET /api/v1/accounts/:id/posts lists them',
      unpublish: true,
      engagement: true,
      import: true,
    },
    capabilities: {
      formats: ['text', 'image', 'carousel', 'video'],
      maxImages: 10,
      imageTypes: ['image/'],
      videoTypes: ['video/', 'image/gif'],
      maxText: 5000,
      note: 'the sandbox takes text, an image, up to 10 images or one video',
    },
    async verify(account) {
      return { handle: account.handle, externalId: `sandbox:${account.id}`, displayName: null };
    },
    async followers(account) {
      const row = await prisma.socialAccount.findUnique({ where: { id: account.id }, select: { connectedAt: true } });
      return sandboxFollowers(account.id, row ? Date.now() - row.connectedAt.getTime() : 0);
    },
    async publish(account, post, state) {
      const existing = await prisma.sandboxPost.findUnique({ where: { accountId_idempotencyKey: { accountId: account.id, idempotencyKey: post.idempotencyKey } } });
      if (existing) return { externalId: existing.id, url: sandboxPostUrl(account.id, existing.id) };
      const failures = Number(account.config.failPublishAttempts ?? 0);
      const tried = Number(state.value.sandboxAttempts ?? 0) + 1;
      if (tried <= failures) {
        await state.save({ ...state.value, sandboxAttempts: tried });
        if (account.config.failWith === 'refused') throw new PlatformError('sandbox refused the post (failWith: refused)', { retryable: false, statusCode: 400 });
        throw new PlatformError(`sandbox is unavailable (failPublishAttempts: ${failures}, this was attempt ${tried})`, { retryable: true, statusCode: 503 });
      }
      const id = `sbx_${randomBytes(12).toString('hex')}`;
      const media = post.media.map((m) => ({ blobId: m.blobId, contentType: m.contentType })) as Prisma.InputJsonArray;
      // One post per key even if two attempts race: the unique index decides, the loser reads the winner.
      const made = await prisma.sandboxPost
        .create({ data: { id, teamId: account.teamId, accountId: account.id, idempotencyKey: post.idempotencyKey, caption: post.caption, media } })
        .catch(async (err) => {
          const winner = await prisma.sandboxPost.findUnique({ where: { accountId_idempotencyKey: { accountId: account.id, idempotencyKey: post.idempotencyKey } } });
          if (!winner) throw err;
          return winner;
        });
      return { externalId: made.id, url: sandboxPostUrl(account.id, made.id) };
    },
    async unpublish(account, externalId) {
      const { count } = await prisma.sandboxPost.updateMany({ where: { id: externalId, accountId: account.id, deletedAt: null }, data: { deletedAt: new Date() } });
      if (!count) throw new PlatformError(`sandbox has no post ${externalId}`, { retryable: false, statusCode: 404 });
    },
    async engagement(account, posts) {
      const rows = await prisma.sandboxPost.findMany({ where: { accountId: account.id, id: { in: posts.map((p) => p.externalId) }, deletedAt: null } });
      const now = Date.now();
      return new Map(rows.map((r) => [r.id, sandboxMetrics(r.id, now - r.createdAt.getTime())]));
    },
    async importPosts(account, page) {
      // The cursor is one this platform handed out (the last page's), so it is not checked against the list.
      const { data, nextCursor } = await keysetPage({ limit: page.limit, starting_after: page.cursor ?? undefined }, 'a post', {
        anchor: async () => true,
        rows: (args) => prisma.sandboxPost.findMany({ where: { accountId: account.id, deletedAt: null }, ...args }),
      });
      return {
        posts: data.map((r) => ({
          externalId: r.id,
          text: r.caption,
          createdAt: r.createdAt,
          media: (r.media as { blobId: string; contentType: string }[]).map((m) => ({
            url: mediaUrl(m.blobId),
            blobId: m.blobId,
            contentType: m.contentType,
            kind: m.contentType.startsWith('video/') ? ('video' as const) : ('image' as const),
          })),
        })),
        nextCursor,
      };
    },
  };
}
