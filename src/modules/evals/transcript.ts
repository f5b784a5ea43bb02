/**
 * A run's transcript and verdict as typed records, read from what the run
 * stores (`messages`, `stats`, `output`, `result`) — for GraphQL's typed
 * EvalRun fields and for the transcript export. Stored messages are JSON that
 * PUT /runs/:id may also write, so each field is read defensively: anything
 * of the wrong shape is left out rather than trusted.
 *
 * The run engine stamps what it appends (`stampMessages`): when a message was
 * stored (`createdAt`), and on the last message of a connector reply or of a
 * simulated-user turn the tokens it cost (`tokensUsage`) and, for replies,
 * how long the connector took (`latencyMs`). Messages of runs made before
 * that carry none of them (null here).
 */
import type { EvalRun } from '../../generated/prisma/client.js';
import type { RunMessage, TokensUsage } from './connector-clients.js';
import type { EvaluatorResult } from './evaluators.js';
import type { JudgeVerdict } from './events.js';

export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export interface TranscriptToolCall {
  id: string;
  name: string;
  /** The arguments as the model wrote them (JSON text). */
  arguments: string;
}

export interface TranscriptMessage {
  /** Position in the run's stored messages (0 is the simulated user's system prompt). */
  index: number;
  role: MessageRole;
  content: string;
  toolCalls: TranscriptToolCall[];
  /** Tool results: the call answered and the tool's name. */
  toolCallId: string | null;
  name: string | null;
  createdAt: Date | null;
  tokensUsage: TokensUsage | null;
  latencyMs: number | null;
  /** Who generated it here (the simulated user): provider and model. */
  generatedBy: { provider: string; model: string | null } | null;
}

export interface RunVerdict {
  /** The run's outcome; null until it completed. */
  success: boolean | null;
  score: number | null;
  reason: string | null;
  /** The judge's last ruling (null when the scenario has no criteria or it has not ruled yet). */
  judge: JudgeVerdict | null;
  /** Each evaluator's last result, with its reason. */
  evaluators: EvaluatorResult[];
}

const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function tokens(v: unknown): TokensUsage | null {
  const o = obj(v);
  if (!o) return null;
  const input = num(o.input_tokens);
  const output = num(o.output_tokens);
  if (input === null || output === null) return null;
  return { input_tokens: input, output_tokens: output, total_tokens: num(o.total_tokens) ?? input + output };
}

function date(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

function toolCalls(v: unknown): TranscriptToolCall[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((c) => {
    const o = obj(c);
    const fn = obj(o?.function);
    const name = str(fn?.name);
    if (!o || !name) return [];
    const args = fn!.arguments;
    return [{ id: str(o.id) ?? '', name, arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args) }];
  });
}

function message(raw: unknown, index: number): TranscriptMessage | null {
  const o = obj(raw);
  if (!o || typeof o.role !== 'string' || !ROLES.has(o.role)) return null;
  const meta = obj(o.metadata);
  const provider = str(meta?.provider);
  return {
    index,
    role: o.role as MessageRole,
    content: typeof o.content === 'string' ? o.content : o.content == null ? '' : JSON.stringify(o.content),
    toolCalls: toolCalls(o.tool_calls),
    toolCallId: str(o.tool_call_id),
    name: str(o.name),
    createdAt: date(o.createdAt),
    tokensUsage: tokens(o.tokensUsage),
    latencyMs: num(o.latencyMs),
    generatedBy: provider ? { provider, model: str(meta?.model) } : null,
  };
}

/** The run's messages, typed, in stored order (entries that are not messages are skipped; indexes stay the stored ones). */
export function runTranscript(run: Pick<EvalRun, 'messages'>): TranscriptMessage[] {
  const list = Array.isArray(run.messages) ? run.messages : [];
  return list.map((m, i) => message(m, i)).filter((m): m is TranscriptMessage => m !== null);
}

function judgeVerdict(v: unknown): JudgeVerdict | null {
  const o = obj(v);
  if (!o || typeof o.successMet !== 'boolean' || typeof o.failureMet !== 'boolean') return null;
  return {
    successMet: o.successMet,
    failureMet: o.failureMet,
    confidence: num(o.confidence) ?? 0,
    reasoning: str(o.reasoning) ?? '',
    ...(str(o.provider) ? { provider: str(o.provider)! } : {}),
    ...(str(o.model) ? { model: str(o.model)! } : {}),
  };
}

function evaluatorResults(v: unknown): EvaluatorResult[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((r) => {
    const o = obj(r);
    if (!o || typeof o.type !== 'string' || (o.kind !== 'assertion' && o.kind !== 'metric')) return [];
    const out: EvaluatorResult = { type: o.type, label: str(o.label) ?? o.type, kind: o.kind, reason: str(o.reason) ?? '' };
    if (typeof o.passed === 'boolean') out.passed = o.passed;
    if (num(o.value) !== null) out.value = num(o.value)!;
    return [out];
  });
}

/**
 * The verdict so far: the outcome (once completed), the judge's last ruling
 * with its reasoning (the running totals keep its provider and model; the
 * finished output, the ruling alone) and every evaluator's result. Null when
 * nothing has ruled yet.
 */
export function runVerdict(run: Pick<EvalRun, 'stats' | 'output' | 'result'>): RunVerdict | null {
  const stats = obj(run.stats);
  const output = obj(run.output);
  const result = obj(run.result);
  const judge = judgeVerdict(stats?.evaluation) ?? judgeVerdict(output?.evaluation);
  const evaluators = evaluatorResults(stats?.evaluatorResults ?? output?.evaluatorResults);
  if (!result && !judge && !evaluators.length) return null;
  return {
    success: typeof result?.success === 'boolean' ? result.success : null,
    score: num(result?.score),
    reason: str(result?.reason),
    judge,
    evaluators,
  };
}

/** The run's token totals over its connector calls. */
export function runTokens(run: Pick<EvalRun, 'stats'>): TokensUsage {
  return tokens(obj(run.stats)) ?? { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
}

/**
 * Stamps messages the engine appends: each gets `createdAt`; the last one
 * also the tokens the turn cost and, for a connector reply, its latency.
 */
export function stampMessages(messages: RunMessage[], turn: { tokensUsage?: TokensUsage | null; latencyMs?: number | null } = {}): RunMessage[] {
  const createdAt = new Date().toISOString();
  return messages.map((m, i) => {
    const last = i === messages.length - 1;
    return {
      ...m,
      createdAt,
      ...(last && turn.tokensUsage ? { tokensUsage: turn.tokensUsage } : {}),
      ...(last && typeof turn.latencyMs === 'number' ? { latencyMs: turn.latencyMs } : {}),
    };
  });
}
