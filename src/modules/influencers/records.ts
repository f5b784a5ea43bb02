/**
 * What the use-case files of this module share about an influencer row: ids,
 * the JSON-object reader, the team-scoped lookup (another team's id is 404)
 * and the conditional read-modify-write of its JSON columns (ingredients,
 * wardrobe, references), retried so two concurrent patches never lose each
 * other's fields.
 */
import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { Influencer, Prisma } from '../../generated/prisma/client.js';

export const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;

type Json = Record<string, unknown>;
export const jsonObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Pothos' selection for the caller's GraphQL query, spread into Prisma calls. */
export type PrismaQuery<Include, Select> = { include?: Include; select?: Select };

export const influencerNotFound = () => new NotFoundError('Influencer not found', 'influencer_not_found');

export async function findOwn(ctx: ServiceContext, id: string): Promise<Influencer> {
  const inf = await ctx.deps.prisma.influencer.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!inf) throw influencerNotFound();
  return inf;
}

/**
 * Read-modify-write of one influencer: `change` sees the current row and
 * answers the update; the write only lands if nobody wrote in between
 * (updatedAt), else it is tried again with the new row.
 */
export async function modify(
  ctx: ServiceContext,
  id: string,
  change: (inf: Influencer, tx: Prisma.TransactionClient) => Promise<Prisma.InfluencerUpdateManyMutationInput | null>,
): Promise<Influencer> {
  for (let attempt = 0; ; attempt++) {
    const inf = await findOwn(ctx, id);
    const done = await ctx.deps.prisma.$transaction(async (tx) => {
      const data = await change(inf, tx);
      if (!data) return true;
      const { count } = await tx.influencer.updateMany({ where: { id, teamId: ctx.actor.teamId, updatedAt: inf.updatedAt }, data });
      if (!count) throw new Retry();
      return true;
    }).catch((e) => {
      if (e instanceof Retry && attempt < 5) return false;
      if (e instanceof Retry) throw new ConflictError('the influencer changed while this request ran; retry', 'influencer_changed');
      throw e;
    });
    if (done) return findOwn(ctx, id);
  }
}
class Retry extends Error {}
