/**
 * Engagement snapshots: asks each connected account's connector for its
 * follower count and the current numbers of its published posts, and writes
 * one FollowerSnapshot per account and one EngagementSnapshot per post (what
 * the analytics module adds up). The sandbox produces numbers that grow with
 * age; x, tiktok and instagram report theirs. One account's failure is
 * logged and skipped; the others are still captured. The periodic job
 * (jobs.ts) captures every team; an on-demand refresh (analytics) captures
 * the accounts it names.
 */
import type { SocialAccount } from '../../generated/prisma/client.js';
import type { Deps } from '../../context.js';
import { connectorFor, openAccount, PlatformError } from '../connectors/service.js';

export interface CaptureResult {
  accounts: number;
  snapshots: number;
  followerSnapshots: number;
  failures: { accountId: string; error: string }[];
}

export interface AccountCapture {
  accountId: string;
  /** The follower count the platform reported; null when it reports none or failed. */
  followers: number | null;
  /** Engagement snapshots written (one per published post the platform reported). */
  snapshots: number;
  error: string | null;
}

/** What a platform said went wrong, in words safe to show the team; anything else is logged and said as "internal error". */
function failure(deps: Deps, account: SocialAccount, err: unknown, what: string): string {
  if (err instanceof PlatformError) {
    deps.log.warn({ accountId: account.id, error: err.message }, `${what} failed`);
    return err.message;
  }
  deps.log.error({ err, accountId: account.id }, `${what} failed unexpectedly`);
  return 'internal error';
}

/** One account: its followers, then its published posts' engagement (each stored as it arrives). */
export async function captureAccount(deps: Deps, account: SocialAccount, signal?: AbortSignal): Promise<AccountCapture> {
  const connector = connectorFor(deps, account.platform);
  const open = openAccount(deps, account);
  const timeout = () => signal ?? AbortSignal.timeout(deps.config.platforms.timeoutMs);
  const out: AccountCapture = { accountId: account.id, followers: null, snapshots: 0, error: null };
  try {
    out.followers = await connector.followers(open, timeout());
    if (out.followers !== null) {
      await deps.prisma.followerSnapshot.create({ data: { teamId: account.teamId, accountId: account.id, platform: account.platform, followers: out.followers } });
    }
  } catch (err) {
    out.error = failure(deps, account, err, 'follower capture');
  }
  if (!connector.describe.engagement) return out;
  const pubs = await deps.prisma.publication.findMany({
    where: { accountId: account.id, status: 'published', externalId: { not: null } },
    select: { id: true, teamId: true, externalId: true, publishedAt: true },
  });
  if (!pubs.length) return out;
  let metrics;
  try {
    metrics = await connector.engagement(open, pubs.map((p) => ({ externalId: p.externalId!, publishedAt: p.publishedAt ?? new Date() })), timeout());
  } catch (err) {
    out.error ??= failure(deps, account, err, 'engagement capture');
    return out;
  }
  const capturedAt = new Date();
  const rows = pubs.flatMap((p) => {
    const m = metrics.get(p.externalId!);
    return m ? [{ teamId: p.teamId, publicationId: p.id, platform: account.platform, capturedAt, ...m }] : [];
  });
  if (rows.length) await deps.prisma.engagementSnapshot.createMany({ data: rows });
  out.snapshots = rows.length;
  return out;
}

/** Every connected account (of one team, or of all): the periodic capture. */
export async function captureEngagement(deps: Deps, opts: { teamId?: string; signal?: AbortSignal } = {}): Promise<CaptureResult> {
  const accounts = await deps.prisma.socialAccount.findMany({ where: { status: 'connected', ...(opts.teamId ? { teamId: opts.teamId } : {}) } });
  const result: CaptureResult = { accounts: accounts.length, snapshots: 0, followerSnapshots: 0, failures: [] };
  for (const account of accounts) {
    if (opts.signal?.aborted) break;
    const r = await captureAccount(deps, account, opts.signal);
    result.snapshots += r.snapshots;
    if (r.followers !== null) result.followerSnapshots++;
    if (r.error) result.failures.push({ accountId: account.id, error: r.error });
  }
  return result;
}
