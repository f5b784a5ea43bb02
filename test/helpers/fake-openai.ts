/**
 * A small OpenAI-compatible HTTP server for tests: the real `openai` SDK talks
 * to it over loopback, and tests assert what arrived. It implements
 * `POST /v1/images/generations` (JSON), `POST /v1/images/edits`
 * (multipart) and `GET /v1/models` (FAKE_MODELS), answers with a real PNG, records every request, and can be
 * told to fail with a given status.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';

export interface RecordedFile {
  field: string;
  filename: string;
  type: string;
  bytes: Buffer;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** JSON bodies parsed; multipart bodies as their text fields. */
  body: Record<string, unknown>;
  /** Multipart file parts (empty for JSON requests). */
  files: RecordedFile[];
  /** Which TCP connection it came on (0 for the server's first, 1 for the next…): shows a client reusing one. */
  connection: number;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, as OPENAI_BASE_URL or llmSettings.baseUrl. */
  url: string;
  requests: RecordedRequest[];
  /** The PNG every image request answers with. */
  png: Buffer;
  /**
   * What POST /v1/chat/completions streams: the reply (word by word), the pause between words, and whether usage is reported.
   * With `toolCalls`, a request that offers tools and does not end with tool results gets those calls
   * (streamed in fragments, as OpenAI does) instead of the reply; the follow-up request gets the reply.
   */
  chat: { reply: string; delayMs: number; reportUsage: boolean; toolCalls: { name: string; arguments: string }[] };
  /**
   * Holds every chat stream open after its first `words` words (unanswered, the connection kept) until
   * `releaseChats()` or the client goes away: a run stays mid-stream (e.g. while its server is killed).
   */
  holdChats(words: number): void;
  releaseChats(): void;
  /** Chat streams being held now. */
  readonly heldChats: number;
  /** Every following request answers with this status (null: succeed again). */
  failWith(status: number | null): void;
  /** Content pipeline additions (non-streaming chat, image holds and failures, the video API): see `ContentFake`. */
  content: ContentFake;
  close(): Promise<void>;
}

/** What `GET /v1/models` lists. */
export const FAKE_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-image-1'];

/** A real 4×4 PNG in one colour. */
export function makePng(rgb: [number, number, number] = [200, 40, 90], size = 4): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; i++) {
    png.data[i * 4] = rgb[0];
    png.data[i * 4 + 1] = rgb[1];
    png.data[i * 4 + 2] = rgb[2];
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

function openAiError(res: import('node:http').ServerResponse, status: number, message: string, type: string) {
  const body = JSON.stringify({ error: { message, type, param: null, code: null } });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const png = makePng();
  const requests: RecordedRequest[] = [];
  let failure: number | null = null;
  const chat = { reply: 'The quick brown fox jumps over the lazy dog.', delayMs: 0, reportUsage: true, toolCalls: [] as { name: string; arguments: string }[] };
  const content = createContentFake(chat);
  const chatHold = { after: null as number | null, held: 0, waiters: [] as (() => void)[] };

  const connectionOf = new WeakMap<object, number>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const path = (req.url ?? '/').split('?')[0]!;
        const contentType = req.headers['content-type'] ?? '';
        const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: {}, files: [], connection: connectionOf.get(req.socket)! };
        try {
          if (contentType.startsWith('application/json')) {
            rec.body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
          } else if (contentType.startsWith('multipart/form-data')) {
            const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
            for (const [field, value] of form.entries()) {
              if (typeof value === 'string') {
                const prev = rec.body[field];
                rec.body[field] = prev === undefined ? value : ([] as unknown[]).concat(prev, value);
              } else {
                rec.files.push({ field, filename: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
              }
            }
          }
        } catch {
          requests.push(rec);
          return openAiError(res, 400, 'could not parse the request body', 'invalid_request_error');
        }
        requests.push(rec);

        if (failure !== null) {
          return failure === 401
            ? openAiError(res, 401, 'Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error')
            : openAiError(res, failure, 'The server had an error while processing your request.', 'server_error');
        }
        if (await handleContentRequest(content, req, rec, res)) return;
        if (req.method === 'GET' && path === '/v1/models') {
          if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
            return openAiError(res, 401, 'You didn\'t provide an API key.', 'invalid_request_error');
          }
          const body = JSON.stringify({ object: 'list', data: FAKE_MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) });
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
          return void res.end(body);
        }
        if (req.method === 'POST' && path === '/v1/chat/completions') {
          if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
            return openAiError(res, 401, 'You didn\'t provide an API key.', 'invalid_request_error');
          }
          // Streams `chat.reply` word by word, `chat.delayMs` apart, and usage last when asked for.
          const words = chat.reply.split(/(?<=\s)/);
          const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: String(rec.body.model ?? '') };
          res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
          const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
          send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
          const msgs = (rec.body.messages ?? []) as { role: string }[];
          if (chat.toolCalls.length && Array.isArray(rec.body.tools) && msgs.at(-1)?.role !== 'tool') {
            chat.toolCalls.forEach((c, index) => {
              const half = Math.floor(c.arguments.length / 2);
              send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_fake_${index}`, type: 'function', function: { name: c.name, arguments: c.arguments.slice(0, half) } }] }, finish_reason: null }] });
              send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: c.arguments.slice(half) } }] }, finish_reason: null }] });
            });
            send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
            if (chat.reportUsage) send({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 } });
            res.write('data: [DONE]\n\n');
            return void res.end();
          }
          for (const [i, w] of words.entries()) {
            if (chatHold.after !== null && i >= chatHold.after) {
              chatHold.held++;
              await new Promise<void>((resolve) => {
                chatHold.waiters.push(resolve);
                res.once('close', resolve);
              });
              chatHold.held--;
            }
            if (res.destroyed) return;
            await new Promise((r) => setTimeout(r, chat.delayMs));
            send({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] });
          }
          send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
          const wantsUsage = (rec.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage;
          if (wantsUsage && chat.reportUsage) send({ ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: words.length, total_tokens: 11 + words.length } });
          res.write('data: [DONE]\n\n');
          return void res.end();
        }
        if (req.method !== 'POST' || (path !== '/v1/images/generations' && path !== '/v1/images/edits')) {
          return openAiError(res, 404, `Unknown route ${req.method} ${path}`, 'invalid_request_error');
        }
        if (!String(req.headers.authorization ?? '').startsWith('Bearer ')) {
          return openAiError(res, 401, 'You didn\'t provide an API key.', 'invalid_request_error');
        }
        if (path === '/v1/images/edits' && !rec.files.some((f) => f.field.startsWith('image') && f.bytes.length > 0)) {
          return openAiError(res, 400, 'An image is required for edits.', 'invalid_request_error');
        }
        if (typeof rec.body.prompt !== 'string' || !rec.body.prompt) {
          return openAiError(res, 400, 'prompt is required', 'invalid_request_error');
        }
        const body = JSON.stringify({ created: Math.floor(Date.now() / 1000), data: [{ b64_json: png.toString('base64') }] });
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      })();
    });
  });

  server.on('connection', (socket) => connectionOf.set(socket, connections++));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    png,
    chat,
    failWith(status) {
      failure = status;
    },
    holdChats(words) {
      chatHold.after = words;
    },
    releaseChats() {
      chatHold.after = null;
      for (const w of chatHold.waiters.splice(0)) w();
    },
    get heldChats() {
      return chatHold.held;
    },
    content,
    close: () =>
      new Promise<void>((resolve, reject) => {
        content.releaseImages();
        for (const w of chatHold.waiters.splice(0)) w();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

// --- Content pipeline additions ----------------------------------------------------------
// Kept apart from the handlers above: a non-streaming chat completion (captions
// and other one-shot text), control over image requests (hold them, fail the
// next few), and OpenAI's video API (create, retrieve, download content).

export interface FakeVideo {
  id: string;
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  prompt: string;
  model: string;
  seconds: string;
  size: string;
  /** Retrieves answered so far. */
  polls: number;
  /** The input_reference the SDK uploaded. */
  reference: RecordedFile | null;
  /** Set when it is to fail (ContentFake.videoFailCode when it was made). */
  failCode: string | null;
}

export interface ContentFake {
  /** What a non-streaming chat completion answers (default: the streaming `chat.reply`); a function sees the request body. */
  chatReply: string | ((body: Record<string, unknown>) => string) | null;
  /** Lets `after` more image requests through, then holds every further one (unanswered) until `releaseImages()`. */
  holdImages(after?: number): void;
  releaseImages(): void;
  /** Image requests waiting while held. */
  heldImages: number;
  /** The next `count` image requests fail with `status` (OpenAI's error body). */
  failImages(count: number, status: number): void;
  /** Every image request whose prompt matches fails with `status` (null: none). */
  failImagesMatching: { pattern: RegExp; status: number } | null;
  /** Videos made through POST /v1/videos, by id. */
  videos: Map<string, FakeVideo>;
  /** Retrieves answering in_progress before a video is completed (default 1). */
  videoPollsUntilDone: number;
  /** Every new video ends `failed` with this error code (null: they complete). */
  videoFailCode: string | null;
  /** The bytes GET /v1/videos/:id/content answers with (a minimal MP4). */
  mp4: Buffer;
}

/** A minimal MP4 (ftyp + free + empty mdat): what sniffers recognise as video/mp4. */
export function makeMp4(): Buffer {
  const box = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const ftyp = box('ftyp', Buffer.concat([Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41', 'latin1')]));
  return Buffer.concat([ftyp, box('free', Buffer.alloc(8)), box('mdat', Buffer.alloc(16))]);
}

function createContentFake(chat: { reply: string }): ContentFake & { waiters: (() => void)[]; failures: { count: number; status: number }; held: boolean; passBeforeHold: number; chat: { reply: string } } {
  const state = {
    chatReply: null as ContentFake['chatReply'],
    waiters: [] as (() => void)[],
    held: false,
    passBeforeHold: 0,
    failImagesMatching: null as ContentFake['failImagesMatching'],
    failures: { count: 0, status: 500 },
    heldImages: 0,
    videos: new Map<string, FakeVideo>(),
    videoPollsUntilDone: 1,
    videoFailCode: null as string | null,
    mp4: makeMp4(),
    chat,
    holdImages(after = 0) {
      state.held = true;
      state.passBeforeHold = after;
    },
    releaseImages() {
      state.held = false;
      state.passBeforeHold = 0;
      for (const w of state.waiters.splice(0)) w();
    },
    failImages(count: number, status: number) {
      state.failures = { count, status };
    },
  };
  return state;
}

function sendJson(res: import('node:http').ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function videoObject(v: FakeVideo) {
  return {
    id: v.id,
    object: 'video',
    model: v.model,
    status: v.status,
    progress: v.status === 'completed' ? 100 : v.status === 'in_progress' ? 50 : 0,
    prompt: v.prompt,
    seconds: v.seconds,
    size: v.size,
    created_at: 0,
    completed_at: v.status === 'completed' ? 1 : null,
    expires_at: null,
    remixed_from_video_id: null,
    error: v.status === 'failed' ? { code: v.failCode ?? 'internal_error', message: 'Your request was blocked by our moderation system: sk-secret-echo' } : null,
  };
}

/** Answers the content pipeline's requests; false when the request is for the handlers above. */
async function handleContentRequest(
  state: ReturnType<typeof createContentFake>,
  req: import('node:http').IncomingMessage,
  rec: RecordedRequest,
  res: import('node:http').ServerResponse,
): Promise<boolean> {
  const path = rec.path;
  const authed = String(req.headers.authorization ?? '').startsWith('Bearer ');
  if (req.method === 'POST' && (path === '/v1/images/generations' || path === '/v1/images/edits')) {
    if (state.held && state.passBeforeHold > 0) state.passBeforeHold--;
    else if (state.held) {
      state.heldImages++;
      await new Promise<void>((resolve) => state.waiters.push(resolve));
      state.heldImages--;
      if (res.destroyed) return true;
    }
    const prompt = typeof rec.body.prompt === 'string' ? rec.body.prompt : '';
    if (state.failImagesMatching?.pattern.test(prompt)) {
      openAiError(res, state.failImagesMatching.status, 'The server had an error while processing your request.', state.failImagesMatching.status < 500 ? 'invalid_request_error' : 'server_error');
      return true;
    }
    if (state.failures.count > 0) {
      state.failures.count--;
      openAiError(res, state.failures.status, 'The server had an error while processing your request.', state.failures.status < 500 ? 'invalid_request_error' : 'server_error');
      return true;
    }
    return false;
  }
  if (req.method === 'POST' && path === '/v1/chat/completions' && rec.body.stream !== true) {
    if (!authed) return openAiError(res, 401, "You didn't provide an API key.", 'invalid_request_error'), true;
    const reply = typeof state.chatReply === 'function' ? state.chatReply(rec.body) : (state.chatReply ?? state.chat.reply);
    sendJson(res, 200, {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 0,
      model: String(rec.body.model ?? ''),
      choices: [{ index: 0, message: { role: 'assistant', content: reply, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 21, completion_tokens: reply.split(/\s+/).length, total_tokens: 21 + reply.split(/\s+/).length },
    });
    return true;
  }
  if (!path.startsWith('/v1/videos')) return false;
  if (!authed) return openAiError(res, 401, "You didn't provide an API key.", 'invalid_request_error'), true;
  if (req.method === 'POST' && path === '/v1/videos') {
    if (typeof rec.body.prompt !== 'string' || !rec.body.prompt) return openAiError(res, 400, 'prompt is required', 'invalid_request_error'), true;
    const v: FakeVideo = {
      id: `video_fake_${state.videos.size + 1}`,
      status: 'queued',
      prompt: rec.body.prompt,
      model: String(rec.body.model ?? 'sora-2'),
      seconds: String(rec.body.seconds ?? '4'),
      size: String(rec.body.size ?? '720x1280'),
      polls: 0,
      reference: rec.files.find((f) => f.field === 'input_reference') ?? null,
      failCode: state.videoFailCode,
    };
    state.videos.set(v.id, v);
    sendJson(res, 200, videoObject(v));
    return true;
  }
  const m = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(path);
  const v = m ? state.videos.get(m[1]!) : undefined;
  if (!m || !v || req.method !== 'GET') return openAiError(res, 404, `Unknown route ${req.method} ${path}`, 'invalid_request_error'), true;
  if (!m[2]) {
    v.polls++;
    if (v.status !== 'completed' && v.status !== 'failed') v.status = v.polls > state.videoPollsUntilDone ? (v.failCode ? 'failed' : 'completed') : 'in_progress';
    sendJson(res, 200, videoObject(v));
    return true;
  }
  if (v.status !== 'completed') return openAiError(res, 400, 'Video is not ready yet', 'invalid_request_error'), true;
  res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': state.mp4.length });
  res.end(state.mp4);
  return true;
}
