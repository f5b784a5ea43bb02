/**
 * Billable use cases of this module (reference packs, previews, wardrobe,
 * photo analysis): what they answer (`dryRun: true` gives the estimate and
 * creates nothing), the image provider their estimate names, and the cost
 * recorded so far for one job or preview.
 */
import type { Deps } from '../../context.js';
import type { CostEstimate } from '../catalog/service.js';

export type Billable<T> = { dryRun: true; estimate: CostEstimate } | { dryRun: false; result: T; estimate: CostEstimate };

export const imageProvider = (deps: Deps) => deps.ai.forImages([]).name;

export async function costOf(deps: Deps, teamId: string, key: 'jobId' | 'previewId', value: string) {
  const agg = await deps.prisma.costRecord.aggregate({ _sum: { totalMicros: true }, where: { teamId, subject: { path: [key], equals: value } } });
  const totalMicros = agg._sum.totalMicros ?? 0;
  return { currency: 'USD' as const, totalMicros, total: totalMicros / 1e6 };
}
