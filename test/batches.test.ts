/**
 * Content batches as durable jobs, against OpenAI through the real `openai`
 * SDK (the local fake OpenAI server): captions and images with the
 * influencer's references and the profile's voice, costs at OpenAI's rates,
 * retries and failures of items, the batchProgress subscription over
 * graphql-ws (every event, in order, live and replayed), videos through
 * OpenAI's video API, and a batch surviving a server process killed with
 * SIGKILL in the middle of it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { PNG } from 'pngjs';
import { ADMIN_KEY, startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { makeProfile, teamOf, WAIT_MS, waitForBatch, waitForBatchJob, waitForVideos } from './helpers/content.js';
import { createTestDatabase, onceAcrossDatabases, testDatabaseKind } from './helpers/database.js';
import { freePort } from './helpers/net.js';
import { startServerProcess, until } from './helpers/process.js';
import { findGrade } from '../src/modules/catalog/aesthetic-grades.js';

const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
const CAPTION = 'Sunrise miles, coffee after ☕ #trailmornings';

let fake: FakeOpenAI;
let s: TestServer;
let teamId: string;
const clients: Client[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  s = await startTestServer({ OPENAI_API_KEY: 'sk-test-content', OPENAI_BASE_URL: fake.url, RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50' });
  teamId = await teamOf(s);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await s?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.content.releaseImages();
  fake.content.failImages(0, 500);
  fake.content.failImagesMatching = null;
  fake.content.chatReply = CAPTION;
  fake.content.videoFailCode = null;
  fake.content.videoPollsUntilDone = 1;
  fake.failWith(null);
});

const imageRequests = (from = 0) => fake.requests.slice(from).filter((r) => r.path.startsWith('/v1/images/'));
const chatRequests = (from = 0) => fake.requests.slice(from).filter((r) => r.path === '/v1/chat/completions');

describe('batches through the openai SDK', () => {
  it('images are made with the influencer’s references and the grade, captions from the voice corpus and the image; costs at OpenAI’s rates', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId, { references: 2, voice: ['Fog on the ridge again ☕ #trailmornings', 'Coffee first, miles second'] });
    const from = fake.requests.length;
    const dry = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 2, dryRun: true } });
    expect(dry.body).toMatchObject({ dryRun: true, totalMicros: 2 * (40_000 + 2_000) });
    expect(fake.requests.length).toBe(from); // a dry run calls nobody
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 2 } });
    expect(res.status, res.text).toBe(202);
    const batch = await waitForBatch(s, res.body.id);
    expect(batch).toMatchObject({ status: 'completed', completed: 2, failed: 0, cost: { currency: 'USD', totalMicros: 84_000, total: 0.084 } });
    for (const item of batch.items) {
      expect(item.caption).toBe(CAPTION);
      expect(item.generation.image.provider).toBe('openai');
      expect(item.generation.caption.provider).toBe('openai');
      const img = await fetch(s.url + item.imageUrl, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(Buffer.from(await img.arrayBuffer()).equals(fake.png)).toBe(true);
    }
    const images = imageRequests(from);
    expect(images).toHaveLength(2);
    for (const r of images) {
      expect(r.path).toBe('/v1/images/edits'); // references → edits with them as input images
      expect(r.files.filter((f) => f.field.startsWith('image'))).toHaveLength(2);
      expect(String(r.body.prompt)).toContain('short auburn hair');
      expect(String(r.body.prompt)).toContain(findGrade('golden-hour')!.promptSuffix);
    }
    const chats = chatRequests(from);
    expect(chats).toHaveLength(2);
    for (const r of chats) {
      expect(r.body.stream).toBeUndefined();
      const messages = r.body.messages as { role: string; content: any }[];
      expect(messages[0]!.content).toContain('Fog on the ridge again ☕ #trailmornings');
      expect(messages[0]!.content).toContain('Mara Voss');
      const parts = messages[1]!.content as { type: string; image_url?: { url: string } }[];
      expect(parts.some((x) => x.type === 'image_url' && x.image_url!.url.startsWith('data:image/png;base64,'))).toBe(true);
    }
    const costs = await s.app.deps.prisma.costRecord.findMany({ where: { teamId, subject: { path: ['batchId'], equals: res.body.id } } });
    expect(costs.filter((c) => c.action === 'image.generate').map((c) => [c.provider, c.unitMicros, c.model])).toEqual([
      ['openai', 40_000, 'gpt-image-1'],
      ['openai', 40_000, 'gpt-image-1'],
    ]);
    expect(costs.filter((c) => c.action === 'caption.generate').every((c) => c.provider === 'openai' && c.unitMicros === 2_000)).toBe(true);
  });

  it('an item whose image request fails is retried by the job’s next attempt; the batch completes with every item, none twice', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    fake.content.failImages(2, 500); // the SDK retries once itself: both tries of the first item fail
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 3 } });
    const batch = await waitForBatch(s, res.body.id);
    expect(batch).toMatchObject({ status: 'completed', completed: 3, failed: 0 });
    expect(batch.items.every((i: any) => i.status === 'pending_review' && i.error === null)).toBe(true);
    const job = await waitForBatchJob(s.app.deps.prisma, res.body.id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await s.app.deps.prisma.mediaItem.count({ where: { profileId: p.profileId } })).toBe(3);
    expect(await s.app.deps.prisma.costRecord.count({ where: { subject: { path: ['batchId'], equals: res.body.id } } })).toBe(6);
  });

  it('an item that fails on every attempt ends failed with the error; the batch completes with the failure counted', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId, {
      directions: [
        { id: 'd1', title: 'Volcano', prompt: 'a lava field at dawn' },
        { id: 'd2', title: 'Lake', prompt: 'a calm alpine lake' },
      ],
    });
    fake.content.failImagesMatching = { pattern: /lava field/, status: 500 };
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 2 } });
    const batch = await waitForBatch(s, res.body.id);
    expect(batch).toMatchObject({ status: 'completed', completed: 1, failed: 1, progress: 100, error: null });
    const [lava, lake] = batch.items;
    expect(lava).toMatchObject({ status: 'failed', error: 'The image provider failed (status 500)', caption: null, imageUrl: null });
    expect(lake).toMatchObject({ status: 'pending_review', caption: CAPTION });
    const job = await waitForBatchJob(s.app.deps.prisma, res.body.id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect(JSON.stringify(batch)).not.toContain('processing your request'); // the provider's words stay out
    // The failed item can be regenerated once the provider behaves.
    fake.content.failImagesMatching = null;
    const regen = await s.request('POST', `/api/v1/content/${lava.id}/regenerate`, { body: {} });
    expect(regen.body).toMatchObject({ status: 'pending_review', error: null, caption: CAPTION });
  }, 90_000);

  it('a refusal by the provider (400) fails items at once; with none made the batch is failed', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    fake.content.failImagesMatching = { pattern: /./, status: 400 };
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 2 } });
    const batch = await waitForBatch(s, res.body.id);
    expect(batch).toMatchObject({ status: 'failed', completed: 0, failed: 2, error: 'no item could be generated (2 failed)' });
    expect(batch.items.every((i: any) => i.status === 'failed' && i.error === 'The LLM provider rejected the image request (status 400)')).toBe(true);
    const job = await waitForBatchJob(s.app.deps.prisma, res.body.id);
    expect(job.attempts).toBe(1);
    expect(await s.app.deps.prisma.costRecord.count({ where: { subject: { path: ['batchId'], equals: res.body.id } } })).toBe(0);
  });
});

// --- the batchProgress subscription --------------------------------------------------------

/** A subscription whose results queue up until the test takes them. */
class Feed {
  private items: any[] = [];
  private waiters: (() => void)[] = [];
  error: unknown = null;
  done = false;
  constructor(c: Client, query: string, variables?: Record<string, unknown>) {
    c.subscribe(
      { query, variables },
      {
        next: (v) => this.push(v),
        error: (e) => ((this.error = e), (this.done = true), this.push(null)),
        complete: () => ((this.done = true), this.push(null)),
      },
    );
  }
  private push(v: any) {
    if (v !== null) this.items.push(v);
    for (const w of this.waiters.splice(0)) w();
  }
  async next(): Promise<any> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.items.length) {
      if (this.done) throw new Error(`subscription ended: ${JSON.stringify(this.error)}`);
      if (Date.now() > deadline) throw new Error('no event arrived');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.items.shift();
  }
  /** The error the subscription ended with (fails if it yields a result instead). */
  async failure(): Promise<any> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.done) {
      if (this.items.length) throw new Error(`expected an error, got ${JSON.stringify(this.items[0])}`);
      if (Date.now() > deadline) throw new Error('the subscription did not end');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return this.error;
  }
  /** Every result until the subscription completes. */
  async rest(): Promise<any[]> {
    const out: any[] = [];
    for (;;) {
      if (!this.items.length && this.done) return out;
      try {
        out.push(await this.next());
      } catch (e) {
        if (this.done && !this.error) return out;
        throw e;
      }
    }
  }
}

function client(key = ADMIN_KEY): Client {
  const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
  clients.push(c);
  return c;
}

const PROGRESS = `subscription($id: ID!, $after: Int) {
  batchProgress(batchId: $id, afterSeq: $after) { batchId seq type status count completed failed progress contentItemId itemStatus error at item { id status caption } }
}`;

describe('batchProgress over graphql-ws', () => {
  let live: any[] = [];
  let batchId = '';

  it('a subscriber receives every event of the batch in order, as each item lands: seq 1..2n+2 without gaps, ending with completed', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    fake.content.holdImages(0); // nothing lands until the subscriber listens
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 3 } });
    batchId = res.body.id;
    await until(() => fake.content.heldImages === 1, 'the first image request');
    const feed = new Feed(client(), PROGRESS, { id: batchId });
    const first = (await feed.next()).data.batchProgress;
    expect(first).toMatchObject({ seq: 1, type: 'progress', status: 'generating', count: 3, completed: 0, failed: 0, progress: 0 });
    fake.content.releaseImages();
    const events = [first, ...(await feed.rest()).map((r) => r.data.batchProgress)];
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events.map((e) => e.type)).toEqual(['progress', 'item', 'progress', 'item', 'progress', 'item', 'progress', 'completed']);
    expect(events.map((e) => e.completed)).toEqual([0, 1, 1, 2, 2, 3, 3, 3]);
    expect(events.map((e) => e.progress)).toEqual([0, 33, 33, 67, 67, 100, 100, 100]);
    const items = events.filter((e) => e.type === 'item');
    expect(items.map((e) => e.contentItemId)).toEqual(res.body.itemIds);
    expect(items.every((e) => e.itemStatus === 'pending_review' && e.item.caption === CAPTION)).toBe(true);
    expect(events.at(-1)).toMatchObject({ status: 'completed', completed: 3, failed: 0, contentItemId: null });
    live = events;
  });

  it('afterSeq replays the events missed, rebuilt from the stored batch (the same ones), then ends; 0 gives all', async () => {
    expect(live).toHaveLength(8);
    const strip = (e: any) => ({ ...e, item: undefined });
    const after3 = (await new Feed(client(), PROGRESS, { id: batchId, after: 3 }).rest()).map((r) => r.data.batchProgress);
    expect(after3.map(strip)).toEqual(live.slice(3).map(strip));
    const all = (await new Feed(client(), PROGRESS, { id: batchId }).rest()).map((r) => r.data.batchProgress);
    expect(all.map(strip)).toEqual(live.map(strip));
  });

  it('refuses an unknown or another team’s batch, and a key without content:read', async () => {
    const unknown = await new Feed(client(), PROGRESS, { id: 'batch_nope' }).failure();
    expect(unknown[0]).toMatchObject({ message: 'Batch not found', extensions: { code: 'batch_not_found' } });
    const rival = await s.createTeam('rival subs');
    const foreign = await new Feed(client(rival.key), PROGRESS, { id: batchId }).failure();
    expect(foreign[0].message).toBe('Batch not found');
    const noScope = (await s.createKey(['content:generate'])).key;
    const forbidden = await new Feed(client(noScope), PROGRESS, { id: batchId }).failure();
    expect(forbidden[0].message).toMatch(/lacks the required scope: content:read/);
  });
});

// --- videos through OpenAI ---------------------------------------------------------------

describe('videos through OpenAI’s video API', () => {
  async function anItem() {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
    return (await waitForBatch(s, res.body.id)).items[0];
  }

  it('creates the render with the image cropped to the clip size, polls it, downloads the MP4 and records its seconds', async () => {
    const item = await anItem();
    fake.content.videoPollsUntilDone = 2;
    const before = fake.content.videos.size;
    const res = await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { motion: 'pan-right', durationSeconds: 8, prompt: 'morning breeze' } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.provider).toBe('openai');
    const done = await waitForVideos(s, item.id, [res.body.id]);
    expect(done.videos[0]).toMatchObject({ status: 'completed', contentType: 'video/mp4', motion: 'pan-right', durationSeconds: 8 });
    const media = await fetch(s.url + done.videos[0].url, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(media.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await media.arrayBuffer()).equals(fake.content.mp4)).toBe(true);
    expect(fake.content.videos.size).toBe(before + 1); // one render, however many polls
    const render = [...fake.content.videos.values()].at(-1)!;
    expect(render).toMatchObject({ model: 'sora-2', seconds: '8', size: '720x1280', status: 'completed', polls: 3 });
    expect(render.prompt).toContain('left to right');
    expect(render.prompt).toContain('morning breeze');
    expect(render.prompt).toContain(CAPTION);
    const ref = PNG.sync.read(render.reference!.bytes);
    expect([ref.width, ref.height]).toEqual([720, 1280]);
    const cost = await s.app.deps.prisma.costRecord.findFirst({ where: { action: 'video.second', subject: { path: ['videoId'], equals: res.body.id } } });
    expect(cost).toMatchObject({ quantity: 8, provider: 'openai', unitMicros: 100_000, totalMicros: 800_000, model: 'sora-2' });
    const stored = await s.app.deps.prisma.contentVideo.findUnique({ where: { id: res.body.id } });
    expect((stored!.params as any).providerVideoId).toBe(render.id);
    const dry = await s.request('POST', `/api/v1/content/${item.id}/video-comparison`, { body: { count: 2, dryRun: true } });
    expect(dry.body).toMatchObject({ totalMicros: 4 * 100_000 + 8 * 100_000 });
  });

  it('a render the provider fails ends the video failed with the provider’s error code, never its words, without retrying', async () => {
    const item = await anItem();
    fake.content.videoFailCode = 'moderation_blocked';
    const before = fake.content.videos.size;
    const res = await s.request('POST', `/api/v1/content/${item.id}/video`, { body: {} });
    const done = await waitForVideos(s, item.id, [res.body.id]);
    expect(done.videos[0]).toMatchObject({ status: 'failed', url: null, error: 'The video provider could not render the video (moderation_blocked)' });
    expect(fake.content.videos.size).toBe(before + 1);
    expect(await s.app.deps.prisma.costRecord.count({ where: { subject: { path: ['videoId'], equals: res.body.id } } })).toBe(0);
  });
});

// --- a restart in the middle of a batch ----------------------------------------------------

describe('a batch survives its server being killed mid-generation', () => {
  // Process-level and slow: once per run (on PostgreSQL when the run has it).
  it.runIf(onceAcrossDatabases())(
    'SIGKILL after 2 of 4 items: the next server takes the job back and finishes with 4 items, none lost, none twice',
    async () => {
      const kind = testDatabaseKind();
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-restart-'));
      const db = kind === 'postgres' ? await createTestDatabase() : { url: `pglite:${path.join(dir, 'db')}`, drop: async () => {} };
      const env = {
        DATABASE_URL: db.url,
        BOOTSTRAP_API_KEY: ADMIN_KEY,
        SECRET_KEY,
        OPENAI_API_KEY: 'sk-test-restart',
        OPENAI_BASE_URL: fake.url,
        JOB_LEASE_MS: '1500',
        JOB_POLL_MS: '100',
        RATE_LIMIT_PER_MINUTE: '100000',
      };
      // Set up the team's profile with an in-process server, then hand the database to a real process.
      const setup = await startTestServer(env);
      const p = await makeProfile(setup.app.deps.prisma, await teamOf(setup));
      await setup.close();

      const port = await freePort();
      const proc = startServerProcess({ ...env, DATA_DIR: dir, PORT: String(port) });
      let second: TestServer | null = null;
      try {
        const base = `http://127.0.0.1:${port}`;
        await until(() => proc.out().includes('personagraph is listening') || proc.child.exitCode !== null, 'the server process to start');
        expect(proc.child.exitCode, proc.out()).toBeNull();
        const api = async (method: string, p2: string, body?: unknown) => {
          const res = await fetch(base + p2, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
          return { status: res.status, body: (await res.json()) as any };
        };
        const from = fake.requests.length;
        fake.content.holdImages(2); // two items are made, the third image request hangs
        const created = await api('POST', '/api/v1/content/generate', { profileId: p.profileId, count: 4 });
        expect(created.status).toBe(202);
        await until(() => fake.content.heldImages === 1, 'the third image request');
        const mid = await api('GET', `/api/v1/batches/${created.body.id}`);
        expect(mid.body).toMatchObject({ status: 'generating', completed: 2 });
        expect(mid.body.items.map((i: any) => i.status)).toEqual(['pending_review', 'pending_review', 'generating', 'generating']);

        proc.child.kill('SIGKILL');
        await proc.exited;
        fake.content.releaseImages();

        second = await startTestServer(env);
        const batch = await waitForBatch(second, created.body.id);
        expect(batch).toMatchObject({ status: 'completed', count: 4, completed: 4, failed: 0 });
        expect(batch.items.map((i: any) => [i.position, i.status])).toEqual([
          [0, 'pending_review'],
          [1, 'pending_review'],
          [2, 'pending_review'],
          [3, 'pending_review'],
        ]);
        expect(batch.items.map((i: any) => i.id)).toEqual(created.body.itemIds);
        // The two made before the kill were kept as they were, not made again.
        expect(batch.items.slice(0, 2).map((i: any) => i.imageUrl)).toEqual(mid.body.items.slice(0, 2).map((i: any) => i.imageUrl));
        expect(imageRequests(from)).toHaveLength(2 + 1 + 2); // 2 made, 1 cut off by the kill, then items 2 and 3
        const prisma = second.app.deps.prisma;
        expect(await prisma.contentItem.count({ where: { batchId: created.body.id } })).toBe(4);
        expect(await prisma.mediaItem.count({ where: { profileId: p.profileId } })).toBe(4);
        const costs = await prisma.costRecord.findMany({ where: { subject: { path: ['batchId'], equals: created.body.id } } });
        expect(costs.filter((c) => c.action === 'image.generate')).toHaveLength(4);
        expect(costs.filter((c) => c.action === 'caption.generate')).toHaveLength(4);
        const seqs = batch.items.map((i: any) => i.id);
        const stored = await prisma.contentItem.findMany({ where: { batchId: created.body.id }, orderBy: { position: 'asc' } });
        expect(stored.map((i) => (i.metadata as any).batchSeq)).toEqual([1, 2, 3, 4]);
        expect(stored.map((i) => i.id)).toEqual(seqs);
        const job = await waitForBatchJob(prisma, created.body.id);
        expect(job).toMatchObject({ status: 'succeeded', attempts: 2 });
      } finally {
        if (proc.child.exitCode === null && proc.child.signalCode === null) {
          proc.child.kill('SIGKILL');
          await proc.exited;
        }
        fake.content.releaseImages();
        await second?.close();
        await db.drop();
      }
    },
    180_000,
  );
});
