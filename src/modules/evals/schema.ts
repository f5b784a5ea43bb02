/**
 * EvalStudio's persona test runs in the graph: connectors, scenarios, evals
 * and runs linked to projects, personas and agents; mutations to start an
 * eval, a playground run, retry and cancel; results per execution; and the
 * runs' live events (messages, judge verdicts, status changes) per run and
 * per execution. One file per type (or small group) in schema/, registered
 * here in the order they always were.
 */
import './schema/connector.js';
import './schema/scenario.js';
import './schema/eval.js';
import './schema/run.js';
import './schema/execution.js';
import './schema/links.js';
import './schema/operations.js';
import './schema/events.js';
import './schema/crud.js';
import './schema/transcript.js';
import './schema/compare.js';
import './schema/export.js';
