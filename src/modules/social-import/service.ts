/**
 * Social import (seed 001): `POST /api/v1/social-import/{x,tiktok}` start a
 * durable job that pages through the account's posts (content:write);
 * `GET /api/v1/social-import/jobs/:jobId` polls it (content:read). Instagram
 * import is gated, as the seed says ("pending Meta scope upgrade"): 403
 * `feature_gated`, and `GET /api/v1/config/features` shows `instagramImport: false`.
 *
 * The job (jobs.ts) stores each page in one transaction with the cursor
 * after it, so a restart resumes where it stood; media go into the
 * profile's media library (`source: imported`, the platform's post id as
 * `externalId`, unique per profile, so nothing is added twice) and post texts
 * into its voice corpus (`source: import`).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma, SocialImport } from '../../generated/prisma/client.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { newId } from '../../infra/ids.js';
import { parseInput } from '../../validation.js';
import type { ImportProgressEvent } from './events.js';
import { ImportListInput, StartImportInput } from './inputs.js';

export const IMPORT_JOB = 'social.import';
export const IMPORTABLE = ['x', 'tiktok', 'instagram'] as const;
export type ImportPlatform = (typeof IMPORTABLE)[number];

export const importNotFound = () => new NotFoundError('No such import job', 'import_not_found');

export async function startImport(ctx: ServiceContext, platform: ImportPlatform, raw: unknown): Promise<SocialImport> {
  requireScope(ctx, 'content:write');
  if (platform === 'instagram') {
    throw new AppError('Instagram import is not available yet: it is pending Meta’s scope upgrade for this app. X and TikTok imports work.', {
      code: 'feature_gated',
      httpStatus: 403,
      type: 'authorization_error',
    });
  }
  const input = parseInput(StartImportInput, raw);
  const account = await ctx.deps.prisma.socialAccount.findFirst({ where: { id: input.accountId, teamId: ctx.actor.teamId } });
  if (!account) throw new NotFoundError('No such account', 'account_not_found');
  if (account.platform !== platform) {
    const where = account.platform === 'x' || account.platform === 'tiktok' ? `; import it with POST /api/v1/social-import/${account.platform}` : '';
    throw new ValidationError(`account ${account.id} is a ${account.platform} account, not a ${platform} one${where}`, 'accountId', 'platform_mismatch');
  }
  if (account.status !== 'connected') throw new ConflictError(`account ${account.id} is disconnected; connect it again to import`, 'account_disconnected', 'accountId');
  const running = await ctx.deps.prisma.socialImport.findFirst({ where: { accountId: account.id, status: { in: ['queued', 'running'] } }, select: { id: true } });
  if (running) throw new ConflictError(`an import of this account is already under way (${running.id})`, 'import_in_progress', 'accountId');
  const id = newId('imp_');
  const row = await ctx.deps.prisma.$transaction(async (tx) => {
    const job = await ctx.deps.jobs.enqueue(IMPORT_JOB, { importId: id }, { teamId: ctx.actor.teamId, tx });
    return tx.socialImport.create({ data: { id, teamId: ctx.actor.teamId, accountId: account.id, profileId: account.profileId, platform, limit: input.limit, jobId: job.id } });
  });
  ctx.deps.jobs.kick();
  return row;
}

export async function getImport(ctx: ServiceContext, id: string): Promise<SocialImport> {
  requireScope(ctx, 'content:read');
  const row = await ctx.deps.prisma.socialImport.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!row) throw importNotFound();
  return row;
}

export function progressEvent(row: SocialImport): ImportProgressEvent {
  return { importId: row.id, status: row.status, imported: row.imported, skipped: row.skipped, error: row.error, at: new Date().toISOString() };
}

export interface ImportFilter {
  status?: string | null;
  accountId?: string | null;
  profileId?: string | null;
  platform?: string | null;
}

function importWhere(ctx: ServiceContext, f: ImportFilter): Prisma.SocialImportWhereInput {
  return {
    teamId: ctx.actor.teamId,
    ...(f.status ? { status: f.status } : {}),
    ...(f.accountId ? { accountId: f.accountId } : {}),
    ...(f.profileId ? { profileId: f.profileId } : {}),
    ...(f.platform ? { platform: f.platform } : {}),
  };
}

/** GET /api/v1/social-import/jobs: the team's import jobs, newest first. */
export async function listImports(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<SocialImport>> {
  requireScope(ctx, 'content:read');
  const input = parseInput(ImportListInput, raw);
  const where = importWhere(ctx, input);
  return keysetPage(input, 'an import job', {
    anchor: (id) => ctx.deps.prisma.socialImport.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.socialImport.findMany({ where, ...page }),
  });
}

/** For the GraphQL connection (filters checked as REST checks them). */
export async function findImports(ctx: ServiceContext, filter: ImportFilter, query: Prisma.SocialImportFindManyArgs): Promise<SocialImport[]> {
  requireScope(ctx, 'content:read');
  const input = parseInput(ImportListInput, Object.fromEntries(Object.entries(filter).filter(([, v]) => v != null)));
  return ctx.deps.prisma.socialImport.findMany({ ...query, where: importWhere(ctx, input), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}
