/** The chat models EvalStudio can use, by provider type (GET /api/llm-providers/…/models). */
import { builder } from '../../graphql/builder.js';
import * as catalog from './service.js';

builder.queryField('llmModels', (t) =>
  t.field({
    type: 'JSON',
    description: 'Chat models by provider type ({openai: [...], embedded: [...]}), or one type’s list with providerType (openai or embedded).',
    args: { providerType: t.arg.string() },
    resolve: (_r, { providerType }, ctx) => (providerType == null ? catalog.allModels(ctx) : catalog.providerModels(ctx, providerType)),
  }),
);
