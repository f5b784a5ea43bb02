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
 */
import { createHash } from 'node:crypto';

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
