/**
 * A profile's voice corpus as REST and GraphQL see it: its stats (size by
 * source, the style read from the newest samples, the latest samples) and
 * samples written by hand. The writes other modules make are library.ts.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import type { ProfileVoiceSample } from '../../generated/prisma/client.js';
import { parseInput } from '../../validation.js';
import { AddVoiceSamplesInput, VoiceStatsInput } from './inputs.js';
import { addVoiceSamples, recentVoiceTexts } from './library.js';
import { profileId } from './lookups.js';
import { analyzeVoice, type VoiceStyle } from './voice.js';

export interface VoiceStats {
  profileId: string;
  corpusSize: number;
  bySource: { manual: number; import: number; approved: number };
  /** The voice read from the newest STYLE_WINDOW samples (voice.ts). */
  style: VoiceStyle;
  recentSamples: ProfileVoiceSample[];
}

/** How many of the newest samples the style is read from. */
export const STYLE_WINDOW = 200;

async function statsOf(ctx: ServiceContext, id: string, limit: number): Promise<VoiceStats> {
  const prisma = ctx.deps.prisma;
  const [groups, recent, window] = await Promise.all([
    prisma.profileVoiceSample.groupBy({ by: ['source'], where: { profileId: id, teamId: ctx.actor.teamId }, _count: { _all: true } }),
    prisma.profileVoiceSample.findMany({ where: { profileId: id, teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit }),
    recentVoiceTexts(prisma, id, STYLE_WINDOW),
  ]);
  const bySource = { manual: 0, import: 0, approved: 0 };
  let corpusSize = 0;
  for (const g of groups) {
    corpusSize += g._count._all;
    if (g.source === 'manual' || g.source === 'import' || g.source === 'approved') bySource[g.source] += g._count._all;
  }
  return { profileId: id, corpusSize, bySource, style: analyzeVoice(window), recentSamples: recent };
}

/** GET /profiles/:id/voice-stats. */
export async function voiceStats(ctx: ServiceContext, id: string, raw: Record<string, unknown> = {}): Promise<VoiceStats> {
  requireScope(ctx, 'content:read');
  const input = parseInput(VoiceStatsInput, raw);
  return statsOf(ctx, await profileId(ctx, id), input.limit);
}

/** POST /profiles/:id/voice-corpus: adds texts (empty and already-present ones skipped); answers how many were added and the stats. */
export async function addProfileVoiceSamples(ctx: ServiceContext, id: string, raw: unknown): Promise<{ added: number; stats: VoiceStats }> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(AddVoiceSamplesInput, raw);
  await profileId(ctx, id);
  const added = await addVoiceSamples(ctx.deps.prisma, ctx.actor.teamId, id, input.samples, 'manual');
  if (added) await ctx.deps.prisma.profile.updateMany({ where: { id, teamId: ctx.actor.teamId }, data: { updatedAt: new Date() } });
  return { added, stats: await statsOf(ctx, id, 10) };
}
