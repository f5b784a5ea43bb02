/** EvalStudio's LLM provider catalog and /api/status. */
import { ok, type Route } from '../../rest/route.js';
import * as catalog from './service.js';
import * as bodies from './responses.js';

export const llmCatalogRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/llm-providers/models',
    scope: 'eval:read',
    response: bodies.ModelsByProviderBody,
    summary: 'Chat models by provider type: {openai: [...], embedded: [...]}',
    handler: async ({ ctx }) => ok(catalog.allModels(ctx)),
  },
  {
    method: 'GET',
    path: '/api/llm-providers/:providerType/models',
    scope: 'eval:read',
    response: bodies.ModelListBody,
    summary: 'Chat models of one provider type (openai or embedded); 400 "Invalid provider type" otherwise',
    handler: async ({ ctx, params }) => ok(catalog.providerModels(ctx, params.providerType!)),
  },
  {
    method: 'GET',
    path: '/api/status',
    scope: 'public',
    response: bodies.StatusBody,
    summary: 'Server status: {name, version, status, timestamp, node}',
    handler: async () => ok(catalog.status()),
  },
];
