/**
 * Leases for work that runs in a process's memory rather than as a durable
 * job (src/infra/jobs.ts): chat runs. Such work cannot be taken over by
 * another process (its state is a provider's open stream), so when its
 * process dies it must be ended, visibly, instead of staying "running"
 * forever with its watchers waiting.
 *
 * - Each process has an owner id. A row of leased work records its owner and
 *   `leaseUntil`; while the work runs, this process renews the leases of
 *   everything it holds every third of RUN_LEASE_MS (one statement per kind).
 * - A sweeper, in every process whatever its role (any process may hold such
 *   work: a worker's eval job chats with agents), claims rows still in the
 *   running status whose lease has expired, with `FOR UPDATE SKIP LOCKED` so
 *   exactly one process takes each, and hands them to the kind's
 *   `interrupt`, which ends them (status and a final event) and tells their
 *   watchers. A live process's rows are never touched: their lease is fresh.
 *   On the embedded database this is the only process, so at start every
 *   running row is an orphan and is ended at once.
 * - All times are the database's clock (`now()`), so processes on machines
 *   whose clocks differ agree on what has expired.
 * - If a process loses a lease it believed it held (it stalled for longer
 *   than the lease and was swept), the work is told (`onLost`) and must stop;
 *   whoever moves a row out of the running status writes its final event, so
 *   there is exactly one.
 * - On a graceful stop, whatever this process still holds is ended the same
 *   way, at once, rather than waiting for the lease to expire.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Sql } from './db/sql.js';
import type { Logger } from './logger.js';

/** The message interrupted work ends with. */
export const INTERRUPTED = 'interrupted: the server process stopped';

export interface LeasedWork {
  /** The table, as named in SQL (a constant, never input); it has `id`, `status`, `leaseOwner`, `leaseUntil`. */
  table: string;
  /** The status a row has while its work runs. */
  running: string;
  /**
   * Ends rows whose process is gone; they are leased to `owner` (this process) for it. Must move each out of
   * the running status only if it is still there and still leased to `owner`, and tell whoever watches it.
   */
  interrupt(ids: string[], owner: string, message: string): Promise<void>;
}

/** Stops the work; resolves once it has stopped writing. */
type OnLost = () => void | Promise<unknown>;

/** How long a graceful stop waits for held work to stop writing before ending it. */
const STOP_WAIT_MS = 2000;

export interface WorkLeasesOptions {
  leaseMs: number;
  /** Embedded database: this is the only process, so running rows found at start are orphans. */
  singleProcess: boolean;
}

/** Rows claimed by one sweep at most (the next sweep takes the rest). */
const SWEEP_BATCH = 100;
const ts = (param: string) => `(now() AT TIME ZONE 'UTC') + ${param}::int * interval '1 millisecond'`;

export class WorkLeases {
  readonly owner = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly kinds = new Map<string, LeasedWork>();
  /** kind → id → what to do if the lease is lost. */
  private readonly held = new Map<string, Map<string, OnLost>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
    readonly opts: WorkLeasesOptions,
  ) {}

  register(kind: string, work: LeasedWork): void {
    if (this.kinds.has(kind)) throw new Error(`leased work ${kind} registered twice`);
    this.kinds.set(kind, work);
    this.held.set(kind, new Map());
  }

  /** SQL for a new row's `leaseUntil` whose lease length is bound as `param` (pass `leaseMs`). */
  static leaseUntilSql(param: string): string {
    return ts(param);
  }

  /**
   * Renews the lease of a row this process has written with `leaseOwner = owner` until `release` is
   * called; `onLost` runs if another process ended it meanwhile (this one was taken for dead).
   */
  hold(kind: string, id: string, onLost: OnLost): () => void {
    const held = this.held.get(kind);
    if (!held) throw new Error(`unknown leased work ${kind}`);
    held.set(id, onLost);
    return () => void held.delete(id);
  }

  /** Sweeps once now (the orphans of a previous process first), then renews and sweeps periodically. */
  async start(): Promise<void> {
    if (this.timer) return;
    await this.sweep(undefined, this.opts.singleProcess);
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    this.timer.unref();
  }

  /** Stops renewing and ends whatever this process still holds (its watchers see the final event now). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const [kind, held] of this.held) {
      const ids = [...held.keys()];
      if (!ids.length) continue;
      const lost = ids.map((id) => held.get(id)!);
      held.clear();
      // Stop them writing first (their last events stored), so the final event follows every other.
      const stopped = Promise.allSettled(lost.map((f) => f()));
      await Promise.race([stopped, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
      await this.kinds
        .get(kind)!
        .interrupt(ids, this.owner, INTERRUPTED)
        .catch((err: unknown) => this.log.warn({ err, kind }, 'could not end the work this process held'));
    }
  }

  /**
   * Ends work of `kind` (every kind by default) whose lease has expired, or, with `orphans`, every row
   * in the running status that this process does not hold. Returns how many were ended.
   */
  async sweep(kind?: string, orphans = false): Promise<number> {
    let ended = 0;
    for (const [name, work] of this.kinds) {
      if (kind && name !== kind) continue;
      try {
        const mine = [...this.held.get(name)!.keys()];
        const claimed = await this.sql.rows<{ id: string }>(
          `lease_claim_${work.table}`,
          `UPDATE "${work.table}" SET "leaseOwner" = $1, "leaseUntil" = ${ts('$2')}
           WHERE id IN (
             SELECT id FROM "${work.table}"
             WHERE status = $3 AND NOT (id = ANY($4::text[]))
               AND ($5::boolean OR "leaseUntil" IS NULL OR "leaseUntil" < (now() AT TIME ZONE 'UTC'))
             LIMIT ${SWEEP_BATCH} FOR UPDATE SKIP LOCKED)
           RETURNING id`,
          [this.owner, this.opts.leaseMs, work.running, mine, orphans],
        );
        if (!claimed.length) continue;
        const ids = claimed.map((r) => r.id);
        this.log.warn({ kind: name, ids }, 'ending work whose process stopped');
        await work.interrupt(ids, this.owner, INTERRUPTED);
        ended += ids.length;
      } catch (err) {
        this.log.warn({ err, kind: name }, 'sweeping interrupted work failed');
      }
    }
    return ended;
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.renew();
      await this.sweep();
    } finally {
      this.ticking = false;
    }
  }

  private async renew(): Promise<void> {
    for (const [name, work] of this.kinds) {
      const held = this.held.get(name)!;
      const ids = [...held.keys()];
      if (!ids.length) continue;
      try {
        const kept = await this.sql.rows<{ id: string }>(
          `lease_renew_${work.table}`,
          `UPDATE "${work.table}" SET "leaseUntil" = ${ts('$2')} WHERE id = ANY($1::text[]) AND "leaseOwner" = $3 AND status = $4 RETURNING id`,
          [ids, this.opts.leaseMs, this.owner, work.running],
        );
        const still = new Set(kept.map((r) => r.id));
        for (const id of ids) {
          const onLost = held.get(id);
          // Not renewed and still held: ended elsewhere (or by its own final write, which releases it right after).
          if (!still.has(id) && onLost) {
            held.delete(id);
            void Promise.resolve(onLost()).catch(() => {});
          }
        }
      } catch (err) {
        this.log.warn({ err, kind: name }, 'renewing leases failed');
      }
    }
  }
}
