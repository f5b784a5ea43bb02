/**
 * `tiktok`: TikTok's Content Posting and Display APIs with a user access
 * token (`credentials.accessToken`; scopes user.info.basic, video.publish,
 * video.list, user.info.stats). Photo posts (one image or up to 35) and videos
 * go out by PULL_FROM_URL, so TikTok fetches them from signed links under
 * PUBLIC_BASE_URL (a domain verified with TikTok).
 *   verify       GET  /v2/user/info/?fields=open_id,union_id,display_name,username
 *   followers    GET  /v2/user/info/?fields=follower_count
 *   publish      photos: POST /v2/post/publish/content/init/ (media_type PHOTO, DIRECT_POST);
 *                a video: POST /v2/post/publish/video/init/ (source_info.video_url);
 *                then POST /v2/post/publish/status/fetch/ until PUBLISH_COMPLETE
 *   engagement   POST /v2/video/query/ (like, comment, share and view counts)
 *   import       POST /v2/video/list/ (cursor, has_more)
 * TikTok's API cannot delete posts: unpublish answers so. The publish id is
 * stored the moment TikTok hands it out, so a later attempt only checks that
 * publish's status and never starts a second one.
 */
import type { Deps } from '../../context.js';
import { platformFetch, platformRequest, type ErrorReader, type PlatformRequest } from './http.js';
import { PlatformError, unsupported, type ConnectedAccount, type Connector, type Metrics } from './types.js';
import { clipText } from '../../infra/unicode.js';

const readError: ErrorReader = (b) => (b?.error && b.error.code !== 'ok' ? String(b.error.message || b.error.code) : null);

/** Status checks of one attempt before it hands back to the queue (which tries again later, same publish id). */
const STATUS_CHECKS = 10;

interface TikTokVideo {
  id: string;
  title?: string;
  video_description?: string;
  create_time?: number;
  cover_image_url?: string;
  share_url?: string;
  like_count?: number;
  comment_count?: number;
  share_count?: number;
  view_count?: number;
}

export function tiktokConnector(deps: Deps): Connector {
  const call = (account: ConnectedAccount, path: string, req: Omit<PlatformRequest, 'timeoutMs' | 'headers' | 'fetch'>) => {
    const token = account.credentials.accessToken;
    if (!token) throw new PlatformError('a tiktok account needs credentials.accessToken (a user access token)', { retryable: false, kind: 'config' });
    return platformRequest('tiktok', `${deps.config.platforms.tiktokBaseUrl}${path}`, { ...req, headers: { authorization: `Bearer ${token}` }, timeoutMs: deps.config.platforms.timeoutMs, fetch: platformFetch(deps.config) }, readError);
  };
  const postUrl = (account: ConnectedAccount, id: string, kind: 'photo' | 'video') => `https://www.tiktok.com/@${account.handle.replace(/^@/, '')}/${kind}/${id}`;
  const postInfo = (account: ConnectedAccount) => ({ privacy_level: String(account.config.privacyLevel ?? 'PUBLIC_TO_EVERYONE'), disable_comment: false });

  return {
    platform: 'tiktok',
    describe: {
      credentials: ['accessToken (user token with user.info.basic, video.publish, video.list, user.info.stats)'],
      config: ['privacyLevel (PUBLIC_TO_EVERYONE by default; SELF_ONLY for unaudited apps)'],
      publishes: 'a photo post (one image or up to 35) or a video, pulled from signed PUBLIC_BASE_URL links, with the caption',
      unpublish: false,
      engagement: true,
      import: true,
    },
    capabilities: {
      formats: ['image', 'carousel', 'video'],
      maxImages: 35,
      imageTypes: ['image/'],
      videoTypes: ['video/mp4', 'video/webm', 'video/quicktime'],
      maxText: 2200,
      note: 'TikTok posts a video (MP4, WebM or MOV) or photos (up to 35) with up to 2200 characters; it has no text-only posts',
    },
    async followers(account, signal) {
      const user = (await call(account, '/v2/user/info/?fields=follower_count', { signal })).body.data.user as { follower_count?: number };
      return user.follower_count ?? null;
    },
    async verify(account, signal) {
      const user = (await call(account, '/v2/user/info/?fields=open_id,union_id,display_name,username', { signal })).body.data.user as { open_id: string; display_name?: string; username?: string };
      return { handle: user.username ? `@${user.username}` : account.handle, externalId: user.open_id, displayName: user.display_name ?? null };
    },
    async publish(account, post, state, signal) {
      let publishId = typeof state.value.publishId === 'string' ? state.value.publishId : null;
      if (!publishId) {
        const urls = post.media.map((m) => m.publicUrl);
        if (!urls.length) throw new PlatformError('tiktok posts need a video or photos; this post has none', { retryable: false, kind: 'refused' });
        if (urls.some((u) => !u)) throw new PlatformError('tiktok pulls the media from a public link: set PUBLIC_BASE_URL to where TikTok can reach this server', { retryable: false, kind: 'config' });
        const init =
          post.format === 'video'
            ? await call(account, '/v2/post/publish/video/init/', {
                method: 'POST',
                json: { post_info: { title: clipText(post.caption, 2200), ...postInfo(account), disable_duet: false, disable_stitch: false }, source_info: { source: 'PULL_FROM_URL', video_url: urls[0] } },
                signal,
              })
            : await call(account, '/v2/post/publish/content/init/', {
                method: 'POST',
                json: {
                  post_info: { title: clipText(post.caption, 90), description: clipText(post.caption, 4000), ...postInfo(account), auto_add_music: true },
                  source_info: { source: 'PULL_FROM_URL', photo_cover_index: 0, photo_images: urls },
                  post_mode: 'DIRECT_POST',
                  media_type: 'PHOTO',
                },
                signal,
              });
        publishId = String(init.body.data.publish_id);
        await state.save({ ...state.value, publishId });
      }
      for (let i = 0; i < STATUS_CHECKS; i++) {
        const st = (await call(account, '/v2/post/publish/status/fetch/', { method: 'POST', json: { publish_id: publishId }, signal })).body.data as {
          status: string;
          fail_reason?: string;
          publicaly_available_post_id?: (string | number)[];
        };
        if (st.status === 'PUBLISH_COMPLETE') {
          const id = String(st.publicaly_available_post_id?.[0] ?? publishId);
          return { externalId: id, url: postUrl(account, id, post.format === 'video' ? 'video' : 'photo') };
        }
        if (st.status === 'FAILED') {
          await state.save({ ...state.value, publishId: null, failedPublishId: publishId });
          throw new PlatformError(`tiktok could not publish: ${st.fail_reason ?? 'unknown reason'}`, { retryable: false });
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      throw new PlatformError(`tiktok is still processing publish ${publishId}`, { retryable: true });
    },
    async unpublish() {
      throw unsupported('tiktok', 'deleting posts through its API; remove it in the TikTok app');
    },
    async engagement(account, posts, signal) {
      const out = new Map<string, Metrics>();
      for (let i = 0; i < posts.length; i += 20) {
        const ids = posts.slice(i, i + 20).map((p) => p.externalId);
        const res = await call(account, '/v2/video/query/?fields=id,like_count,comment_count,share_count,view_count', { method: 'POST', json: { filters: { video_ids: ids } }, signal });
        for (const v of (res.body.data?.videos ?? []) as TikTokVideo[]) {
          out.set(String(v.id), { impressions: v.view_count ?? 0, views: v.view_count ?? 0, likes: v.like_count ?? 0, comments: v.comment_count ?? 0, shares: v.share_count ?? 0, saves: 0 });
        }
      }
      return out;
    },
    async importPosts(account, page, signal) {
      const body: Record<string, unknown> = { max_count: Math.min(20, Math.max(1, page.limit)) };
      if (page.cursor) body.cursor = Number(page.cursor);
      const res = await call(account, '/v2/video/list/?fields=id,title,video_description,create_time,cover_image_url,share_url', { method: 'POST', json: body, signal });
      const data = res.body.data as { videos?: TikTokVideo[]; cursor?: number; has_more?: boolean };
      return {
        posts: (data.videos ?? []).slice(0, page.limit).map((v) => ({
          externalId: String(v.id),
          text: v.video_description || v.title || '',
          createdAt: v.create_time ? new Date(v.create_time * 1000) : null,
          media: v.cover_image_url ? [{ url: v.cover_image_url, contentType: null, kind: 'image' as const }] : [],
        })),
        nextCursor: data.has_more && data.cursor !== undefined ? String(data.cursor) : null,
      };
    },
  };
}
