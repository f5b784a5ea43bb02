/**
 * The durable job queue (src/infra/jobs.ts) on the real database: jobs run
 * once, failures are retried with backoff and then given up with the error
 * kept, a dead worker's job is claimed again after its lease, two queues
 * never run one job twice, cancel and stop behave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue, PermanentJobError, backoffDelay } from '../src/infra/jobs.js';
import { createLogger } from '../src/infra/logger.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
const log = createLogger('silent');

beforeAll(async () => {
  s = await startTestServer({ JOB_POLL_MS: '50', JOB_LEASE_MS: '600', JOB_CONCURRENCY: '4' });
});
afterAll(async () => s?.close());

const prisma = () => s.app.deps.prisma;

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const finished = (id: string) =>
  until(async () => {
    const j = await prisma().job.findUnique({ where: { id } });
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.status) ? j : null;
  }, `job ${id} to finish`);

describe('the job queue', () => {
  it('runs an enqueued job once and keeps its result and progress', async () => {
    const runs: unknown[] = [];
    s.app.deps.jobs.register<{ n: number }>('test.double', {
      async run(payload, jc) {
        runs.push(payload);
        await jc.progress(50);
        return { doubled: payload.n * 2 };
      },
    });
    const job = await s.app.deps.jobs.enqueue('test.double', { n: 21 });
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result).toEqual({ doubled: 42 });
    expect(done.progress).toBe(50);
    expect(done.attempts).toBe(1);
    expect(done.leaseOwner).toBeNull();
    expect(runs).toEqual([{ n: 21 }]);
  });

  it('retries a failing job with backoff, keeping the last error, until it succeeds', async () => {
    let calls = 0;
    s.app.deps.jobs.register('test.flaky', {
      backoffMs: 20,
      async run() {
        calls++;
        if (calls < 3) throw new Error(`flake ${calls}`);
        return { calls };
      },
    });
    const job = await s.app.deps.jobs.enqueue('test.flaky', {});
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(3);
    expect(done.result).toEqual({ calls: 3 });
  });

  it('gives up after maxAttempts with the error kept and onFailed called once; a permanent error fails at once', async () => {
    const failedWith: string[] = [];
    s.app.deps.jobs.register('test.broken', {
      backoffMs: 10,
      maxAttempts: 3,
      async run() {
        throw new Error('the provider is down');
      },
      async onFailed(_p, error) {
        failedWith.push(error);
      },
    });
    const job = await s.app.deps.jobs.enqueue('test.broken', {});
    const done = await finished(job.id);
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(3);
    expect(done.lastError).toBe('the provider is down');
    expect(failedWith).toEqual(['the provider is down']);

    s.app.deps.jobs.register('test.permanent', {
      async run() {
        throw new PermanentJobError('the record is gone');
      },
    });
    const p = await finished((await s.app.deps.jobs.enqueue('test.permanent', {})).id);
    expect(p.status).toBe('failed');
    expect(p.attempts).toBe(1);
    expect(p.lastError).toBe('the record is gone');
  });

  it('claims a job again once the lease of a worker that died has expired', async () => {
    const ran: string[] = [];
    s.app.deps.jobs.register('test.orphan', {
      async run(_p, jc) {
        ran.push(jc.job.leaseOwner ?? '');
        return { attempt: jc.job.attempts };
      },
    });
    // As a worker that claimed it and then died would leave it: running, lease ending soon, not ours.
    const job = await prisma().job.create({
      data: { kind: 'test.orphan', status: 'running', attempts: 1, leaseOwner: 'dead-worker', leaseUntil: new Date(Date.now() + 300) },
    });
    const done = await finished(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(ran).toEqual([s.app.deps.jobs.workerId]);
  });

  it('keeps extending the lease of a long job, so nobody else takes it while it runs', async () => {
    const second = new JobQueue(prisma(), log, { leaseMs: 600, pollMs: 30, concurrency: 2, singleProcess: false });
    let runs = 0;
    const handler = {
      async run() {
        runs++;
        await new Promise((r) => setTimeout(r, 2000)); // more than three leases
        return {};
      },
    };
    s.app.deps.jobs.register('test.long', handler);
    second.register('test.long', handler);
    await second.start();
    try {
      const job = await s.app.deps.jobs.enqueue('test.long', {});
      const done = await finished(job.id);
      expect(done.status).toBe('succeeded');
      expect(done.attempts).toBe(1);
      expect(runs).toBe(1);
    } finally {
      await second.stop(1000);
    }
  });

  it('two queues on one database run each of 30 jobs exactly once', async () => {
    const second = new JobQueue(prisma(), log, { leaseMs: 5000, pollMs: 20, concurrency: 4, singleProcess: false });
    const seen: Record<number, string[]> = {};
    const make = (who: string) => ({
      async run(p: { i: number }) {
        (seen[p.i] ??= []).push(who);
        await new Promise((r) => setTimeout(r, 5));
        return {};
      },
    });
    s.app.deps.jobs.register('test.shared', make('first'));
    second.register('test.shared', make('second'));
    await second.start();
    try {
      const jobs = await Promise.all(Array.from({ length: 30 }, (_, i) => s.app.deps.jobs.enqueue('test.shared', { i })));
      for (const j of jobs) expect((await finished(j.id)).status).toBe('succeeded');
      expect(Object.keys(seen)).toHaveLength(30);
      for (const runs of Object.values(seen)) expect(runs).toHaveLength(1);
    } finally {
      await second.stop(1000);
    }
  });

  it('cancels a queued job before it runs and aborts a running one', async () => {
    let started = false;
    let aborted = false;
    s.app.deps.jobs.register('test.cancel', {
      async run(_p, jc) {
        started = true;
        await new Promise<void>((resolve) => jc.signal.addEventListener('abort', () => ((aborted = true), resolve())));
        throw new Error('aborted');
      },
    });
    const later = await s.app.deps.jobs.enqueue('test.cancel', {}, { runAt: new Date(Date.now() + 60_000) });
    expect(await s.app.deps.jobs.cancel(later.id)).toBe(true);
    expect((await prisma().job.findUniqueOrThrow({ where: { id: later.id } })).status).toBe('cancelled');

    const running = await s.app.deps.jobs.enqueue('test.cancel', {});
    await until(async () => started, 'the job to start');
    expect(await s.app.deps.jobs.cancel(running.id)).toBe(true);
    await until(async () => aborted, 'the handler to see the abort');
    const row = await prisma().job.findUniqueOrThrow({ where: { id: running.id } });
    expect(row.status).toBe('cancelled');
    expect(await s.app.deps.jobs.cancel(running.id)).toBe(false);
  });

  it('on stop, hands a job it could not finish back to the queue for the next worker', async () => {
    const q = new JobQueue(prisma(), log, { leaseMs: 5000, pollMs: 20, concurrency: 1, singleProcess: false });
    let started = false;
    q.register('test.handback', {
      async run(_p, jc) {
        started = true;
        await new Promise((r) => jc.signal.addEventListener('abort', r));
        throw new Error('stopped');
      },
    });
    await q.start();
    const job = await q.enqueue('test.handback', {});
    await until(async () => started, 'the job to start');
    await q.stop(50);
    const row = await prisma().job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe('queued');
    expect(row.leaseOwner).toBeNull();
    expect(row.attempts).toBe(1);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, 1000, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, 1000, () => 0.5)).toBe(4000);
    expect(backoffDelay(3, 1000, () => 0)).toBe(2000);
    expect(backoffDelay(3, 1000, () => 0.999)).toBeLessThan(6000);
    expect(backoffDelay(30, 1000, () => 0.5)).toBe(5 * 60_000);
  });
});
