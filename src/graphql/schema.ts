/** Assembles the graph from every module's schema.ts. `npm run schema` prints it to schema.graphql. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './errors.js';
import './node.js';
import '../modules/auth/schema.js';
import '../modules/projects/schema.js';
import '../modules/personas/schema.js';
import '../modules/agents/schema.js';
import '../modules/users/schema.js';
import '../modules/logs/schema.js';
import '../modules/secrets/schema.js';
import '../modules/files/schema.js';
import '../modules/skills/schema.js';
import '../modules/chat/schema.js';
import '../modules/conversations/schema.js';
import '../modules/usage/schema.js';
import '../modules/catalog/schema.js';
import '../modules/influencers/schema.js';
import '../modules/profiles/schema.js';
import '../modules/content/schema.js';
import '../modules/media/schema.js';
import '../modules/accounts/schema.js';
import '../modules/publishing/schema.js';
import '../modules/social-import/schema.js';
import '../modules/webhooks/schema.js';
import '../modules/analytics/schema.js';
import '../modules/evals/schema.js';
import '../modules/llm-catalog/schema.js';

export const schema = builder.toSchema();

export function printedSchema(): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
