/**
 * Profiles themselves: list, read, create, update, delete (REST and GraphQL).
 * Creating or updating may add voice samples in the same transaction.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import type { Prisma, Profile } from '../../generated/prisma/client.js';
import { newId } from '../../infra/ids.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { CreateProfileInput, ProfileListInput, UpdateProfileInput } from './inputs.js';
import { addVoiceSamples } from './library.js';
import { asJson, checkInfluencer, PROFILE_INCLUDE, profileId, profileNotFound, profileView, withIds, type PrismaQuery, type ProfileView } from './lookups.js';

/** GET /profiles: newest first, `limit` at a time after the `starting_after` id. */
export async function listProfiles(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<ProfileView>> {
  requireScope(ctx, 'profile:read');
  const input = parseInput(ProfileListInput, raw);
  const where: Prisma.ProfileWhereInput = { teamId: ctx.actor.teamId };
  return keysetPage(input, 'a profile', {
    anchor: (id) => ctx.deps.prisma.profile.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.profile.findMany({ where, include: PROFILE_INCLUDE, ...page }),
  });
}

export async function getProfile(ctx: ServiceContext, id: string): Promise<ProfileView> {
  requireScope(ctx, 'profile:read');
  return profileView(ctx, id);
}

/** For GraphQL: the profile with the caller's selection, or null. */
export async function findProfile(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.ProfileInclude, Prisma.ProfileSelect> = {}): Promise<Profile | null> {
  requireScope(ctx, 'profile:read');
  return ctx.deps.prisma.profile.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

/** For the GraphQL connection: Pothos supplies cursor, take, skip and the selection. */
export async function findProfiles(ctx: ServiceContext, query: Prisma.ProfileFindManyArgs): Promise<Profile[]> {
  requireScope(ctx, 'profile:read');
  return ctx.deps.prisma.profile.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function createProfile(ctx: ServiceContext, raw: unknown): Promise<ProfileView> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(CreateProfileInput, raw);
  if (input.influencerId) await checkInfluencer(ctx, input.influencerId);
  const id = newId('prof_');
  const teamId = ctx.actor.teamId;
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.profile.create({
      data: {
        id,
        teamId,
        name: input.name,
        influencerId: input.influencerId ?? null,
        niche: input.niche ?? null,
        description: input.description ?? null,
        contentDirections: asJson(withIds(input.contentDirections ?? [])),
      },
    });
    if (input.voiceCorpus?.length) await addVoiceSamples(tx, teamId, id, input.voiceCorpus, 'manual');
  });
  return profileView(ctx, id);
}

/**
 * PUT /profiles/:id: the given fields change, the others stay; null clears
 * influencerId, niche and description. `contentDirections` replaces the
 * list (entries keep the ids they carry, new ones get one); `voiceCorpus`
 * adds samples to the corpus (it never removes any).
 */
export async function updateProfile(ctx: ServiceContext, id: string, raw: unknown): Promise<ProfileView> {
  requireScope(ctx, 'profile:write');
  const input = parseInput(UpdateProfileInput, raw);
  await profileId(ctx, id);
  if (input.influencerId) await checkInfluencer(ctx, input.influencerId);
  const data: Prisma.ProfileUncheckedUpdateManyInput = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.influencerId !== undefined ? { influencerId: input.influencerId } : {}),
    ...(input.niche !== undefined ? { niche: input.niche } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.contentDirections !== undefined ? { contentDirections: asJson(withIds(input.contentDirections)) } : {}),
  };
  await ctx.deps.prisma.$transaction(async (tx) => {
    // updateMany with the team filter: a profile deleted meanwhile is a 404, not a write elsewhere.
    const { count } = await tx.profile.updateMany({ where: { id, teamId: ctx.actor.teamId }, data: { ...data, updatedAt: new Date() } });
    if (!count) throw profileNotFound();
    if (input.voiceCorpus?.length) await addVoiceSamples(tx, ctx.actor.teamId, id, input.voiceCorpus, 'manual');
  });
  return profileView(ctx, id);
}

/** Deletes the profile with its voice corpus, media library, batches and content items; returns it as it was. */
export async function deleteProfile(ctx: ServiceContext, id: string): Promise<ProfileView> {
  requireScope(ctx, 'profile:write');
  const profile = await profileView(ctx, id);
  const { count } = await ctx.deps.prisma.profile.deleteMany({ where: { id, teamId: ctx.actor.teamId } });
  if (!count) throw profileNotFound();
  return profile;
}
