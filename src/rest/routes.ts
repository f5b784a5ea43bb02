/** The route table: every REST path the server answers, by module. */
import { authRoutes } from '../modules/auth/rest.js';
import { autouserRoutes, evalStudioPersonaGenerationRoutes, evalStudioPersonaRoutes } from '../modules/personas/rest.js';
import { projectRoutes } from '../modules/projects/rest.js';
import { userRoutes } from '../modules/users/rest.js';
import { agentRoutes } from '../modules/agents/rest.js';
import { logRoutes } from '../modules/logs/rest.js';
import { secretRoutes } from '../modules/secrets/rest.js';
import { fileRoutes } from '../modules/files/rest.js';
import { skillRoutes } from '../modules/skills/rest.js';
import { chatRoutes } from '../modules/chat/rest.js';
import { conversationRoutes } from '../modules/conversations/rest.js';
import { usageRoutes } from '../modules/usage/rest.js';
import { influencersRoutes } from '../modules/influencers/rest.js';
import { profilesRoutes } from '../modules/profiles/rest.js';
import { contentNeighbourRoutes, contentRoutes } from '../modules/content/rest.js';
import { catalogRoutes } from '../modules/catalog/rest.js';
import { mediaLibraryRoutes, mediaRoutes } from '../modules/media/rest.js';
import { webhookRoutes } from '../modules/webhooks/rest.js';
import { accountRoutes } from '../modules/accounts/rest.js';
import { publishingRoutes } from '../modules/publishing/rest.js';
import { socialImportRoutes } from '../modules/social-import/rest.js';
import { analyticsRoutes } from '../modules/analytics/rest.js';
import { evalStudioResultRoutes, evalStudioRunRoutes } from '../modules/evals/rest.js';
import { llmCatalogRoutes } from '../modules/llm-catalog/rest.js';
import { z } from 'zod';
import { projectVersion } from '../paths.js';
import { ok, type Route } from './route.js';
import { buildOpenApi } from './openapi.js';

const tableRoutes: Route[] = [...authRoutes, ...autouserRoutes, ...projectRoutes, ...evalStudioPersonaRoutes, ...evalStudioPersonaGenerationRoutes, ...userRoutes, ...agentRoutes, ...logRoutes, ...secretRoutes, ...fileRoutes, ...skillRoutes, ...chatRoutes, ...conversationRoutes, ...usageRoutes, ...influencersRoutes, ...profilesRoutes, ...contentRoutes, ...contentNeighbourRoutes, ...catalogRoutes, ...mediaRoutes, ...mediaLibraryRoutes, ...accountRoutes, ...publishingRoutes, ...socialImportRoutes, ...webhookRoutes, ...analyticsRoutes, ...evalStudioRunRoutes, ...evalStudioResultRoutes, ...llmCatalogRoutes];

let openApi: unknown = null;
const version = projectVersion;

const docsRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    scope: 'public',
    summary: 'Every REST path as an OpenAPI 3.1 document',
    // The document itself (described by the OpenAPI 3.1 specification; only its top level here).
    response: z.looseObject({
      openapi: z.literal('3.1.0'),
      info: z.looseObject({ title: z.string(), version: z.string() }),
      paths: z.record(z.string(), z.record(z.string(), z.unknown())),
      components: z.record(z.string(), z.unknown()),
    }),
    handler: async () => ok((openApi ??= buildOpenApi(allRoutes, { version }))),
  },
];

export const allRoutes: Route[] = [...tableRoutes, ...docsRoutes];
