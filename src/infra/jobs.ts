/**
 * Durable background jobs in the database (the `Job` table), for work that
 * must survive a restart: content batches, reference packs, previews, videos.
 *
 * - Enqueue inside the caller's transaction, so a job exists exactly when the
 *   record it works on does.
 * - Any number of processes claim due jobs with `FOR UPDATE SKIP LOCKED` and
 *   hold them by lease; a heartbeat extends the lease while the handler runs.
 *   A job whose worker died is claimed again once its lease has expired (on
 *   the embedded database only one process can exist, so at start every
 *   running job is taken back at once).
 * - Execution is at least once: a handler must be idempotent (check what is
 *   already done, write each step's result in one transaction).
 * - A failure is retried with exponential backoff and jitter up to
 *   `maxAttempts`, then the job is `failed` with its last error kept and the
 *   kind's `onFailed` runs, so the record it worked on never stays "running".
 *   `PermanentJobError` fails at once (retrying cannot help).
 */
import { randomUUID } from 'node:crypto';
import type { Job, Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from './db/client.js';
import type { Logger } from './logger.js';

/** A failure that retrying cannot fix (bad input, a deleted record). */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** A failed attempt whose handler chose when to try again (e.g. to show that time to users); counted like any failure. */
export class RetryJobError extends Error {
  override name = 'RetryJobError';
  constructor(message: string, readonly delayMs: number) {
    super(message);
  }
}

/** Not a failure: the job cannot start yet (e.g. an earlier job on the same record runs); run it again after `delayMs`, attempt not counted. */
export class DeferJob extends Error {
  override name = 'DeferJob';
  constructor(readonly delayMs: number, reason = 'deferred') {
    super(reason);
  }
}

export interface JobContext {
  job: Job;
  /** Aborted when the lease was lost (another worker took the job) or the process is stopping. */
  signal: AbortSignal;
  /** Stores a progress figure (0–100 or a count: the kind decides) on the job row. */
  progress(value: number): Promise<void>;
}

export interface JobKind<P> {
  run(payload: P, jc: JobContext): Promise<Prisma.InputJsonValue | void>;
  /** Called once when the job is given up (attempts exhausted or a PermanentJobError). */
  onFailed?(payload: P, error: string, job: Job): Promise<void>;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, ±50 % jitter, capped at 5 minutes. */
  backoffMs?: number;
}

type Tx = Pick<PrismaClient, 'job'>;

export interface JobQueueOptions {
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  /** Embedded database: this is the only process, so running jobs at start are orphans. */
  singleProcess: boolean;
}

const MAX_BACKOFF_MS = 5 * 60_000;

export function backoffDelay(attempt: number, baseMs: number, random = Math.random): number {
  const exp = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random()));
}

export class JobQueue {
  readonly workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly kinds = new Map<string, JobKind<unknown>>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private stopped = true;
  private kickPending = false;
  /** Told the outcome of every attempt this process runs (metrics). */
  onAttempt: (kind: string, outcome: 'succeeded' | 'retried' | 'failed' | 'deferred') => void = () => {};

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    private readonly opts: JobQueueOptions,
  ) {}

  register<P>(kind: string, handler: JobKind<P>): void {
    if (this.kinds.has(kind)) throw new Error(`job kind ${kind} registered twice`);
    this.kinds.set(kind, handler as JobKind<unknown>);
  }

  /** Adds a job; pass the transaction client to enqueue atomically with the caller's writes. */
  async enqueue(
    kind: string,
    payload: Prisma.InputJsonValue,
    opts: { teamId?: string | null; runAt?: Date; maxAttempts?: number; tx?: Tx } = {},
  ): Promise<Job> {
    const handler = this.kinds.get(kind);
    if (!handler) throw new Error(`unknown job kind ${kind}`);
    const job = await (opts.tx ?? this.prisma).job.create({
      data: {
        kind,
        payload,
        teamId: opts.teamId ?? null,
        runAt: opts.runAt ?? new Date(),
        maxAttempts: opts.maxAttempts ?? handler.maxAttempts ?? 5,
      },
    });
    // Outside a transaction the job is visible now; inside one, the caller calls kick() after commit.
    if (!opts.tx) this.kick();
    return job;
  }

  /** Looks for due jobs now instead of at the next poll (after a commit that enqueued one). */
  kick(): void {
    if (this.stopped || this.kickPending) return;
    this.kickPending = true;
    setImmediate(() => {
      this.kickPending = false;
      void this.poll();
    });
  }

  /** A retry or deferral is due before the next poll would find it: look then (the poll still catches it if this process stops). */
  private kickAfter(ms: number): void {
    if (ms < this.opts.pollMs) setTimeout(() => this.kick(), ms + 5).unref();
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.opts.concurrency === 0) return;
    if (this.opts.singleProcess) {
      const { count } = await this.prisma.job.updateMany({ where: { status: 'running' }, data: { leaseUntil: new Date(0) } });
      if (count) this.log.info({ jobs: count }, 'taking back jobs left running by the previous process');
    }
    this.timer = setInterval(() => void this.poll(), this.opts.pollMs);
    this.timer.unref();
    this.kick();
  }

  /**
   * Stops claiming, waits up to `graceMs` for running jobs, then aborts the
   * rest and hands them back (lease expired now) for another worker or the next start.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const all = [...this.running.values()];
    if (!all.length) return;
    const settled = Promise.all(all.map((r) => r.done));
    const timedOut = await Promise.race([settled.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (!timedOut) return;
    const ids = [...this.running.keys()];
    for (const r of this.running.values()) r.abort.abort(new Error('the process is stopping'));
    await Promise.race([settled, new Promise((r) => setTimeout(r, 1000).unref())]);
    await this.prisma.job
      .updateMany({ where: { id: { in: ids }, leaseOwner: this.workerId, status: 'running' }, data: { status: 'queued', leaseOwner: null, leaseUntil: null, runAt: new Date() } })
      .catch((err) => this.log.warn({ err }, 'could not hand back running jobs'));
  }

  /** Marks a queued or running job cancelled; a running handler sees its signal aborted at the next heartbeat. */
  async cancel(jobId: string): Promise<boolean> {
    const { count } = await this.prisma.job.updateMany({
      where: { id: jobId, status: { in: ['queued', 'running'] } },
      data: { status: 'cancelled', finishedAt: new Date(), leaseOwner: null, leaseUntil: null },
    });
    this.running.get(jobId)?.abort.abort(new Error('cancelled'));
    return count > 0;
  }

  /** Waits until no job of this process is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private async poll(): Promise<void> {
    if (this.stopped || this.polling) return;
    const free = this.opts.concurrency - this.running.size;
    if (free <= 0 || this.kinds.size === 0) return;
    this.polling = true;
    try {
      const jobs = await this.claim(free);
      for (const job of jobs) this.execute(job);
      // More may be due than we had room for: look again once one finishes (execute kicks).
    } catch (err) {
      this.log.error({ err }, 'claiming jobs failed');
    } finally {
      this.polling = false;
    }
  }

  private async claim(limit: number): Promise<Job[]> {
    const kinds = [...this.kinds.keys()];
    const leaseMs = this.opts.leaseMs;
    return this.prisma.$queryRaw<Job[]>`
      UPDATE "Job" SET status = 'running', "leaseOwner" = ${this.workerId},
        "leaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}::float8),
        attempts = attempts + 1, "updatedAt" = now()
      WHERE id IN (
        SELECT id FROM "Job"
        WHERE kind = ANY(${kinds}::text[])
          AND ((status = 'queued' AND "runAt" <= now()) OR (status = 'running' AND "leaseUntil" < now()))
        ORDER BY "runAt", "createdAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING *`;
  }

  private execute(job: Job): void {
    const handler = this.kinds.get(job.kind)!;
    const abort = new AbortController();
    const heartbeat = setInterval(() => void this.renew(job.id, abort), Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    heartbeat.unref();
    const jc: JobContext = {
      job,
      signal: abort.signal,
      progress: async (value) => {
        await this.prisma.job.updateMany({ where: { id: job.id, leaseOwner: this.workerId }, data: { progress: Math.round(value) } });
      },
    };
    const done = (async () => {
      try {
        if (job.attempts > job.maxAttempts) {
          // Claimed again after its lease ran out more times than it may run: it keeps killing its worker.
          await this.finishFailed(job, handler, `gave up after ${job.maxAttempts} attempts (the worker stopped before finishing)`);
          return;
        }
        const result = await handler.run(job.payload, jc);
        await this.prisma.job.updateMany({
          where: { id: job.id, leaseOwner: this.workerId, status: 'running' },
          data: { status: 'succeeded', result: result ?? undefined, finishedAt: new Date(), leaseOwner: null, leaseUntil: null, lastError: null },
        });
        this.onAttempt(job.kind, 'succeeded');
      } catch (err) {
        if (abort.signal.aborted) return; // lease lost, cancelled or stopping: someone else owns what happens next
        if (err instanceof DeferJob) {
          await this.prisma.job.updateMany({
            where: { id: job.id, leaseOwner: this.workerId, status: 'running' },
            data: { status: 'queued', runAt: new Date(Date.now() + err.delayMs), attempts: { decrement: 1 }, leaseOwner: null, leaseUntil: null },
          });
          this.kickAfter(err.delayMs);
          this.onAttempt(job.kind, 'deferred');
          return;
        }
        const message = err instanceof Error ? err.message : String(err);
        const permanent = err instanceof PermanentJobError;
        if (permanent || job.attempts >= job.maxAttempts) {
          this.log.warn({ err, jobId: job.id, kind: job.kind, attempts: job.attempts }, 'job failed');
          await this.finishFailed(job, handler, message);
          this.onAttempt(job.kind, 'failed');
        } else {
          const delay = err instanceof RetryJobError ? err.delayMs : backoffDelay(job.attempts, handler.backoffMs ?? 1000);
          this.log.info({ jobId: job.id, kind: job.kind, attempt: job.attempts, retryInMs: delay, error: message }, 'job attempt failed; retrying');
          await this.prisma.job.updateMany({
            where: { id: job.id, leaseOwner: this.workerId, status: 'running' },
            data: { status: 'queued', runAt: new Date(Date.now() + delay), lastError: message, leaseOwner: null, leaseUntil: null },
          });
          this.kickAfter(delay);
          this.onAttempt(job.kind, 'retried');
        }
      }
    })()
      .catch((err) => this.log.error({ err, jobId: job.id }, 'recording a job’s outcome failed'))
      .finally(() => {
        clearInterval(heartbeat);
        this.running.delete(job.id);
        this.kick();
      });
    this.running.set(job.id, { abort, done });
  }

  private async finishFailed(job: Job, handler: JobKind<unknown>, error: string): Promise<void> {
    const { count } = await this.prisma.job.updateMany({
      where: { id: job.id, leaseOwner: this.workerId, status: 'running' },
      data: { status: 'failed', lastError: error, finishedAt: new Date(), leaseOwner: null, leaseUntil: null },
    });
    if (count && handler.onFailed) await handler.onFailed(job.payload, error, job);
  }

  private async renew(jobId: string, abort: AbortController): Promise<void> {
    if (abort.signal.aborted) return;
    try {
      const leaseMs = this.opts.leaseMs;
      const n = await this.prisma.$executeRaw`
        UPDATE "Job" SET "leaseUntil" = now() + make_interval(secs => ${leaseMs / 1000}::float8)
        WHERE id = ${jobId} AND "leaseOwner" = ${this.workerId} AND status = 'running'`;
      if (n === 0) abort.abort(new Error('the job’s lease was lost or it was cancelled'));
    } catch (err) {
      this.log.warn({ err, jobId }, 'renewing a job lease failed');
    }
  }
}
