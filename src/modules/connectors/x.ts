/**
 * `x`: the X API v2 with an OAuth 2.0 user access token
 * (`credentials.accessToken`, scopes tweet.read tweet.write users.read
 * media.write offline.access).
 *   verify       GET  /2/users/me
 *   publish      POST /2/media/upload (multipart `media`, `media_category`) per image (or GIF),
 *                a video in chunks: POST /2/media/upload/initialize {media_type, total_bytes,
 *                media_category: tweet_video}, POST /2/media/upload/{id}/append (multipart
 *                `media`, `segment_index`), POST /2/media/upload/{id}/finalize, then
 *                GET /2/media/upload?command=STATUS&media_id={id} while it is processed;
 *                then POST /2/tweets {text, media:{media_ids}}
 *   followers    GET  /2/users/me?user.fields=public_metrics
 *   unpublish    DELETE /2/tweets/:id
 *   engagement   GET  /2/tweets?ids=…&tweet.fields=public_metrics
 *   import       GET  /2/users/:id/tweets (pagination_token, attachments.media_keys)
 * X takes no idempotency key, so the connector keeps its own: before a
 * tweet is sent it records that it is about to; a later attempt that finds
 * that mark (the earlier one may have posted and then died or timed out)
 * first looks through the account's tweets since the publication was made
 * for one with the same text, and answers that one instead of posting again.
 */
import type { Deps } from '../../context.js';
import { platformFetch, platformRequest, type ErrorReader, type PlatformRequest } from './http.js';
import { PlatformError, type ConnectedAccount, type Connector, type Metrics, type PostMedia } from './types.js';

/** Chunks of a video upload (X takes at most 5 MB per APPEND). */
const CHUNK_BYTES = 4 * 1024 * 1024;
const PROCESSING_CHECKS = 10;

const readError: ErrorReader = (b) => {
  if (b?.data !== undefined) return null;
  if (Array.isArray(b?.errors) && b.errors.length) return String(b.errors[0].message ?? b.errors[0].detail ?? b.errors[0].title);
  if (typeof b?.detail === 'string') return b.detail;
  if (typeof b?.title === 'string') return b.title;
  return null;
};

interface Tweet {
  id: string;
  text: string;
  created_at?: string;
  attachments?: { media_keys?: string[] };
  public_metrics?: { retweet_count: number; reply_count: number; like_count: number; quote_count: number; bookmark_count?: number; impression_count?: number };
}

export function xConnector(deps: Deps): Connector {
  const base = () => deps.config.platforms.xBaseUrl;
  const call = (account: ConnectedAccount, path: string, req: Omit<PlatformRequest, 'timeoutMs' | 'headers' | 'fetch'>) => {
    const token = account.credentials.accessToken;
    if (!token) throw new PlatformError('an x account needs credentials.accessToken (an OAuth 2.0 user access token)', { retryable: false, kind: 'config' });
    return platformRequest('x', `${base()}${path}`, { ...req, headers: { authorization: `Bearer ${token}` }, timeoutMs: deps.config.platforms.timeoutMs, fetch: platformFetch(deps.config) }, readError);
  };
  const userId = async (account: ConnectedAccount, signal: AbortSignal) => account.externalId ?? (await call(account, '/2/users/me', { signal })).body.data.id as string;
  /** A video in chunks, then waits while X processes it; answers its media id. */
  async function uploadVideo(account: ConnectedAccount, m: PostMedia, signal: AbortSignal): Promise<string> {
    const init = await call(account, '/2/media/upload/initialize', { method: 'POST', json: { media_type: m.contentType, total_bytes: m.bytes.length, media_category: 'tweet_video' }, signal });
    const id = String(init.body.data.id);
    for (let i = 0, at = 0; at < m.bytes.length; i++, at += CHUNK_BYTES) {
      const form = new FormData();
      form.append('media', new Blob([new Uint8Array(m.bytes.subarray(at, at + CHUNK_BYTES))], { type: 'application/octet-stream' }), 'chunk');
      form.append('segment_index', String(i));
      await call(account, `/2/media/upload/${id}/append`, { method: 'POST', form, signal });
    }
    let info = (await call(account, `/2/media/upload/${id}/finalize`, { method: 'POST', signal })).body.data?.processing_info as { state: string; check_after_secs?: number; error?: { message?: string } } | undefined;
    for (let i = 0; info && info.state !== 'succeeded'; i++) {
      if (info.state === 'failed') throw new PlatformError(`x could not process the video: ${info.error?.message ?? 'unknown reason'}`, { retryable: false });
      if (i >= PROCESSING_CHECKS) throw new PlatformError(`x is still processing video ${id}`, { retryable: true });
      await new Promise((r) => setTimeout(r, Math.min(5, info!.check_after_secs ?? 1) * 1000));
      info = (await call(account, `/2/media/upload?command=STATUS&media_id=${encodeURIComponent(id)}`, { signal })).body.data?.processing_info;
    }
    return id;
  }
  const tweetUrl = (account: ConnectedAccount, id: string) => `https://x.com/${account.handle.replace(/^@/, '')}/status/${id}`;

  return {
    platform: 'x',
    describe: {
      credentials: ['accessToken (OAuth 2.0 user token with tweet.read tweet.write users.read media.write)'],
      config: [],
      publishes: 'a tweet: the text alone, with up to 4 images, or with one video (or GIF)',
      unpublish: true,
      engagement: true,
      import: true,
    },
    capabilities: {
      formats: ['text', 'image', 'carousel', 'video'],
      maxImages: 4,
      imageTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
      videoTypes: ['video/mp4', 'video/quicktime', 'image/gif'],
      maxText: 280,
      note: 'a post on X holds up to 280 characters with up to 4 images or one video',
    },
    async followers(account, signal) {
      const me = (await call(account, '/2/users/me?user.fields=public_metrics', { signal })).body.data as { public_metrics?: { followers_count?: number } };
      return me.public_metrics?.followers_count ?? null;
    },
    async verify(account, signal) {
      const me = (await call(account, '/2/users/me', { signal })).body.data as { id: string; username: string; name?: string };
      return { handle: `@${me.username}`, externalId: me.id, displayName: me.name ?? null };
    },
    async publish(account, post, state, signal) {
      if (typeof state.value.tweetId === 'string') return { externalId: state.value.tweetId, url: tweetUrl(account, state.value.tweetId) };
      if (state.value.sending) {
        const uid = await userId(account, signal);
        const since = new Date(post.since.getTime() - 1000).toISOString();
        const recent = await call(account, `/2/users/${uid}/tweets?max_results=100&start_time=${encodeURIComponent(since)}&tweet.fields=created_at`, { signal });
        const found = ((recent.body.data ?? []) as Tweet[]).find((t) => t.text === post.caption);
        if (found) {
          await state.save({ ...state.value, tweetId: found.id, recovered: true });
          return { externalId: found.id, url: tweetUrl(account, found.id) };
        }
      }
      const mediaIds: string[] = Array.isArray(state.value.mediaIds) ? (state.value.mediaIds as string[]) : [];
      if (mediaIds.length < post.media.length) {
        for (const m of post.media.slice(mediaIds.length)) {
          if (m.contentType.startsWith('video/')) {
            mediaIds.push(await uploadVideo(account, m, signal));
            continue;
          }
          const form = new FormData();
          form.append('media', new Blob([new Uint8Array(m.bytes)], { type: m.contentType }), 'media');
          form.append('media_category', m.contentType === 'image/gif' ? 'tweet_gif' : 'tweet_image');
          form.append('media_type', m.contentType);
          const up = await call(account, '/2/media/upload', { method: 'POST', form, signal });
          mediaIds.push(String(up.body.data.id));
        }
      }
      await state.save({ ...state.value, mediaIds, sending: true });
      const res = await call(account, '/2/tweets', { method: 'POST', json: { text: post.caption, ...(mediaIds.length ? { media: { media_ids: mediaIds } } : {}) }, signal });
      const id = String(res.body.data.id);
      await state.save({ ...state.value, mediaIds, sending: true, tweetId: id });
      return { externalId: id, url: tweetUrl(account, id) };
    },
    async unpublish(account, externalId, signal) {
      await call(account, `/2/tweets/${encodeURIComponent(externalId)}`, { method: 'DELETE', signal });
    },
    async engagement(account, posts, signal) {
      const out = new Map<string, Metrics>();
      for (let i = 0; i < posts.length; i += 100) {
        const ids = posts.slice(i, i + 100).map((p) => p.externalId);
        const res = await call(account, `/2/tweets?ids=${ids.map(encodeURIComponent).join(',')}&tweet.fields=public_metrics`, { signal });
        for (const t of (res.body.data ?? []) as Tweet[]) {
          const m = t.public_metrics;
          if (!m) continue;
          out.set(t.id, {
            impressions: m.impression_count ?? 0,
            views: m.impression_count ?? 0,
            likes: m.like_count,
            comments: m.reply_count,
            shares: m.retweet_count + m.quote_count,
            saves: m.bookmark_count ?? 0,
          });
        }
      }
      return out;
    },
    async importPosts(account, page, signal) {
      const uid = await userId(account, signal);
      const q = new URLSearchParams({
        max_results: String(Math.min(100, Math.max(5, page.limit))),
        'tweet.fields': 'created_at,attachments',
        expansions: 'attachments.media_keys',
        'media.fields': 'url,type,preview_image_url',
        exclude: 'retweets,replies',
      });
      if (page.cursor) q.set('pagination_token', page.cursor);
      const res = await call(account, `/2/users/${uid}/tweets?${q}`, { signal });
      const media = new Map<string, { type: string; url?: string; preview_image_url?: string }>(
        ((res.body.includes?.media ?? []) as { media_key: string; type: string; url?: string; preview_image_url?: string }[]).map((m) => [m.media_key, m]),
      );
      const posts = ((res.body.data ?? []) as Tweet[]).slice(0, page.limit).map((t) => ({
        externalId: t.id,
        text: t.text,
        createdAt: t.created_at ? new Date(t.created_at) : null,
        media: (t.attachments?.media_keys ?? []).flatMap((k) => {
          const m = media.get(k);
          const url = m?.url ?? m?.preview_image_url;
          if (!m || !url) return [];
          return [{ url, contentType: null, kind: m.type === 'photo' ? ('image' as const) : ('video' as const) }];
        }),
      }));
      return { posts, nextCursor: (res.body.meta?.next_token as string | undefined) ?? null };
    },
  };
}
