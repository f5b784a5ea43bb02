/** An execution's transcripts as a file (EvalExecution.export; REST GET …/executions/:executionId/export). */
import { builder, readableWith } from '../../../graphql/builder.js';
import * as evals from '../service.js';
import type { ExecutionExport } from '../service.js';
import { EvalExecution } from './execution.js';

const EvalExportFormat = builder.enumType('EvalExportFormat', { values: evals.EXPORT_FORMATS });

const EvalExecutionExport = builder.objectRef<ExecutionExport>('EvalExecutionExport').implement({
  authScopes: readableWith.evals,
  description: 'The same file the REST export downloads: JSON (runs with verdicts and typed messages) or CSV (one row per message).',
  fields: (t) => ({
    format: t.field({ type: EvalExportFormat, resolve: (x) => x.format }),
    filename: t.exposeString('filename'),
    contentType: t.exposeString('contentType'),
    content: t.exposeString('content'),
  }),
});

builder.objectField(EvalExecution, 'export', (t) =>
  t.field({
    type: EvalExecutionExport,
    description: 'The runs’ transcripts as a JSON or CSV document.',
    args: { format: t.arg({ type: EvalExportFormat, required: false, defaultValue: 'json' }) },
    resolve: (x, { format }, ctx) => evals.exportExecution(ctx, x.projectId, x.executionId, format ?? 'json'),
  }),
);
