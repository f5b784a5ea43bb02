/**
 * `instagram`: the Instagram API with Instagram Login (graph.instagram.com)
 * and a professional account's access token (`credentials.accessToken`;
 * permissions instagram_business_basic, instagram_business_content_publish,
 * instagram_business_manage_insights), passed as `access_token` as its
 * documentation shows. Instagram fetches the image itself from `image_url`,
 * a signed link under PUBLIC_BASE_URL (and a reel's video from `video_url`).
 *   verify       GET  /me?fields=user_id,username,name
 *   followers    GET  /me?fields=followers_count
 *   publish      POST /{ig-user-id}/media {image_url, caption} → container id (stored at once);
 *                a reel: {media_type: REELS, video_url, caption}; a carousel: one
 *                {image_url, is_carousel_item: true} container per image (each stored),
 *                then {media_type: CAROUSEL, children, caption};
 *                GET  /{container-id}?fields=status_code until FINISHED,
 *                POST /{ig-user-id}/media_publish {creation_id} → media id
 *   engagement   GET  /{media-id}/insights?metric=views,likes,comments,shares,saved,reach
 * A container can be published once: a later attempt that finds its
 * container already PUBLISHED looks the post up among the account's recent
 * media (same caption) instead of posting again. The API cannot delete
 * posts; import is gated (see the social-import module).
 */
import type { Deps } from '../../context.js';
import { platformFetch, platformRequest, type ErrorReader } from './http.js';
import { PlatformError, unsupported, type ConnectedAccount, type Connector, type Metrics } from './types.js';

const readError: ErrorReader = (b) => (b?.error ? String(b.error.message ?? b.error.type ?? 'error') : null);
const STATUS_CHECKS = 10;

export function instagramConnector(deps: Deps): Connector {
  const call = (account: ConnectedAccount, path: string, opts: { method?: 'GET' | 'POST'; params?: Record<string, string>; signal: AbortSignal }) => {
    const token = account.credentials.accessToken;
    if (!token) throw new PlatformError('an instagram account needs credentials.accessToken (an Instagram user access token)', { retryable: false, kind: 'config' });
    const q = new URLSearchParams({ ...opts.params, access_token: token });
    const post = opts.method === 'POST';
    return platformRequest(
      'instagram',
      `${deps.config.platforms.instagramBaseUrl}${path}${post ? '' : `?${q}`}`,
      { method: opts.method ?? 'GET', ...(post ? { bytes: Buffer.from(q.toString()), headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}), signal: opts.signal, timeoutMs: deps.config.platforms.timeoutMs, fetch: platformFetch(deps.config) },
      readError,
    );
  };
  const igUser = (account: ConnectedAccount) => {
    if (!account.externalId) throw new PlatformError('the instagram account has no user id; connect it again', { retryable: false, kind: 'config' });
    return account.externalId;
  };
  async function permalink(account: ConnectedAccount, mediaId: string, signal: AbortSignal): Promise<string | null> {
    try {
      return ((await call(account, `/${mediaId}`, { params: { fields: 'permalink' }, signal })).body.permalink as string) ?? null;
    } catch {
      return null;
    }
  }

  return {
    platform: 'instagram',
    describe: {
      credentials: ['accessToken (Instagram user token with instagram_business_basic, instagram_business_content_publish, instagram_business_manage_insights)'],
      config: [],
      publishes: 'an image post, a carousel (2–10 images) or a reel (video), pulled from signed PUBLIC_BASE_URL links, with the caption',
      unpublish: false,
      engagement: true,
      import: false,
    },
    capabilities: {
      formats: ['image', 'carousel', 'video'],
      maxImages: 10,
      imageTypes: ['image/'],
      videoTypes: ['video/mp4', 'video/quicktime'],
      maxText: 2200,
      note: 'Instagram posts an image, a carousel of up to 10 images or a reel (MP4 or MOV) with up to 2200 characters; it has no text-only posts',
    },
    async followers(account, signal) {
      const me = (await call(account, '/me', { params: { fields: 'followers_count' }, signal })).body as { followers_count?: number };
      return me.followers_count ?? null;
    },
    async verify(account, signal) {
      const me = (await call(account, '/me', { params: { fields: 'user_id,username,name' }, signal })).body as { user_id?: string; id: string; username: string; name?: string };
      return { handle: `@${me.username}`, externalId: String(me.user_id ?? me.id), displayName: me.name ?? null };
    },
    async publish(account, post, state, signal) {
      const user = igUser(account);
      if (typeof state.value.mediaId === 'string') return { externalId: state.value.mediaId, url: await permalink(account, state.value.mediaId, signal) };
      let containerId = typeof state.value.containerId === 'string' ? state.value.containerId : null;
      if (!containerId) {
        if (!post.media.length) throw new PlatformError('instagram posts need an image or a video; this post has none', { retryable: false, kind: 'refused' });
        if (post.media.some((m) => !m.publicUrl)) throw new PlatformError('instagram fetches the media from a public link: set PUBLIC_BASE_URL to where Instagram can reach this server', { retryable: false, kind: 'config' });
        let params: Record<string, string>;
        if (post.format === 'video') params = { media_type: 'REELS', video_url: post.media[0]!.publicUrl!, caption: post.caption };
        else if (post.format === 'carousel') {
          const children: string[] = Array.isArray(state.value.childIds) ? (state.value.childIds as string[]) : [];
          for (const m of post.media.slice(children.length)) {
            children.push(String((await call(account, `/${user}/media`, { method: 'POST', params: { image_url: m.publicUrl!, is_carousel_item: 'true' }, signal })).body.id));
            await state.save({ ...state.value, childIds: children });
          }
          params = { media_type: 'CAROUSEL', children: children.join(','), caption: post.caption };
        } else params = { image_url: post.media[0]!.publicUrl!, caption: post.caption };
        const made = await call(account, `/${user}/media`, { method: 'POST', params, signal });
        containerId = String(made.body.id);
        await state.save({ ...state.value, containerId });
      }
      for (let i = 0; ; i++) {
        const status = String((await call(account, `/${containerId}`, { params: { fields: 'status_code' }, signal })).body.status_code);
        if (status === 'FINISHED') break;
        if (status === 'PUBLISHED') {
          const recent = (await call(account, `/${user}/media`, { params: { fields: 'id,caption,permalink,timestamp', limit: '50' }, signal })).body.data as { id: string; caption?: string; permalink?: string }[];
          const found = recent.find((m) => (m.caption ?? '') === post.caption);
          if (!found) throw new PlatformError(`instagram says container ${containerId} is already published but the post is not among the account's recent media`, { retryable: false });
          await state.save({ ...state.value, mediaId: found.id, recovered: true });
          return { externalId: found.id, url: found.permalink ?? null };
        }
        if (status === 'ERROR' || status === 'EXPIRED') {
          await state.save({ ...state.value, containerId: null, childIds: null, failedContainerId: containerId });
          throw new PlatformError(`instagram could not process the ${post.format === 'video' ? 'video' : 'image'} (container ${status})`, { retryable: status === 'EXPIRED' });
        }
        if (i >= STATUS_CHECKS) throw new PlatformError(`instagram is still processing container ${containerId}`, { retryable: true });
        await new Promise((r) => setTimeout(r, 1000));
      }
      const published = await call(account, `/${user}/media_publish`, { method: 'POST', params: { creation_id: containerId }, signal });
      const mediaId = String(published.body.id);
      await state.save({ ...state.value, mediaId });
      return { externalId: mediaId, url: await permalink(account, mediaId, signal) };
    },
    async unpublish() {
      throw unsupported('instagram', 'deleting posts through its API; remove it in the Instagram app');
    },
    async engagement(account, posts, signal) {
      const out = new Map<string, Metrics>();
      for (const p of posts) {
        let res;
        try {
          res = await call(account, `/${p.externalId}/insights`, { params: { metric: 'views,likes,comments,shares,saved,reach' }, signal });
        } catch (err) {
          if (err instanceof PlatformError && !err.retryable) continue; // a deleted post: leave it out
          throw err;
        }
        const v = new Map<string, number>(((res.body.data ?? []) as { name: string; values?: { value: number }[]; total_value?: { value: number } }[]).map((d) => [d.name, d.values?.[0]?.value ?? d.total_value?.value ?? 0]));
        out.set(p.externalId, { impressions: v.get('reach') ?? 0, views: v.get('views') ?? 0, likes: v.get('likes') ?? 0, comments: v.get('comments') ?? 0, shares: v.get('shares') ?? 0, saves: v.get('saved') ?? 0 });
      }
      return out;
    },
    async importPosts() {
      throw unsupported('instagram', 'importing posts yet (pending Meta scope upgrade)');
    },
  };
}
