/**
 * EvalStudio's entry: everything the transports (rest.ts, schema/), the
 * application (core, jobs, CLI) and other modules may use of this module.
 * The use cases live in files by purpose — connectors.ts, scenarios.ts,
 * evals.ts, runs.ts (runs), run-events.ts (live run and execution events),
 * execution-summary.ts (results per execution), execution.ts (the run engine),
 * connector-clients.ts (calling a connector, one file per connector type),
 * connector-headers.ts (sealed headers), compare.ts (two executions side by
 * side), export.ts (an execution's transcripts as JSON or CSV), transcript.ts
 * (a run's typed messages and verdict) — and are not imported from outside
 * the module; what is not listed here is internal.
 */
export {
  listConnectors,
  connectorTypes,
  createConnector,
  getConnector,
  getConnectorById,
  updateConnector,
  deleteConnector,
  testConnectorById,
  invokeConnectorById,
} from './connectors.js';
export { listScenarios, getScenario, getScenarioById, createScenario, updateScenario, deleteScenario, scenarioPrompt, listEvaluatorTypes } from './scenarios.js';
export { listEvals, getEval, getEvalById, getEvalExpanded, createEval, updateEval, deleteEval } from './evals.js';
export { listRuns, getRun, getRunById, startEval, startPlaygroundRun, updateRun, retryRun, cancelRun, deleteRun } from './runs.js';
export { runEvents, executionEvents, nextExecutionEvents, type NextExecutionEvent } from './run-events.js';
export { executionSummary, type ExecutionSummary, type GroupStats } from './execution-summary.js';
export type { EvalRunEvent, JudgeVerdict, JudgeDecision, RunResult } from './events.js';
export { JUDGE_DECISIONS, decisionOf, resultDecision } from './events.js';
export type { InvokeResult, TestResult } from './connector-clients.js';
// evals: comparison, export, typed transcripts
export { compareExecutions, CompareQuery, ExecutionComparisonBody, type ExecutionComparison, type ExecutionSide, type ScenarioChange, type RunSide } from './compare.js';
export { exportExecution, executionTranscripts, ExportQuery, EXPORT_FORMATS, type ExecutionExport, type ExportFormat } from './export.js';
export { runTranscript, runVerdict, type TranscriptMessage, type TranscriptToolCall, type RunVerdict } from './transcript.js';
export type { EvaluatorResult } from './evaluators.js';
export type { TokensUsage } from './connector-clients.js';
/** Header names with masked values: how a connector's headers are shown (REST and GraphQL). */
export { maskedHeaders, sealLegacyConnectorHeaders, reencryptConnectorHeaders } from './connector-headers.js';
export { registerEvalJobs } from './execution.js';
export { EMBEDDED_JUDGE_MODEL, EMBEDDED_USER_MODEL } from './llm.js';
