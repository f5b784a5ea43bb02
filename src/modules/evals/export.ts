/**
 * An execution's transcripts as a file: JSON (every run with its outcome,
 * verdict — the judge's reasoning and each evaluator's result — and typed
 * messages) or CSV (one row per message, the run's columns repeated; a run
 * with no messages yet is one row with empty message columns).
 *
 * CSV follows RFC 4180 (comma separated, CRLF rows, a field holding a comma,
 * quote, CR or LF quoted with quotes doubled) and guards against formula
 * injection: a text cell starting with =, +, -, @, tab or CR gets a leading
 * apostrophe, so a spreadsheet shows it as text instead of evaluating it.
 */
import { z } from 'zod';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { resolveProject } from '../projects/service.js';
import type { TokensUsage } from './connector-clients.js';
import { executionIdParam } from './compare.js';
import { runTokens, runTranscript, runVerdict, type RunVerdict, type TranscriptMessage } from './transcript.js';

export const EXPORT_FORMATS = ['json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportedRun {
  id: string;
  scenarioId: string;
  scenarioName: string;
  personaId: string | null;
  personaName: string | null;
  connectorId: string | null;
  status: string;
  startedAt: string | null;
  completedAt: string | null;
  latencyMs: number | null;
  tokens: TokensUsage;
  error: string | null;
  verdict: RunVerdict | null;
  messages: (Omit<TranscriptMessage, 'createdAt'> & { createdAt: string | null })[];
}

export interface ExecutionTranscripts {
  projectId: string;
  evalId: string | null;
  executionId: number;
  exportedAt: string;
  runs: ExportedRun[];
}

export interface ExecutionExport {
  format: ExportFormat;
  filename: string;
  contentType: string;
  content: string;
}

export function exportFormatParam(raw: unknown): ExportFormat {
  if (raw === undefined || raw === null || raw === '') return 'json';
  const f = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new ValidationError('format must be json or csv', 'format');
  return f as ExportFormat;
}

/** The execution's runs, oldest first, with their typed transcripts and verdicts. */
export async function executionTranscripts(ctx: ServiceContext, projectRef: string, rawExecutionId: unknown): Promise<ExecutionTranscripts> {
  requireScope(ctx, 'eval:read');
  const executionId = executionIdParam(rawExecutionId, 'executionId');
  const project = await resolveProject(ctx, projectRef);
  const runs = await ctx.deps.prisma.evalRun.findMany({
    where: { teamId: ctx.actor.teamId, projectId: project.id, executionId },
    include: { persona: { select: { name: true } }, scenario: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  if (!runs.length) throw new NotFoundError('Execution not found', 'execution_not_found');
  return {
    projectId: project.id,
    evalId: runs[0]!.evalId,
    executionId,
    exportedAt: new Date().toISOString(),
    runs: runs.map((r) => ({
      id: r.id,
      scenarioId: r.scenarioId,
      scenarioName: r.scenario.name,
      personaId: r.personaId,
      personaName: r.persona?.name ?? null,
      connectorId: r.connectorId,
      status: r.status,
      startedAt: r.startedAt?.toISOString() ?? null,
      completedAt: r.completedAt?.toISOString() ?? null,
      latencyMs: r.latencyMs,
      tokens: runTokens(r),
      error: r.error,
      verdict: runVerdict(r),
      messages: runTranscript(r).map((m) => ({ ...m, createdAt: m.createdAt?.toISOString() ?? null })),
    })),
  };
}

/** One CSV cell: text is guarded against formula injection, then quoted when it must be. */
export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'execution_id', 'run_id', 'scenario', 'persona', 'run_status', 'success', 'score', 'reason',
  'message_index', 'role', 'content', 'tool_calls', 'tool_call_id', 'created_at',
  'input_tokens', 'output_tokens', 'total_tokens', 'latency_ms',
] as const;

export function transcriptsCsv(doc: ExecutionTranscripts): string {
  const rows: (string | number | boolean | null)[][] = [[...CSV_COLUMNS]];
  for (const run of doc.runs) {
    const runCells = [doc.executionId, run.id, run.scenarioName, run.personaName, run.status, run.verdict?.success ?? null, run.verdict?.score ?? null, run.verdict?.reason ?? run.error];
    if (!run.messages.length) rows.push([...runCells, null, null, null, null, null, null, null, null, null, null]);
    for (const m of run.messages) {
      rows.push([
        ...runCells,
        m.index,
        m.role,
        m.content,
        m.toolCalls.length ? JSON.stringify(m.toolCalls) : null,
        m.toolCallId,
        m.createdAt,
        m.tokensUsage?.input_tokens ?? null,
        m.tokensUsage?.output_tokens ?? null,
        m.tokensUsage?.total_tokens ?? null,
        m.latencyMs,
      ]);
    }
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The execution's transcripts as a downloadable file in the given format (json by default). */
export async function exportExecution(ctx: ServiceContext, projectRef: string, rawExecutionId: unknown, rawFormat: unknown): Promise<ExecutionExport> {
  requireScope(ctx, 'eval:read');
  const format = exportFormatParam(rawFormat);
  const doc = await executionTranscripts(ctx, projectRef, rawExecutionId);
  const filename = `execution-${doc.executionId}-transcripts.${format}`;
  return format === 'csv'
    ? { format, filename, contentType: 'text/csv; charset=utf-8', content: transcriptsCsv(doc) }
    : { format, filename, contentType: 'application/json; charset=utf-8', content: JSON.stringify(doc, null, 2) };
}

export const ExportQuery = z.object({ format: z.enum(EXPORT_FORMATS).optional().describe('json (default) or csv') });
