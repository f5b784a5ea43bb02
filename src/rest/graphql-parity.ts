/**
 * Every REST route's GraphQL counterpart, so the graph stays the whole product
 * and REST a thin adapter: keyed by "METHOD /path" exactly as in the route
 * table, the value names the root field or type field that does the same
 * thing ("Mutation.createAgent", "Query.agent", "Agent.files"), or, for the
 * few routes that have none, `{ none: 'why' }`. test/graphql-parity.test.ts
 * fails when a route is missing here or names a field the schema lacks.
 */
export type Counterpart = string | { none: string };

export const graphqlCounterparts: Record<string, Counterpart> = {
  // publishing, accounts, analytics
  'PATCH /api/v1/accounts/:id': 'Mutation.updateAccount',
  'POST /api/v1/accounts/:id/reconnect': 'Mutation.reconnectAccount',
  'GET /api/v1/publishing/queue': 'Query.publishingQueue',
  'POST /api/v1/publications/:id/reschedule': 'Mutation.reschedulePublication',
};
