/**
 * Engagement snapshots: asks each connected account's connector for the
 * current numbers of its published posts and writes one EngagementSnapshot
 * per post (what the analytics module adds up). The sandbox produces numbers
 * that grow with a post's age; x, tiktok and instagram report theirs. One
 * account's failure is logged and skipped; the others are still captured.
 */
import type { Deps } from '../../context.js';
import { connectorFor, openAccount, PlatformError } from '../connectors/service.js';

export interface CaptureResult {
  accounts: number;
  snapshots: number;
  failures: { accountId: string; error: string }[];
}

export async function captureEngagement(deps: Deps, opts: { teamId?: string; signal?: AbortSignal } = {}): Promise<CaptureResult> {
  const accounts = await deps.prisma.socialAccount.findMany({
    where: { status: 'connected', ...(opts.teamId ? { teamId: opts.teamId } : {}), publications: { some: { status: 'published' } } },
  });
  const result: CaptureResult = { accounts: accounts.length, snapshots: 0, failures: [] };
  for (const account of accounts) {
    const connector = connectorFor(deps, account.platform);
    if (!connector.describe.engagement) continue;
    const pubs = await deps.prisma.publication.findMany({
      where: { accountId: account.id, status: 'published', externalId: { not: null } },
      select: { id: true, teamId: true, externalId: true, publishedAt: true },
    });
    let metrics;
    try {
      metrics = await connector.engagement(
        openAccount(deps, account),
        pubs.map((p) => ({ externalId: p.externalId!, publishedAt: p.publishedAt ?? new Date() })),
        opts.signal ?? AbortSignal.timeout(deps.config.platforms.timeoutMs),
      );
    } catch (err) {
      const error = err instanceof PlatformError ? err.message : 'internal error';
      if (!(err instanceof PlatformError)) deps.log.error({ err, accountId: account.id }, 'engagement capture failed unexpectedly');
      else deps.log.warn({ accountId: account.id, error }, 'engagement capture failed');
      result.failures.push({ accountId: account.id, error });
      continue;
    }
    const capturedAt = new Date();
    const rows = pubs.flatMap((p) => {
      const m = metrics.get(p.externalId!);
      return m ? [{ teamId: p.teamId, publicationId: p.id, platform: account.platform, capturedAt, ...m }] : [];
    });
    if (rows.length) await deps.prisma.engagementSnapshot.createMany({ data: rows });
    result.snapshots += rows.length;
  }
  return result;
}
