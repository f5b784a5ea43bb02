/**
 * Fixtures for the content tests: an influencer and a profile written straight
 * into the database (their own modules have their own tests), waiting for
 * batches and videos through the API, and a structural GIF reader.
 */
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import type { PrismaClient } from '../../src/infra/db/client.js';
import { putBlob } from '../../src/infra/blobs.js';
import type { TestServer } from './server.js';
import { poll } from './influencers.js';

export const WAIT_MS = 60_000; // upper bound for background work to finish

export async function teamOf(s: TestServer, key?: string): Promise<string> {
  const res = await s.request('GET', '/api/v1/me', key ? { key } : {});
  if (res.status !== 200) throw new Error(`me: ${res.status} ${res.text}`);
  return res.body.team.id;
}

/** A small PNG of one colour with a darker square in it (so crops differ). */
export function colourPng(rgb: [number, number, number], size = 32): Buffer {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      const inner = x > size / 4 && x < (3 * size) / 4 && y > size / 4 && y < (3 * size) / 4;
      png.data[o] = inner ? rgb[0] >> 1 : rgb[0];
      png.data[o + 1] = inner ? rgb[1] >> 1 : rgb[1];
      png.data[o + 2] = inner ? rgb[2] >> 1 : rgb[2];
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

export interface ProfileFixture {
  profileId: string;
  influencerId: string | null;
  referenceBlobIds: string[];
}

export interface ProfileOptions {
  name?: string;
  influencer?: boolean;
  basePrompt?: string;
  aestheticGrade?: string | null;
  references?: number;
  directions?: { id: string; title: string; prompt: string }[];
  voice?: string[];
}

const hex = () => randomBytes(12).toString('hex');

export async function makeProfile(prisma: PrismaClient, teamId: string, opts: ProfileOptions = {}): Promise<ProfileFixture> {
  let influencerId: string | null = null;
  const referenceBlobIds: string[] = [];
  if (opts.influencer !== false) {
    const views = ['front', 'left', 'right', 'back'];
    for (let i = 0; i < (opts.references ?? 0); i++) {
      const blob = await putBlob(prisma, { teamId, bytes: colourPng([40 * i + 60, 120, 200]), kind: 'image', contentType: 'image/png', metadata: { source: 'upload' } });
      referenceBlobIds.push(blob.id);
    }
    influencerId = `inf_${hex()}`;
    await prisma.influencer.create({
      data: {
        id: influencerId,
        teamId,
        name: 'Mara Voss',
        handle: `mara${hex().slice(0, 6)}`,
        bio: 'Slow mornings and trail runs.',
        niche: 'outdoor lifestyle',
        basePrompt: opts.basePrompt ?? 'a woman in her late twenties with short auburn hair and freckles',
        aestheticGrade: opts.aestheticGrade === undefined ? 'golden-hour' : opts.aestheticGrade,
        references: referenceBlobIds.map((blobId, i) => ({ view: views[i % 4], blobId })),
      },
    });
  }
  const profileId = `prof_${hex()}`;
  await prisma.profile.create({
    data: {
      id: profileId,
      teamId,
      influencerId,
      name: opts.name ?? 'Trail Mornings',
      niche: 'outdoor lifestyle',
      description: 'Trail running, coffee and mountain light.',
      contentDirections: opts.directions ?? [],
    },
  });
  if (opts.voice?.length) {
    await prisma.profileVoiceSample.createMany({ data: opts.voice.map((text) => ({ teamId, profileId, text, source: 'manual' })) });
  }
  return { profileId, influencerId, referenceBlobIds };
}

/** Polls GET /api/v1/batches/:id until the batch has ended. */
export async function waitForBatch(s: Pick<TestServer, 'request'>, batchId: string, key?: string): Promise<any> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await s.request('GET', `/api/v1/batches/${batchId}`, key ? { key } : {});
    if (res.status !== 200) throw new Error(`batch: ${res.status} ${res.text}`);
    if (res.body.status === 'completed' || res.body.status === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`batch ${batchId} did not finish: ${res.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Polls the batch's job until it has ended; returns its row. The batch reads
 * "completed" from inside the job's last step, a moment before the job itself
 * is marked succeeded, so a test that checks the job waits for it too.
 */
export function waitForBatchJob(prisma: PrismaClient, batchId: string) {
  return poll(`the job of batch ${batchId} to end`, async () => {
    const job = await prisma.job.findFirst({ where: { payload: { path: ['batchId'], equals: batchId } } });
    return job && job.status !== 'queued' && job.status !== 'running' ? job : null;
  });
}

/** Polls the item until every video in `ids` has ended; returns the item. */
export async function waitForVideos(s: Pick<TestServer, 'request'>, itemId: string, ids: string[]): Promise<any> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await s.request('GET', `/api/v1/content/${itemId}`);
    if (res.status !== 200) throw new Error(`item: ${res.status} ${res.text}`);
    const vids = res.body.videos.filter((v: any) => ids.includes(v.id));
    if (vids.length === ids.length && vids.every((v: any) => v.status === 'completed' || v.status === 'failed')) return res.body;
    if (Date.now() > deadline) throw new Error(`videos did not finish: ${res.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface GifInfo {
  width: number;
  height: number;
  frames: number;
  /** Delay of each frame in ms. */
  delays: number[];
  loops: boolean;
  /** The compressed pixel data of each frame (to tell frames apart). */
  frameData: Buffer[];
}

/** Walks a GIF's blocks (header, screen descriptor, extensions, images) as a decoder does; throws on a malformed file. */
export function readGif(bytes: Buffer): GifInfo {
  const sig = bytes.subarray(0, 6).toString('latin1');
  if (sig !== 'GIF89a' && sig !== 'GIF87a') throw new Error(`not a GIF: ${sig}`);
  const width = bytes.readUInt16LE(6);
  const height = bytes.readUInt16LE(8);
  const packed = bytes[10]!;
  let p = 13;
  if (packed & 0x80) p += 3 * 2 ** ((packed & 7) + 1);
  const info: GifInfo = { width, height, frames: 0, delays: [], loops: false, frameData: [] };
  const subBlocks = () => {
    const parts: Buffer[] = [];
    for (;;) {
      const n = bytes[p++];
      if (n === undefined) throw new Error('truncated GIF');
      if (n === 0) return Buffer.concat(parts);
      parts.push(bytes.subarray(p, p + n));
      p += n;
    }
  };
  for (;;) {
    const b = bytes[p++];
    if (b === 0x3b) return info;
    if (b === 0x21) {
      const label = bytes[p++];
      const data = subBlocks();
      if (label === 0xf9) info.delays.push(data.readUInt16LE(1) * 10);
      if (label === 0xff && data.subarray(0, 11).toString('latin1') === 'NETSCAPE2.0') info.loops = true;
    } else if (b === 0x2c) {
      const flags = bytes[p + 8]!;
      p += 9;
      if (flags & 0x80) p += 3 * 2 ** ((flags & 7) + 1);
      p++; // LZW minimum code size
      info.frameData.push(subBlocks());
      info.frames++;
    } else {
      throw new Error(`unexpected GIF block 0x${(b ?? 0).toString(16)} at ${p - 1}`);
    }
  }
}
