/**
 * The run engine, as durable jobs (`eval.run`, payload {runId}).
 *
 * Concurrency: a job first claims a slot for its run inside a transaction
 * that locks the project row: at most `maxConcurrency` runs of a project are
 * `running` at once, across every process. A run that finds the project full
 * becomes `pending` and its job is deferred briefly (attempts not counted).
 *
 * A run: the simulated user's system message (persona + scenario + goal) and
 * the seed messages; the simulated user writes when the last message is not
 * the user's; while user+assistant messages < maxMessages: the connector
 * answers (its reply appended, tool calls included), the judge rules on the
 * transcript and the evaluators run; it stops on success, on failure in
 * `every_turn` mode, or on a failed assertion; else the user writes again.
 * Each step is stored before the next (messages, thread cursor, totals), so
 * a run taken over after its process died continues where it was stored.
 * A cancelled run (status changed under it) stops at its next write.
 */
import type { EvalConnector, EvalRun, Persona, Prisma, Scenario } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { jobContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import { DeferJob, type JobContext } from '../../infra/jobs.js';
import { deliverAfterCommit, emitEvent } from '../webhooks/service.js';
import { getProjectConfig } from '../projects/service.js';
import { invokeConnector, recoverLangGraphTurn, type RunMessage, type TokensUsage } from './connector-clients.js';
import { metricsOf, runEvaluators, unknownEvaluator, type EvaluatorResult } from './evaluators.js';
import { decisionOf, publishRunEvent, type JudgeVerdict, type RunResult } from './events.js';
import { judge } from './judge.js';
import { evalLlm } from './llm.js';
import { scenarioEvaluators, scenarioSeed } from './scenarios.js';
import { buildSystemPrompt, nextUserTurn } from './simulated-user.js';
import { stampMessages } from './transcript.js';

export const RUN_JOB = 'eval.run';
/** How long a run waits before looking for a free slot again when its project is full. */
const FULL_RETRY_MS = 250;

export interface RunStats extends TokensUsage {
  calls: number;
  totalLatencyMs: number;
  evaluation?: JudgeVerdict | null;
  evaluatorResults?: EvaluatorResult[];
  /** Set while a turn is out at a langgraph connector: how many conversation messages were sent (see recoverLangGraphTurn). */
  sending?: number | null;
}

export const emptyStats = (): RunStats => ({ calls: 0, totalLatencyMs: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0 });
export const runStats = (r: Pick<EvalRun, 'stats'>): RunStats => ({ ...emptyStats(), ...((r.stats as Partial<RunStats> | null) ?? {}) });

/** The run fails with this message (status `error`). */
class RunFailure extends Error {}
/** The run is no longer ours to write (cancelled, deleted, taken over): stop quietly. */
class RunGone extends Error {}

export function registerEvalJobs(deps: Deps): void {
  deps.jobs.register<{ runId: string }>(RUN_JOB, {
    maxAttempts: 3,
    backoffMs: 1000,
    run: (payload, jc) => processRun(deps, payload.runId, jc),
    async onFailed(payload) {
      const run = await deps.prisma.evalRun.findUnique({ where: { id: payload.runId } });
      if (run && !['completed', 'error'].includes(run.status)) await finish(deps, run, { status: 'error', error: 'internal server error' });
    },
  });
}

type Claim = 'claimed' | 'full' | 'skip';

/** Takes one of the project's concurrency slots for the run, under a lock on the project row. */
async function claimSlot(deps: Deps, run: EvalRun, maxConcurrency: number): Promise<{ claim: Claim; run: EvalRun | null; changed: boolean }> {
  return deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Project" WHERE id = ${run.projectId} FOR UPDATE`;
    const current = await tx.evalRun.findUnique({ where: { id: run.id } });
    if (!current || (current.jobId && current.jobId !== run.jobId)) return { claim: 'skip' as Claim, run: null, changed: false };
    if (current.status === 'running') return { claim: 'claimed' as Claim, run: current, changed: false }; // taken over after a dead worker
    if (current.status !== 'queued' && current.status !== 'pending') return { claim: 'skip' as Claim, run: null, changed: false };
    const busy = await tx.evalRun.count({ where: { projectId: current.projectId, status: 'running' } });
    if (busy >= maxConcurrency) {
      if (current.status === 'pending') return { claim: 'full' as Claim, run: current, changed: false };
      const pending = await tx.evalRun.update({ where: { id: current.id }, data: { status: 'pending' } });
      return { claim: 'full' as Claim, run: pending, changed: true };
    }
    const running = await tx.evalRun.update({ where: { id: current.id }, data: { status: 'running', startedAt: current.startedAt ?? new Date() } });
    return { claim: 'claimed' as Claim, run: running, changed: true };
  });
}

async function processRun(deps: Deps, runId: string, jc: JobContext): Promise<void> {
  const run = await deps.prisma.evalRun.findUnique({ where: { id: runId } });
  if (!run || run.status === 'completed' || run.status === 'error') return;
  if (run.jobId && run.jobId !== jc.job.id) return; // a retry gave the run a new job
  const ctx = jobContext(deps, run.teamId, jc.job.id);
  const { maxConcurrency } = await getProjectConfig(ctx, run.projectId);
  const { claim, run: claimed, changed } = await claimSlot(deps, { ...run, jobId: run.jobId ?? jc.job.id }, maxConcurrency);
  if (claimed && changed) publishRunEvent(deps.pubsub, claimed, { type: 'status', status: claimed.status });
  if (claim === 'full') throw new DeferJob(FULL_RETRY_MS, 'the project runs its maximum number of runs');
  if (claim !== 'claimed' || !claimed) return;
  await execute(ctx, claimed, jc.signal);
}

interface Loaded {
  scenario: Scenario;
  persona: Persona | null;
  connector: EvalConnector | null;
}

async function load(ctx: ServiceContext, run: EvalRun): Promise<Loaded> {
  const { prisma } = ctx.deps;
  const [scenario, persona, connector] = await Promise.all([
    prisma.scenario.findFirst({ where: { id: run.scenarioId, teamId: run.teamId } }),
    run.personaId ? prisma.persona.findFirst({ where: { id: run.personaId, teamId: run.teamId } }) : null,
    run.connectorId ? prisma.evalConnector.findFirst({ where: { id: run.connectorId, teamId: run.teamId } }) : null,
  ]);
  if (!scenario) throw new RunGone('scenario deleted');
  return { scenario, persona, connector };
}

async function execute(ctx: ServiceContext, run: EvalRun, signal: AbortSignal): Promise<void> {
  const { deps } = ctx;
  const stats = runStats(run);
  let messages = (Array.isArray(run.messages) ? run.messages : []) as unknown as RunMessage[];
  let sentCount = run.sentCount;
  const conversation = () => messages.filter((m) => m.role === 'user' || m.role === 'assistant');

  /** Stores the transcript and totals, if the run is still ours; publishes the messages from `from`. */
  const save = async (from: number, extra: Prisma.EvalRunUpdateManyMutationInput = {}) => {
    const { count } = await deps.prisma.evalRun.updateMany({
      where: { id: run.id, status: 'running' },
      data: { messages: messages as unknown as Prisma.InputJsonValue, sentCount, stats: stats as unknown as Prisma.InputJsonValue, ...extra },
    });
    if (count === 0) throw new RunGone('the run is no longer running');
    for (let i = from; i < messages.length; i++) publishRunEvent(deps.pubsub, run, { type: 'message', index: i, message: messages[i] });
  };
  const checkAlive = () => {
    if (signal.aborted) throw new RunGone('the job was stopped');
  };

  try {
    const { scenario, persona, connector } = await load(ctx, run);
    if (!connector) throw new RunFailure('Connector not found');
    const evaluators = scenarioEvaluators(scenario);
    const hasCriteria = !!(scenario.successCriteria?.trim() || scenario.failureCriteria?.trim());
    if (!hasCriteria && evaluators.length === 0) throw new RunFailure('Scenario must have success/failure criteria or evaluators defined');
    const unknown = unknownEvaluator(evaluators);
    if (unknown) throw new RunFailure(`Unknown evaluator type: "${unknown}"`);

    const personaConfig = (persona?.config ?? {}) as { model?: string; temperature?: number };
    const personaHeaders = (persona?.headers as Record<string, string> | null) ?? null;
    const userLlm = await evalLlm(ctx, run.projectId, 'persona', personaConfig.model ?? null);
    const judgeLlm = hasCriteria ? await evalLlm(ctx, run.projectId, 'evaluation') : null;

    if (messages.length === 0) {
      const systemPrompt = buildSystemPrompt(persona, scenario);
      messages = stampMessages([{ role: 'system', content: systemPrompt }, ...scenarioSeed(scenario).map((m) => ({ role: m.role, content: m.content }))]);
      await save(0);
    }
    const systemPrompt = messages[0]?.role === 'system' ? messages[0].content : buildSystemPrompt(persona, scenario);

    const userTurn = async () => {
      checkAlive();
      const { message, usage } = await nextUserTurn(userLlm, { systemPrompt, persona, scenario, messages, signal });
      if (!message.content.trim()) throw new RunFailure('The simulated user wrote an empty message');
      const tokensUsage = usage ? { input_tokens: usage.promptTokens, output_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens } : null;
      messages = [...messages, ...stampMessages([message], { tokensUsage })];
      await save(messages.length - 1);
    };

    if (conversation().at(-1)?.role !== 'user') await userTurn();

    let verdict: JudgeVerdict | null = stats.evaluation ?? null;
    let results: EvaluatorResult[] = stats.evaluatorResults ?? [];
    const tokens = () => ({ input_tokens: stats.input_tokens, output_tokens: stats.output_tokens, total_tokens: stats.total_tokens });
    const output = (maxMessagesReached: boolean) => ({
      avgLatencyMs: stats.calls ? Math.round(stats.totalLatencyMs / stats.calls) : 0,
      totalLatencyMs: stats.totalLatencyMs,
      messageCount: conversation().length,
      ...(maxMessagesReached ? { maxMessagesReached: true } : {}),
      evaluation: verdict ? { decision: decisionOf(verdict), successMet: verdict.successMet, failureMet: verdict.failureMet, confidence: verdict.confidence, reasoning: verdict.reasoning } : null,
      evaluatorResults: results,
      metrics: metricsOf(results),
      tokensUsage: tokens(),
    });

    while (conversation().length < scenario.maxMessages) {
      checkAlive();
      const sent = messages.filter((m) => m.role !== 'system');
      const threadId = run.threadId ?? run.id;
      let reply: Awaited<ReturnType<typeof invokeConnector>> | null = null;
      if (connector.type === 'langgraph') {
        // A turn that was out when the last process died may have been answered: read it instead of sending it twice.
        if (stats.sending === sent.length) reply = await recoverLangGraphTurn(ctx, connector, threadId, sent.length, personaHeaders, signal);
        if (!reply) {
          stats.sending = sent.length;
          await save(messages.length);
        }
      }
      reply ??= await invokeConnector(ctx, connector, { messages: sent, sentCount, threadId, personaHeaders, signal });
      stats.sending = null;
      checkAlive();
      if (!reply.success) throw new RunFailure(reply.error ?? 'The connector call failed');
      if (!reply.messages.some((m) => m.role === 'assistant' && (m.content.trim() || m.tool_calls?.length))) throw new RunFailure('The connector returned an empty reply');
      const from = messages.length;
      messages = [...messages, ...stampMessages(reply.messages, { tokensUsage: reply.tokensUsage, latencyMs: reply.latencyMs })];
      sentCount = messages.filter((m) => m.role !== 'system').length;
      stats.calls += 1;
      stats.totalLatencyMs += reply.latencyMs;
      if (reply.tokensUsage) {
        stats.input_tokens += reply.tokensUsage.input_tokens;
        stats.output_tokens += reply.tokensUsage.output_tokens;
        stats.total_tokens += reply.tokensUsage.total_tokens;
      }
      await save(from);

      if (judgeLlm) {
        checkAlive();
        verdict = (await judge(judgeLlm, scenario, messages, signal)).verdict;
        publishRunEvent(deps.pubsub, run, { type: 'verdict', verdict });
      }
      results = runEvaluators(evaluators, { messages, tokens: tokens() });
      stats.evaluation = verdict;
      stats.evaluatorResults = results;

      const failed = results.find((r) => r.kind === 'assertion' && r.passed === false);
      if (failed) {
        return await finish(deps, run, { status: 'completed', messages, stats, output: output(false), result: { success: false, verdict: 'fail', score: verdict?.confidence ?? 0, reason: `Assertion failed: ${failed.label}: ${failed.reason}` } });
      }
      if (verdict?.successMet) {
        return await finish(deps, run, { status: 'completed', messages, stats, output: output(false), result: { success: true, verdict: 'pass', score: verdict.confidence, reason: verdict.reasoning } });
      }
      if (verdict?.failureMet && scenario.failureCriteriaMode === 'every_turn') {
        return await finish(deps, run, { status: 'completed', messages, stats, output: output(false), result: { success: false, verdict: 'fail', score: verdict.confidence, reason: `Failure criteria was triggered. ${verdict.reasoning}` } });
      }
      if (conversation().length >= scenario.maxMessages) break;
      await userTurn();
    }

    const max = scenario.maxMessages;
    const result: RunResult = !judgeLlm
      ? { success: true, verdict: 'pass', score: 1, reason: `Max messages (${max}) reached; every assertion held.` }
      : verdict?.failureMet
        ? { success: false, verdict: 'fail', score: verdict.confidence, reason: `Failure criteria was triggered. ${verdict.reasoning}` }
        : verdict && decisionOf(verdict) === 'inconclusive'
          ? { success: false, verdict: 'inconclusive', score: 0, reason: `Max messages (${max}) reached; the judge could not tell whether the success criteria were met. ${verdict.reasoning}` }
          : { success: false, verdict: 'fail', score: verdict?.confidence ?? 0, reason: `Max messages (${max}) reached without meeting success criteria. ${verdict?.reasoning ?? ''}`.trim() };
    await finish(deps, run, { status: 'completed', messages, stats, output: output(true), result });
  } catch (err) {
    // Stopped (process stopping, lease lost, cancelled): throw, so the queue hands the job back rather than marking it done.
    if (signal.aborted) throw err instanceof Error ? err : new Error('the job was stopped');
    if (err instanceof RunGone) return; // cancelled or deleted under us
    if (err instanceof RunFailure || isAppError(err)) {
      await finish(deps, run, { status: 'error', error: err.message, messages, stats });
      return;
    }
    throw err; // unexpected: the job retries, then onFailed marks the run
  }
}

/** Ends a run that is still running (or waiting): stores the outcome and emits the webhook event in one transaction. */
export async function finish(
  deps: Deps,
  run: EvalRun,
  end: { status: 'completed' | 'error'; error?: string; messages?: RunMessage[]; stats?: RunStats; output?: unknown; result?: RunResult },
): Promise<void> {
  const completedAt = new Date();
  const latencyMs = end.stats ? end.stats.totalLatencyMs : null;
  const updated = await deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.evalRun.updateMany({
      where: { id: run.id, status: { in: ['queued', 'pending', 'running'] } },
      data: {
        status: end.status,
        completedAt,
        latencyMs,
        ...(end.error !== undefined ? { error: end.error } : {}),
        ...(end.messages ? { messages: end.messages as unknown as Prisma.InputJsonValue } : {}),
        ...(end.stats ? { stats: end.stats as unknown as Prisma.InputJsonValue } : {}),
        ...(end.output !== undefined ? { output: end.output as Prisma.InputJsonValue } : {}),
        ...(end.result ? { result: end.result as unknown as Prisma.InputJsonValue } : {}),
      },
    });
    if (count === 0) return false;
    const data = { runId: run.id, projectId: run.projectId, evalId: run.evalId, executionId: run.executionId, scenarioId: run.scenarioId, personaId: run.personaId };
    await emitEvent(
      tx,
      deps,
      end.status === 'completed' ? { teamId: run.teamId, type: 'run.completed', data: { ...data, result: end.result } } : { teamId: run.teamId, type: 'run.failed', data: { ...data, error: end.error } },
    );
    return true;
  });
  if (!updated) return;
  deliverAfterCommit(deps);
  publishRunEvent(deps.pubsub, run, { type: 'status', status: end.status, error: end.error ?? null, ...(end.result ? { result: end.result } : {}) });
}
