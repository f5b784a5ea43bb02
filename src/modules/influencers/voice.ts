/**
 * Voice samples and the embedded voice clone.
 *
 * Durations are read from the audio itself: WAV (RIFF/WAVE: the `fmt ` chunk's
 * byte rate and the `data` chunk's size) is parsed here; other formats are
 * stored with an unknown duration, which counts as 0 towards the clone.
 *
 * The clone rule: no samples → `none`; samples whose known durations add up
 * to less than CLONE_MIN_SECONDS → `pending`; at least that → `ready`, with a
 * voice id derived from the samples' SHA-256 hashes (sorted), so the same
 * samples always give the same id and any change of the set gives a new one.
 * OpenAI has no voice-cloning API, so the clone is always the embedded one.
 *
 * The influencer's `voice` column keeps the clone's state; it is recomputed
 * in the transaction that adds or removes a sample.
 */
import { createHash } from 'node:crypto';
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { Influencer, Prisma, VoiceSample } from '../../generated/prisma/client.js';
import { blobIdFromUrl, mediaUrl, putBlob, sniffMedia, UnsupportedMediaError } from '../../infra/blobs.js';
import type { Uploads } from '../../infra/uploads.js';
import { recordCosts } from '../catalog/service.js';
import { findOwn, jsonObject } from './records.js';

export const CLONE_MIN_SECONDS = 30;

/** The duration of a WAV file in milliseconds, or null when the bytes are not a readable WAV. */
export function wavDurationMs(bytes: Buffer): number | null {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return null;
  let byteRate: number | null = null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) byteRate = bytes.readUInt32LE(body + 8);
    if (id === 'data') {
      if (!byteRate) return null;
      // A streamed WAV may announce 0 or 0xFFFFFFFF: count what is there.
      const dataBytes = size === 0 || size === 0xffffffff || body + size > bytes.length ? bytes.length - body : size;
      return Math.round((dataBytes / byteRate) * 1000);
    }
    offset = body + size + (size % 2);
  }
  return null;
}

export function audioDurationMs(bytes: Buffer, contentType: string): number | null {
  if (/wav/.test(contentType)) return wavDurationMs(bytes);
  return null;
}

export type CloneStatus = 'none' | 'pending' | 'ready';

export interface CloneState {
  cloneStatus: CloneStatus;
  voiceId: string | null;
  totalDurationMs: number;
}

/** The clone a set of samples gives (see the rule above). */
export function cloneState(samples: { sha256: string; durationMs: number | null }[]): CloneState {
  const totalDurationMs = samples.reduce((n, s) => n + (s.durationMs ?? 0), 0);
  if (!samples.length) return { cloneStatus: 'none', voiceId: null, totalDurationMs: 0 };
  if (totalDurationMs < CLONE_MIN_SECONDS * 1000) return { cloneStatus: 'pending', voiceId: null, totalDurationMs };
  const hash = createHash('sha256');
  for (const h of samples.map((s) => s.sha256).sort()) hash.update(h);
  return { cloneStatus: 'ready', voiceId: `voice_${hash.digest('hex').slice(0, 24)}`, totalDurationMs };
}

// --- the stored state ---------------------------------------------------------------------

export interface VoiceState {
  cloneStatus: CloneStatus;
  voiceId: string | null;
  sampleCount: number;
  totalDurationMs: number;
  provider: 'embedded';
  updatedAt: string | null;
}

export function voiceOf(inf: Pick<Influencer, 'voice'>): VoiceState {
  const v = jsonObject(inf.voice);
  const status = v.cloneStatus === 'pending' || v.cloneStatus === 'ready' ? v.cloneStatus : 'none';
  return {
    cloneStatus: status,
    voiceId: typeof v.voiceId === 'string' ? v.voiceId : null,
    sampleCount: typeof v.sampleCount === 'number' ? v.sampleCount : 0,
    totalDurationMs: typeof v.totalDurationMs === 'number' ? v.totalDurationMs : 0,
    provider: 'embedded',
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : null,
  };
}

// --- samples and the voice profile ------------------------------------------------------------

export interface VoiceProfile {
  influencerId: string;
  samples: { id: string; audioUrl: string; mediaId: string; duration: number | null; size: number; contentType: string; createdAt: Date }[];
  sampleCount: number;
  totalDuration: number;
  cloneStatus: CloneStatus;
  voiceId: string | null;
  provider: 'embedded';
  rule: string;
  note: string | null;
}

const CLONE_RULE = `ready once the samples add up to at least ${CLONE_MIN_SECONDS} s of audio (WAV durations are read from the file; other formats count 0 s), pending below; the voiceId is derived from the samples' SHA-256 hashes`;

export async function voiceProfileOf(deps: Deps, inf: Influencer): Promise<VoiceProfile> {
  const samples = await deps.prisma.voiceSample.findMany({ where: { influencerId: inf.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const blobs = samples.length
    ? await deps.prisma.blob.findMany({ where: { id: { in: samples.map((s) => s.blobId) }, teamId: inf.teamId }, select: { id: true, size: true, contentType: true } })
    : [];
  const v = voiceOf(inf);
  return {
    influencerId: inf.id,
    samples: samples.map((s) => {
      const b = blobs.find((x) => x.id === s.blobId);
      return { id: s.id, audioUrl: mediaUrl(s.blobId), mediaId: s.blobId, duration: s.durationMs === null ? null : s.durationMs / 1000, size: b?.size ?? 0, contentType: b?.contentType ?? 'application/octet-stream', createdAt: s.createdAt };
    }),
    sampleCount: samples.length,
    totalDuration: v.totalDurationMs / 1000,
    cloneStatus: v.cloneStatus,
    voiceId: v.voiceId,
    provider: 'embedded',
    rule: CLONE_RULE,
    note: deps.config.openai.apiKey
      ? 'OpenAI offers no voice-cloning API: the clone is personagraph’s embedded one (a stable voice id; no speech synthesis).'
      : null,
  };
}

/** Recomputes the clone from the samples, inside the transaction that changed them; records a voice.clone cost when a new clone is ready. */
async function refreshVoice(tx: Prisma.TransactionClient, inf: Influencer): Promise<void> {
  const samples = await tx.voiceSample.findMany({ where: { influencerId: inf.id }, select: { blobId: true, durationMs: true } });
  const hashes = samples.length ? await tx.blob.findMany({ where: { id: { in: samples.map((s) => s.blobId) } }, select: { id: true, sha256: true } }) : [];
  const state = cloneState(samples.map((s) => ({ durationMs: s.durationMs, sha256: hashes.find((h) => h.id === s.blobId)?.sha256 ?? s.blobId })));
  const before = voiceOf(inf);
  await tx.influencer.update({
    where: { id: inf.id },
    data: { voice: { cloneStatus: state.cloneStatus, voiceId: state.voiceId, sampleCount: samples.length, totalDurationMs: state.totalDurationMs, provider: 'embedded', updatedAt: new Date().toISOString() } },
  });
  if (state.cloneStatus === 'ready' && state.voiceId !== before.voiceId) {
    await recordCosts(tx, inf.teamId, [{ action: 'voice.clone', quantity: 1, provider: 'embedded', model: 'embedded-voice-id-v1' }], { influencerId: inf.id, voiceId: state.voiceId });
  }
}

export const MAX_VOICE_FILES = 5;

/** Adds uploaded audio samples (multipart or a raw audio/* body); answers the voice profile. */
export async function addVoiceSamples(ctx: ServiceContext, id: string, read: () => Promise<Uploads>): Promise<{ added: VoiceProfile['samples']; profile: VoiceProfile }> {
  requireScope(ctx, 'character:write');
  await findOwn(ctx, id);
  const body = await read();
  if (body.json !== undefined) throw new UnsupportedMediaError('send the audio as multipart/form-data or as a raw audio/* body', 'file');
  if (!body.files.length) throw new ValidationError('send at least one audio file', 'file');
  const audio: (Uploads['files'][number] & { contentType: string; durationMs: number | null })[] = [];
  for (const f of body.files) {
    const sniffed = await sniffMedia(f.bytes, ['audio'], f.declaredType, f.field);
    audio.push({ ...f, contentType: sniffed.contentType, durationMs: audioDurationMs(f.bytes, sniffed.contentType) });
  }
  const addedIds: string[] = [];
  await ctx.deps.prisma.$transaction(async (tx) => {
    for (const a of audio) {
      const blob = await putBlob(tx, { teamId: ctx.actor.teamId, bytes: a.bytes, kind: 'audio', contentType: a.contentType, filename: a.filename, metadata: { source: 'upload', influencerId: id, durationMs: a.durationMs } });
      const s = await tx.voiceSample.create({ data: { teamId: ctx.actor.teamId, influencerId: id, blobId: blob.id, durationMs: a.durationMs } });
      addedIds.push(s.id);
    }
    const inf = await tx.influencer.findUniqueOrThrow({ where: { id } });
    await refreshVoice(tx, inf);
  });
  const profile = await voiceProfileOf(ctx.deps, await findOwn(ctx, id));
  return { added: profile.samples.filter((s) => addedIds.includes(s.id)), profile };
}

/** Removes one sample, named by its audio URL (as returned) or its media id; 404 unless it is this influencer's. */
export async function deleteVoiceSample(ctx: ServiceContext, id: string, audioRef: string): Promise<VoiceProfile> {
  requireScope(ctx, 'character:write');
  await findOwn(ctx, id);
  const blobId = blobIdFromUrl(audioRef.trim());
  const sample: VoiceSample | null = blobId ? await ctx.deps.prisma.voiceSample.findFirst({ where: { influencerId: id, teamId: ctx.actor.teamId, blobId } }) : null;
  if (!sample) throw new NotFoundError('This influencer has no voice sample with that audio URL', 'voice_sample_not_found');
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.voiceSample.delete({ where: { id: sample.id } });
    await tx.blob.deleteMany({ where: { id: sample.blobId, teamId: ctx.actor.teamId } });
    await refreshVoice(tx, await tx.influencer.findUniqueOrThrow({ where: { id } }));
  });
  return voiceProfileOf(ctx.deps, await findOwn(ctx, id));
}

export async function getVoiceProfile(ctx: ServiceContext, id: string): Promise<VoiceProfile> {
  requireScope(ctx, 'character:read');
  return voiceProfileOf(ctx.deps, await findOwn(ctx, id));
}
