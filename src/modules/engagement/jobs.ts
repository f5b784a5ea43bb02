/**
 * The periodic engagement job (`engagement.capture`): captures snapshots
 * (service.ts), then schedules its next run ENGAGEMENT_POLL_MS later. At
 * start a process schedules one unless a run is already queued or running
 * (with several processes two may race to do so; a second chain only means
 * snapshots twice as often).
 */
import type { Deps } from '../../context.js';
import { captureEngagement } from './service.js';

export const ENGAGEMENT_JOB = 'engagement.capture';

export function registerEngagementJobs(deps: Deps): void {
  deps.jobs.register<Record<string, never>>(ENGAGEMENT_JOB, {
    maxAttempts: 1,
    async run(_payload, jc) {
      try {
        const r = await captureEngagement(deps, { signal: jc.signal });
        if (r.snapshots || r.followerSnapshots || r.failures.length) deps.log.info({ ...r, failures: r.failures.length }, 'engagement captured');
        return { accounts: r.accounts, snapshots: r.snapshots, followerSnapshots: r.followerSnapshots, failures: r.failures.length };
      } finally {
        if (!jc.signal.aborted) await deps.jobs.enqueue(ENGAGEMENT_JOB, {}, { runAt: new Date(Date.now() + deps.config.platforms.engagementPollMs) });
      }
    },
  });
}

/** Schedules the first run unless one is already waiting (called once the queue starts). */
export async function scheduleEngagement(deps: Deps): Promise<void> {
  const pending = await deps.prisma.job.findFirst({ where: { kind: ENGAGEMENT_JOB, status: { in: ['queued', 'running'] } }, select: { id: true } });
  if (!pending) await deps.jobs.enqueue(ENGAGEMENT_JOB, {}, { runAt: new Date(Date.now() + deps.config.platforms.engagementPollMs) });
}
