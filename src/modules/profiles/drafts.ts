/**
 * POST /profiles/:id/content-directions/draft, the billable call: checks,
 * estimates, asks the drafter (directions.ts), records the cost, and with
 * `save: true` appends the drafts to the profile's directions, the cost
 * stored in the same transaction.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, ValidationError } from '../../errors.js';
import { newId } from '../../infra/ids.js';
import { parseInput } from '../../validation.js';
import { estimate, recordCosts } from '../catalog/service.js';
import { draftDirections, type DraftResult } from './directions.js';
import { DraftDirectionsInput, MAX_DIRECTIONS } from './inputs.js';
import { recentVoiceTexts } from './library.js';
import { asJson, directionsOf, profileNotFound, profileWithInfluencer, type Billable, type ContentDirection } from './lookups.js';

export interface DraftOutcome extends DraftResult {
  profileId: string;
  /** The drafted directions with the ids they have (or would have) on the profile. */
  drafted: ContentDirection[];
  saved: boolean;
}

/** How many times a save retries when the profile changed under it. */
const SAVE_ATTEMPTS = 5;

/**
 * POST /profiles/:id/content-directions/draft: drafts `count` directions from
 * a free-form brief, grounded in the profile. Returned, not stored, unless
 * `save: true` appends them to the profile's directions.
 */
export async function draftContentDirections(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<DraftOutcome>> {
  requireScope(ctx, 'content:generate');
  const input = parseInput(DraftDirectionsInput, raw);
  const profile = await profileWithInfluencer(ctx, id);
  const provider = ctx.deps.ai.forText().kind;
  const cost = estimate([{ action: 'text.generate', quantity: 1, provider }]);
  const existing = directionsOf(profile);
  if (input.save && existing.length + input.count > MAX_DIRECTIONS) {
    throw new ValidationError(`a profile holds at most ${MAX_DIRECTIONS} content directions; it has ${existing.length}`, 'count');
  }
  if (input.dryRun) return { dryRun: true, estimate: cost };

  const inf = profile.influencer;
  const draft = await draftDirections(ctx.deps, {
    brief: input.prompt,
    count: input.count,
    profile: { id: profile.id, name: profile.name, niche: profile.niche, description: profile.description },
    influencer: inf ? { name: inf.name, handle: inf.handle, bio: inf.bio, niche: inf.niche, basePrompt: inf.basePrompt } : null,
    voiceSamples: await recentVoiceTexts(ctx.deps.prisma, profile.id, 30),
    existingTitles: existing.map((d) => d.title),
  });
  const drafted = draft.directions.map((d) => ({ id: newId('dir_'), title: d.title, prompt: d.prompt }));
  const costLines = [{ action: 'text.generate' as const, quantity: 1, provider: draft.provider, model: draft.model }];
  const subject = { profileId: profile.id, action: 'content-directions.draft' };
  if (!input.save) {
    await recordCosts(ctx.deps.prisma, ctx.actor.teamId, costLines, subject);
  } else {
    // Append to the list as it is at write time (a conditional write, retried if someone changed the profile meanwhile).
    for (let attempt = 1; ; attempt++) {
      const now = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { contentDirections: true, updatedAt: true } });
      if (!now) throw profileNotFound();
      const list = directionsOf(now);
      if (list.length + drafted.length > MAX_DIRECTIONS) throw new ConflictError(`a profile holds at most ${MAX_DIRECTIONS} content directions; it has ${list.length}`, 'too_many_directions');
      const done = await ctx.deps.prisma.$transaction(async (tx) => {
        const { count } = await tx.profile.updateMany({
          where: { id, teamId: ctx.actor.teamId, updatedAt: now.updatedAt },
          data: { contentDirections: asJson([...list, ...drafted]), updatedAt: new Date() },
        });
        if (!count) return false;
        await recordCosts(tx, ctx.actor.teamId, costLines, subject);
        return true;
      });
      if (done) break;
      if (attempt >= SAVE_ATTEMPTS) throw new ConflictError('the profile kept changing while the directions were saved; try again', 'profile_changed');
    }
  }
  return { dryRun: false, estimate: cost, result: { ...draft, profileId: profile.id, drafted, saved: !!input.save } };
}
