/**
 * Local fakes of the social platforms' APIs on one loopback port, speaking
 * the documented requests and answers closely enough for our connectors:
 * X API v2 under `/x`, TikTok's Content Posting / Display APIs under
 * `/tiktok`, Instagram's Graph API under `/ig`. Each enforces its token
 * (`GOOD_TOKEN`), keeps what was posted, can fail the next N requests, and
 * can hold a created post's answer (the post exists, the client never hears
 * back) to play a timeout or a crash right after posting. TikTok and
 * Instagram fetch the images and videos from the URLs they are given, as the
 * real ones do; X takes videos by chunked upload. Each refuses what the real
 * one refuses (too many images, a video mixed with images, text too long) and
 * reports the follower count `followers` holds.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const GOOD_TOKEN = 'good-platform-token';

export interface FakePost {
  id: string;
  text: string;
  createdAt: Date;
  media: { contentType: string; bytes: number }[];
  /** IMAGE, CAROUSEL, REELS (Instagram); PHOTO, VIDEO (TikTok); the tweet's kind on X (text, photo, video). */
  kind: string;
  deleted: boolean;
  metrics: { views: number; likes: number; comments: number; shares: number; saves: number };
}

export interface FakePlatforms {
  url: string;
  xBaseUrl: string;
  tiktokBaseUrl: string;
  instagramBaseUrl: string;
  posts: Record<'x' | 'tiktok' | 'ig', FakePost[]>;
  /** Every request: platform, method, path (with query), headers, body. */
  requests: { platform: string; method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** The next `n` requests to `platform` answer `status` with its error body. */
  failNext(platform: 'x' | 'tiktok' | 'ig', n: number, status: number): void;
  /** The next post created on `platform` is stored, but its answer is held until `release()`. */
  holdNextPost(platform: 'x' | 'tiktok' | 'ig'): void;
  release(): void;
  /** Each platform's follower count, as its user endpoint reports it (tests change it). */
  followers: Record<'x' | 'tiktok' | 'ig', number>;
  /** Adds posts an import can find (newest first when listed). */
  seed(platform: 'x' | 'tiktok' | 'ig', posts: { text: string; withImage?: boolean }[]): void;
  close(): Promise<void>;
}

export async function startFakePlatforms(): Promise<FakePlatforms> {
  const posts: FakePlatforms['posts'] = { x: [], tiktok: [], ig: [] };
  const requests: FakePlatforms['requests'] = [];
  const failures: Record<string, { left: number; status: number }> = {};
  const holdNext: Record<string, boolean> = {};
  const held: http.ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const containers = new Map<string, { kind: 'IMAGE' | 'REELS' | 'CAROUSEL' | 'ITEM'; media: FakePost['media']; caption: string; status: 'IN_PROGRESS' | 'FINISHED' | 'PUBLISHED'; checks: number; mediaId?: string }>();
  const uploads = new Map<string, { type: string; total: number; received: number; finalized: boolean; checks: number }>();
  const followers: FakePlatforms['followers'] = { x: 1200, tiktok: 5400, ig: 870 };
  const publishes = new Map<string, { caption: string; status: string; postId?: string; checks: number }>();
  let seq = 1000;
  const nextId = () => String(++seq);

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const metrics = (i: number) => ({ views: 100 + i * 10, likes: 10 + i, comments: 2 + i, shares: 1 + i, saves: i });
  const newPost = (text: string, media: FakePost['media'], kind = 'photo'): FakePost => ({ id: nextId(), text, createdAt: new Date(), media, kind, deleted: false, metrics: metrics(seq % 7) });

  async function fetchImage(url: string, accept: (contentType: string) => boolean = (t) => t.startsWith('image/')): Promise<{ ok: boolean; contentType: string; bytes: number; why?: string }> {
    try {
      const r = await fetch(url);
      const bytes = Buffer.from(await r.arrayBuffer());
      const contentType = r.headers.get('content-type') ?? '';
      if (!r.ok || !accept(contentType)) return { ok: false, contentType, bytes: bytes.length, why: `fetching ${url} gave ${r.status} ${contentType}` };
      return { ok: true, contentType, bytes: bytes.length };
    } catch (e) {
      return { ok: false, contentType: '', bytes: 0, why: String(e) };
    }
  }

  function answerPost(platform: string, res: http.ServerResponse, status: number, body: unknown) {
    if (holdNext[platform]) {
      holdNext[platform] = false;
      held.push(res);
      return;
    }
    json(res, status, body);
  }

  // --- X API v2 -----------------------------------------------------------------------------
  async function x(req: http.IncomingMessage, res: http.ServerResponse, path: string, url: URL, body: Buffer) {
    if (req.headers.authorization !== `Bearer ${GOOD_TOKEN}`) return json(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
    const me = { id: '42', username: 'mara_fake', name: 'Mara (fake X)' };
    if (req.method === 'GET' && path === '/2/users/me') {
      const withMetrics = (url.searchParams.get('user.fields') ?? '').split(',').includes('public_metrics');
      return json(res, 200, { data: { ...me, ...(withMetrics ? { public_metrics: { followers_count: followers.x, following_count: 10, tweet_count: posts.x.length, listed_count: 0 } } : {}) } });
    }
    if (req.method === 'POST' && path === '/2/media/upload/initialize') {
      const b = JSON.parse(body.toString() || '{}') as { media_type?: string; total_bytes?: number; media_category?: string };
      if (!b.media_type || !b.total_bytes || !b.media_category) return json(res, 400, { errors: [{ message: 'media_type, total_bytes and media_category are required' }] });
      const id = nextId();
      uploads.set(id, { type: b.media_type, total: b.total_bytes, received: 0, finalized: false, checks: 0 });
      return json(res, 200, { data: { id, media_key: `7_${id}`, expires_after_secs: 86400 } });
    }
    const chunk = /^\/2\/media\/upload\/(\d+)\/(append|finalize)$/.exec(path);
    if (req.method === 'POST' && chunk) {
      const u = uploads.get(chunk[1]!);
      if (!u) return json(res, 400, { errors: [{ message: `media ${chunk[1]} not found` }] });
      if (chunk[2] === 'append') {
        const form = await new Response(new Uint8Array(body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData().catch(() => null);
        const media = form?.get('media');
        if (!form || typeof media === 'string' || !media || form.get('segment_index') === null) return json(res, 400, { errors: [{ message: 'media and segment_index are required' }] });
        u.received += media.size;
        return json(res, 200, { data: { expires_at: Date.now() + 86400_000 } });
      }
      if (u.received !== u.total) return json(res, 400, { errors: [{ message: `File size mismatch: received ${u.received} of ${u.total} bytes` }] });
      u.finalized = true;
      return json(res, 200, { data: { id: chunk[1], media_key: `7_${chunk[1]}`, size: u.total, processing_info: { state: 'pending', check_after_secs: 1 } } });
    }
    if (req.method === 'GET' && path === '/2/media/upload' && url.searchParams.get('command') === 'STATUS') {
      const u = uploads.get(url.searchParams.get('media_id') ?? '');
      if (!u || !u.finalized) return json(res, 400, { errors: [{ message: 'media not found or not finalized' }] });
      u.checks++;
      return json(res, 200, { data: { id: url.searchParams.get('media_id'), processing_info: u.checks >= 1 ? { state: 'succeeded', progress_percent: 100 } : { state: 'in_progress', check_after_secs: 1 } } });
    }
    if (req.method === 'POST' && path === '/2/media/upload') {
      const type = /name="media_type"\r\n\r\n([^\r]+)/.exec(body.toString('latin1'))?.[1] ?? '';
      if (!String(req.headers['content-type']).startsWith('multipart/form-data') || !type) return json(res, 400, { errors: [{ message: 'media_type and media are required' }] });
      const id = nextId();
      uploads.set(id, { type, total: body.length, received: body.length, finalized: true, checks: 1 });
      return json(res, 200, { data: { id, media_key: `3_${seq}`, expires_after_secs: 86400, size: body.length } });
    }
    if (req.method === 'POST' && path === '/2/tweets') {
      const b = JSON.parse(body.toString()) as { text?: string; media?: { media_ids: string[] } };
      if (!b.text) return json(res, 400, { errors: [{ message: 'text is required' }] });
      if ([...b.text].length > 280) return json(res, 400, { errors: [{ message: 'Your Tweet text is too long.' }] });
      const attached = (b.media?.media_ids ?? []).map((id) => uploads.get(id));
      if (attached.some((u) => !u || !u.finalized)) return json(res, 400, { errors: [{ message: 'Your media IDs are invalid.' }] });
      const videos = attached.filter((u) => u!.type.startsWith('video/') || u!.type === 'image/gif').length;
      if (attached.length > 4 || (videos && attached.length > 1)) return json(res, 400, { errors: [{ message: 'Your media IDs are invalid: at most 4 images, or 1 video or GIF.' }] });
      if (posts.x.some((p) => !p.deleted && p.text === b.text)) return json(res, 403, { detail: 'You are not allowed to create a Tweet with duplicate content.', title: 'Forbidden', status: 403 });
      const post = newPost(b.text, attached.map((u) => ({ contentType: u!.type, bytes: u!.total })), videos ? 'video' : attached.length ? 'photo' : 'text');
      posts.x.push(post);
      return answerPost('x', res, 201, { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } });
    }
    const del = /^\/2\/tweets\/(\d+)$/.exec(path);
    if (req.method === 'DELETE' && del) {
      const p = posts.x.find((q) => q.id === del[1] && !q.deleted);
      if (!p) return json(res, 404, { errors: [{ message: `Could not find tweet with id: [${del[1]}].` }] });
      p.deleted = true;
      return json(res, 200, { data: { deleted: true } });
    }
    const timeline = /^\/2\/users\/(\w+)\/tweets$/.exec(path);
    if (req.method === 'GET' && timeline) {
      const max = Number(url.searchParams.get('max_results') ?? 10);
      if (max < 5 || max > 100) return json(res, 400, { errors: [{ message: 'max_results must be between 5 and 100' }] });
      const since = url.searchParams.get('start_time');
      const list = posts.x.filter((p) => !p.deleted && (!since || p.createdAt >= new Date(since))).reverse();
      const start = Number(url.searchParams.get('pagination_token') ?? 0);
      const page = list.slice(start, start + max);
      const includes = page.flatMap((p) => p.media.map((_, i) => ({ media_key: `3_${p.id}_${i}`, type: 'photo', url: `https://pbs.fake/${p.id}_${i}.png` })));
      return json(res, 200, {
        data: page.map((p) => ({ id: p.id, text: p.text, created_at: p.createdAt.toISOString(), ...(p.media.length ? { attachments: { media_keys: p.media.map((_, i) => `3_${p.id}_${i}`) } } : {}) })),
        ...(includes.length ? { includes: { media: includes } } : {}),
        meta: { result_count: page.length, ...(start + max < list.length ? { next_token: String(start + max) } : {}) },
      });
    }
    if (req.method === 'GET' && path === '/2/tweets') {
      const ids = (url.searchParams.get('ids') ?? '').split(',');
      const found = posts.x.filter((p) => ids.includes(p.id) && !p.deleted);
      return json(res, 200, {
        data: found.map((p) => ({ id: p.id, text: p.text, public_metrics: { retweet_count: p.metrics.shares, reply_count: p.metrics.comments, like_count: p.metrics.likes, quote_count: 0, bookmark_count: p.metrics.saves, impression_count: p.metrics.views } })),
      });
    }
    return json(res, 404, { errors: [{ message: `no route ${req.method} ${path}` }] });
  }

  // --- TikTok ---------------------------------------------------------------------------------
  const tt = (res: http.ServerResponse, status: number, data: unknown, error = { code: 'ok', message: '' }) => json(res, status, { data, error: { ...error, log_id: `log${seq}` } });
  async function tiktok(req: http.IncomingMessage, res: http.ServerResponse, path: string, body: Buffer) {
    if (req.headers.authorization !== `Bearer ${GOOD_TOKEN}`) return tt(res, 401, {}, { code: 'access_token_invalid', message: 'The access token is invalid or not found in the request.' });
    if (req.method === 'GET' && path === '/v2/user/info/') {
      const fields = (new URL(req.url ?? '/', 'http://fake').searchParams.get('fields') ?? '').split(',');
      const user = { open_id: 'tt-open-1', union_id: 'tt-union-1', display_name: 'Mara (fake TikTok)', username: 'mara_tt', follower_count: followers.tiktok };
      return tt(res, 200, { user: Object.fromEntries(Object.entries(user).filter(([k]) => fields.includes(k))) });
    }
    const b = body.length ? JSON.parse(body.toString()) : {};
    if (req.method === 'POST' && path === '/v2/post/publish/video/init/') {
      const videoUrl: string | undefined = b.source_info?.video_url;
      if (b.source_info?.source !== 'PULL_FROM_URL' || !videoUrl) return tt(res, 400, {}, { code: 'invalid_params', message: 'video_url is required for PULL_FROM_URL' });
      if ([...String(b.post_info?.title ?? '')].length > 2200) return tt(res, 400, {}, { code: 'invalid_params', message: 'title is longer than 2200 characters' });
      const video = await fetchImage(videoUrl, (t) => ['video/mp4', 'video/webm', 'video/quicktime'].includes(t));
      if (!video.ok) return tt(res, 400, {}, { code: 'invalid_params', message: `could not download the video: ${video.why}` });
      const publishId = `v_pub_url~v2.${nextId()}`;
      const post = newPost(String(b.post_info?.title ?? ''), [{ contentType: video.contentType, bytes: video.bytes }], 'VIDEO');
      posts.tiktok.push(post);
      publishes.set(publishId, { caption: post.text, status: 'PROCESSING_DOWNLOAD', postId: post.id, checks: 0 });
      return answerPost('tiktok', res, 200, { data: { publish_id: publishId }, error: { code: 'ok', message: '', log_id: 'x' } });
    }
    if (req.method === 'POST' && path === '/v2/post/publish/content/init/') {
      const urls: string[] = b.source_info?.photo_images ?? [];
      if (b.media_type !== 'PHOTO' || b.source_info?.source !== 'PULL_FROM_URL' || !urls.length) return tt(res, 400, {}, { code: 'invalid_params', message: 'photo_images are required for PULL_FROM_URL photo posts' });
      if (urls.length > 35) return tt(res, 400, {}, { code: 'invalid_params', message: 'at most 35 photo_images' });
      const images = [];
      for (const u of urls) {
        const image = await fetchImage(u);
        if (!image.ok) return tt(res, 400, {}, { code: 'invalid_params', message: `could not download the photo: ${image.why}` });
        images.push({ contentType: image.contentType, bytes: image.bytes });
      }
      const publishId = `p_pub_url~v2.${nextId()}`;
      const post = newPost(String(b.post_info?.description ?? ''), images, 'PHOTO');
      posts.tiktok.push(post);
      publishes.set(publishId, { caption: post.text, status: 'PROCESSING_DOWNLOAD', postId: post.id, checks: 0 });
      return answerPost('tiktok', res, 200, { data: { publish_id: publishId }, error: { code: 'ok', message: '', log_id: 'x' } });
    }
    if (req.method === 'POST' && path === '/v2/post/publish/status/fetch/') {
      const p = publishes.get(b.publish_id);
      if (!p) return tt(res, 400, {}, { code: 'invalid_publish_id', message: 'publish_id not found' });
      p.checks++;
      const done = p.checks >= 2;
      return tt(res, 200, { status: done ? 'PUBLISH_COMPLETE' : 'PROCESSING_DOWNLOAD', ...(done ? { publicaly_available_post_id: [Number(p.postId)] } : {}), uploaded_bytes: 0 });
    }
    if (req.method === 'POST' && path.startsWith('/v2/video/list/')) {
      const max = Number(b.max_count ?? 10);
      if (max > 20) return tt(res, 400, {}, { code: 'invalid_params', message: 'max_count must be at most 20' });
      const list = posts.tiktok.filter((p) => !p.deleted).reverse();
      const start = Number(b.cursor ?? 0);
      const page = list.slice(start, start + max);
      return tt(res, 200, {
        videos: page.map((p) => ({ id: p.id, title: p.text.slice(0, 30), video_description: p.text, create_time: Math.floor(p.createdAt.getTime() / 1000), cover_image_url: `https://p16.fake/${p.id}.jpeg`, share_url: `https://www.tiktok.com/@mara_tt/video/${p.id}` })),
        cursor: start + page.length,
        has_more: start + max < list.length,
      });
    }
    if (req.method === 'POST' && path.startsWith('/v2/video/query/')) {
      const ids: string[] = (b.filters?.video_ids ?? []).map(String);
      return tt(res, 200, { videos: posts.tiktok.filter((p) => ids.includes(p.id)).map((p) => ({ id: p.id, like_count: p.metrics.likes, comment_count: p.metrics.comments, share_count: p.metrics.shares, view_count: p.metrics.views })) });
    }
    return tt(res, 404, {}, { code: 'not_found', message: `no route ${req.method} ${path}` });
  }

  // --- Instagram Graph API --------------------------------------------------------------------
  const igError = (res: http.ServerResponse, status: number, message: string, code = 100) => json(res, status, { error: { message, type: 'OAuthException', code, fbtrace_id: 'Afake' } });
  async function ig(req: http.IncomingMessage, res: http.ServerResponse, path: string, url: URL, body: Buffer) {
    const params = req.method === 'POST' ? new URLSearchParams(body.toString()) : url.searchParams;
    if (params.get('access_token') !== GOOD_TOKEN) return igError(res, 400, 'Invalid OAuth access token - Cannot parse access token', 190);
    const user = '17841400000000001';
    if (req.method === 'GET' && path === '/me') {
      if (params.get('fields') === 'followers_count') return json(res, 200, { followers_count: followers.ig, id: '9001' });
      return json(res, 200, { user_id: user, id: '9001', username: 'mara_ig', name: 'Mara (fake Instagram)' });
    }
    if (req.method === 'POST' && path === `/${user}/media`) {
      const caption = params.get('caption') ?? '';
      if ([...caption].length > 2200) return igError(res, 400, 'The caption is too long (at most 2200 characters)');
      const type = params.get('media_type');
      const id = nextId();
      if (type === 'CAROUSEL') {
        const children = (params.get('children') ?? '').split(',').filter(Boolean).map((c) => containers.get(c));
        if (children.length < 2 || children.length > 10 || children.some((c) => !c || c.kind !== 'ITEM')) return igError(res, 400, 'A carousel needs 2 to 10 carousel item containers in children');
        containers.set(id, { kind: 'CAROUSEL', media: children.flatMap((c) => c!.media), caption, status: 'FINISHED', checks: 0 });
        return json(res, 200, { id });
      }
      if (type === 'REELS') {
        const videoUrl = params.get('video_url');
        if (!videoUrl) return igError(res, 400, 'The parameter video_url is required');
        const video = await fetchImage(videoUrl, (t) => t === 'video/mp4' || t === 'video/quicktime');
        if (!video.ok) return igError(res, 400, `The video format is not supported. (${video.why})`, 2207026);
        containers.set(id, { kind: 'REELS', media: [{ contentType: video.contentType, bytes: video.bytes }], caption, status: 'IN_PROGRESS', checks: 0 });
        return json(res, 200, { id });
      }
      const imageUrl = params.get('image_url');
      if (!imageUrl) return igError(res, 400, 'The parameter image_url is required');
      const image = await fetchImage(imageUrl);
      if (!image.ok) return igError(res, 400, `Only photo or video can be accepted as media type. (${image.why})`, 9004);
      const item = params.get('is_carousel_item') === 'true';
      containers.set(id, { kind: item ? 'ITEM' : 'IMAGE', media: [{ contentType: image.contentType, bytes: image.bytes }], caption, status: 'FINISHED', checks: 0 });
      return json(res, 200, { id });
    }
    if (req.method === 'POST' && path === `/${user}/media_publish`) {
      const c = containers.get(params.get('creation_id') ?? '');
      if (!c) return igError(res, 400, 'Invalid parameter: creation_id');
      if (c.status === 'PUBLISHED') return igError(res, 400, 'The media has already been published', 9007);
      if (c.status !== 'FINISHED' || c.kind === 'ITEM') return igError(res, 400, 'The media is not ready for publishing, please wait for a moment', 9007);
      const post = newPost(c.caption, c.media, c.kind);
      posts.ig.push(post);
      c.status = 'PUBLISHED';
      c.mediaId = post.id;
      return answerPost('ig', res, 200, { id: post.id });
    }
    if (req.method === 'GET' && path === `/${user}/media`) {
      return json(res, 200, { data: posts.ig.filter((p) => !p.deleted).reverse().map((p) => ({ id: p.id, caption: p.text, permalink: `https://www.instagram.com/p/${p.id}/`, timestamp: p.createdAt.toISOString() })) });
    }
    const insights = /^\/(\d+)\/insights$/.exec(path);
    if (req.method === 'GET' && insights) {
      const p = posts.ig.find((q) => q.id === insights[1]);
      if (!p) return igError(res, 400, 'Unsupported get request. Object does not exist', 100);
      const m = { views: p.metrics.views, reach: Math.floor(p.metrics.views * 0.8), likes: p.metrics.likes, comments: p.metrics.comments, shares: p.metrics.shares, saved: p.metrics.saves };
      return json(res, 200, { data: (params.get('metric') ?? '').split(',').map((name) => ({ name, period: 'lifetime', values: [{ value: m[name as keyof typeof m] ?? 0 }], id: `${p.id}/insights/${name}/lifetime` })) });
    }
    const node = /^\/(\d+)$/.exec(path);
    if (req.method === 'GET' && node) {
      const c = containers.get(node[1]!);
      if (c && params.get('fields') === 'status_code') {
        // A reel is processed for a moment, as Instagram does with video.
        if (c.status === 'IN_PROGRESS' && ++c.checks >= 2) c.status = 'FINISHED';
        return json(res, 200, { status_code: c.status, id: node[1] });
      }
      const p = posts.ig.find((q) => q.id === node[1]);
      if (p) return json(res, 200, { id: p.id, permalink: `https://www.instagram.com/p/${p.id}/` });
      return igError(res, 400, 'Unsupported get request. Object does not exist');
    }
    return igError(res, 404, `no route ${req.method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://fake');
      const [, platform, ...rest] = url.pathname.split('/');
      const path = '/' + rest.join('/');
      requests.push({ platform: platform!, method: req.method!, path: path + url.search, headers: req.headers, body: body.toString('latin1').slice(0, 4000) });
      const f = failures[platform!];
      if (f && f.left > 0) {
        f.left--;
        if (platform === 'x') return json(res, f.status, { title: 'Service Unavailable', detail: 'Service Unavailable', status: f.status });
        if (platform === 'tiktok') return tt(res, f.status, {}, { code: 'internal_error', message: 'Something went wrong. Please try again later.' });
        return igError(res, f.status, 'An unexpected error has occurred. Please retry your request later.', 2);
      }
      const handle = platform === 'x' ? x(req, res, path, url, body) : platform === 'tiktok' ? tiktok(req, res, path, body) : platform === 'ig' ? ig(req, res, path, url, body) : Promise.resolve(json(res, 404, {}));
      handle.catch((e) => json(res, 500, { error: String(e) }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    xBaseUrl: `${url}/x`,
    tiktokBaseUrl: `${url}/tiktok`,
    instagramBaseUrl: `${url}/ig`,
    posts,
    requests,
    followers,
    failNext(platform, n, status) {
      failures[platform] = { left: n, status };
    },
    holdNextPost(platform) {
      holdNext[platform] = true;
    },
    release() {
      for (const r of held.splice(0)) r.destroy();
    },
    seed(platform, list) {
      for (const p of list) posts[platform].push(newPost(p.text, p.withImage ? [{ contentType: 'image/png', bytes: 10 }] : []));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
