/**
 * Live run events, each stream built on storedThenLive: a run's (its stored
 * state, then what happens next, until it ends) and an execution's (each run's
 * status, then every event of its runs, until all have ended).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { seqCursor, storedThenLive } from '../../infra/live-replay.js';
import { resolveProject } from '../projects/service.js';
import { type EvalRunEvent, executionKey, TERMINAL_STATUSES } from './events.js';
import { getRunById } from './runs.js';
import { findEval } from './evals.js';

/**
 * A run's events: first its stored state (status, then each message so far),
 * then live ones (messages numbered by their index in the transcript, so
 * repeats are dropped and a gap is read back from the store); ends once the
 * run has completed or failed. A `queued` status (a retry) starts the
 * transcript over.
 */
export async function* runEvents(ctx: ServiceContext, runId: string): AsyncGenerator<EvalRunEvent> {
  requireScope(ctx, 'eval:read');
  const first = await getRunById(ctx, runId);
  const at = () => new Date().toISOString();
  const transcript = (messages: unknown) => (Array.isArray(messages) ? messages : []) as unknown[];
  const base = { runId: first.id, projectId: first.projectId, executionId: first.executionId };
  const messageEvent = (index: number, message: unknown): EvalRunEvent => ({ ...base, type: 'message', index, message, at: at() });
  // Message i is seq i + 1; a gap is read back from the stored transcript.
  const newCursor = () =>
    seqCursor<EvalRunEvent>(
      0,
      (e) => (e.index ?? 0) + 1,
      async (afterSeq, beforeSeq) => {
        const now = await ctx.deps.prisma.evalRun.findUnique({ where: { id: first.id }, select: { messages: true } });
        return transcript(now?.messages).slice(afterSeq, beforeSeq - 1).map((m, i) => messageEvent(afterSeq + i, m));
      },
    );
  let cursor = newCursor();
  let endedBefore = false;
  let watching = false; // the stored status says where the run stands; only a live one ends the stream
  yield* storedThenLive<EvalRunEvent>({
    live: ctx.deps.pubsub.subscribe('eval.run', first.id),
    stored: async () => {
      const run = await getRunById(ctx, runId);
      endedBefore = TERMINAL_STATUSES.has(run.status);
      const status: EvalRunEvent = { ...base, type: 'status', status: run.status, error: run.error, ...(run.result ? { result: run.result } : {}), at: at() };
      return [status, ...transcript(run.messages).map((m, index) => messageEvent(index, m))];
    },
    admit: (e, phase) => {
      if (e.type === 'message') return cursor.admit(e, phase);
      if (e.type === 'status' && e.status === 'queued') cursor = newCursor(); // retried: the transcript starts over
      return [e];
    },
    settled: async () => {
      watching = true;
      return endedBefore ? [] : null;
    },
    ends: (e) => watching && e.type === 'status' && !!e.status && TERMINAL_STATUSES.has(e.status),
  });
}

/** Each run's current status, then every event of the execution's runs, live; ends when all its runs have ended. */
export async function* executionEvents(ctx: ServiceContext, projectRef: string, executionId: number): AsyncGenerator<EvalRunEvent> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  let runs: { id: string; status: string; error: string | null }[] = [];
  let open: Set<string> | null = null; // the runs still going: known once every stored status is sent, so none of those ends the stream
  yield* storedThenLive<EvalRunEvent>({
    live: ctx.deps.pubsub.subscribe('eval.execution', executionKey(project.id, executionId)),
    stored: async () => {
      runs = await ctx.deps.prisma.evalRun.findMany({
        where: { teamId: ctx.actor.teamId, projectId: project.id, executionId },
        select: { id: true, status: true, error: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      if (!runs.length) throw new NotFoundError('Execution not found', 'execution_not_found');
      // First where each run stands now, then what happens next.
      return runs.map((r): EvalRunEvent => ({ type: 'status', runId: r.id, projectId: project.id, executionId, status: r.status, error: r.error, at: new Date().toISOString() }));
    },
    settled: async () => {
      open = new Set(runs.filter((r) => !TERMINAL_STATUSES.has(r.status)).map((r) => r.id));
      return open.size ? null : [];
    },
    admit: (e, phase) => {
      if (phase === 'live' && e.type === 'status' && e.status) {
        if (TERMINAL_STATUSES.has(e.status)) open!.delete(e.runId);
        else open!.add(e.runId);
      }
      return [e];
    },
    ends: (e) => e.type === 'status' && !!e.status && open?.size === 0,
  });
}

/** What a watcher of an eval's next execution receives: `waiting` once it listens, then the execution's run events. */
export type NextExecutionEvent = { type: 'waiting'; evalId: string; executionId: null; event: null } | { type: 'run'; evalId: string; executionId: number; event: EvalRunEvent };

/**
 * The next execution of an eval, watched from before it starts: first
 * `waiting` (the watch is listening), then every event of the runs of the
 * first execution that starts after it, until all of them have ended. The
 * runs of an execution are created together before any of their events, so
 * the first event names the execution and the database its runs.
 */
export async function* nextExecutionEvents(ctx: ServiceContext, projectRef: string, evalId: string): AsyncGenerator<NextExecutionEvent> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  const ev = await findEval(ctx, project.id, evalId);
  const live = ctx.deps.pubsub.subscribe('eval.eval', ev.id);
  const iterator = live[Symbol.asyncIterator]();
  try {
    // Listening starts with the first pull; `waiting` goes out once it has.
    const first = iterator.next();
    yield { type: 'waiting', evalId: ev.id, executionId: null, event: null };
    let executionId: number | null = null;
    let open = new Set<string>();
    for (let next = await first; !next.done; next = await iterator.next()) {
      const e = next.value;
      if (e.projectId !== project.id || e.executionId === null) continue;
      if (executionId === null) {
        executionId = e.executionId;
        const runs = await ctx.deps.prisma.evalRun.findMany({ where: { teamId: ctx.actor.teamId, projectId: project.id, executionId }, select: { id: true } });
        open = new Set(runs.map((r) => r.id));
      }
      if (e.executionId !== executionId) continue;
      yield { type: 'run', evalId: ev.id, executionId, event: e };
      if (e.type === 'status' && e.status) {
        if (TERMINAL_STATUSES.has(e.status)) open.delete(e.runId);
        else open.add(e.runId);
      }
      if (open.size === 0) return;
    }
  } finally {
    await iterator.return?.();
  }
}
