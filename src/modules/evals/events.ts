/**
 * Eval run events, published by the run engine (execution.ts) and the runs
 * service after each write commits:
 *   - on `eval.run`, keyed by run id;
 *   - on `eval.execution`, keyed by `<projectId>:<executionId>` (runs started together);
 *   - on `eval.eval`, keyed by eval id, for the runs of an eval's executions (a watcher waits for the next one).
 *   status   {status, error?, result?}       the run's status changed
 *   message  {index, message}                a message was appended to the transcript (index in run.messages)
 *   verdict  {verdict}                       the judge decided on the transcript so far
 */
export type EvalRunEventType = 'status' | 'message' | 'verdict';

/**
 * What the judge decided on the transcript so far: `pass` (the success
 * criteria are met), `fail` (they are not, or the failure criteria were
 * triggered) or `inconclusive` (it cannot tell from the transcript).
 */
export type JudgeDecision = 'pass' | 'fail' | 'inconclusive';
export const JUDGE_DECISIONS: readonly JudgeDecision[] = ['pass', 'fail', 'inconclusive'];

export interface JudgeVerdict {
  /** Absent on verdicts stored before decisions existed: read it with decisionOf(). */
  decision?: JudgeDecision;
  /** decision === 'pass'. */
  successMet: boolean;
  failureMet: boolean;
  confidence: number;
  reasoning: string;
  /** openai (a model) or embedded (the heuristic judge). */
  provider?: string;
  model?: string;
}

/**
 * A completed run's result. `verdict` says pass, fail or inconclusive;
 * `success` (what EvalStudio clients read) is true only for a pass, so an
 * inconclusive run counts as not passed in pass rates.
 */
export interface RunResult {
  success: boolean;
  verdict: JudgeDecision;
  score: number;
  reason: string;
}

/** A stored result's decision: its verdict, else (results written before verdicts, or by hand without one) pass exactly when success. */
export function resultDecision(result: unknown): JudgeDecision | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as { success?: unknown; verdict?: unknown };
  if (typeof r.verdict === 'string' && (JUDGE_DECISIONS as readonly string[]).includes(r.verdict)) return r.verdict as JudgeDecision;
  return typeof r.success === 'boolean' ? (r.success ? 'pass' : 'fail') : null;
}

export interface EvalRunEvent {
  type: EvalRunEventType;
  runId: string;
  projectId: string;
  executionId: number | null;
  status?: string;
  error?: string | null;
  result?: unknown;
  index?: number;
  message?: unknown;
  verdict?: JudgeVerdict;
  at: string;
}

/** A verdict's decision; verdicts stored before decisions existed say only successMet. */
export const decisionOf = (v: Pick<JudgeVerdict, 'decision' | 'successMet'>): JudgeDecision => v.decision ?? (v.successMet ? 'pass' : 'fail');

export const executionKey = (projectId: string, executionId: number) => `${projectId}:${executionId}`;

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'error']);

/** Publishes a run event on the run's topic and, for runs of an execution, on the execution's. */
export function publishRunEvent(
  pubsub: import('../../events.js').PubSub,
  run: { id: string; projectId: string; executionId: number | null; evalId: string | null },
  ev: Omit<EvalRunEvent, 'runId' | 'projectId' | 'executionId' | 'at'>,
): void {
  const payload: EvalRunEvent = { ...ev, runId: run.id, projectId: run.projectId, executionId: run.executionId, at: new Date().toISOString() };
  pubsub.publish('eval.run', run.id, payload);
  if (run.executionId !== null) pubsub.publish('eval.execution', executionKey(run.projectId, run.executionId), payload);
  if (run.executionId !== null && run.evalId !== null) pubsub.publish('eval.eval', run.evalId, payload);
}
