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
  // content neighbours
  'GET /api/v1/batches': 'Query.batches',
  'POST /api/v1/batches/:id/cancel': 'Mutation.cancelBatch',
  'POST /api/v1/content': 'Mutation.createContentItem',
  'GET /api/v1/videos': 'Query.contentVideos',
  'DELETE /api/v1/videos/:id': 'Mutation.deleteContentVideo',
  'POST /api/v1/content/:id/video-comparison/:comparisonId/winner': 'Mutation.chooseVideoComparisonWinner',
  'POST /api/v1/collaborations/:id/generate': 'Mutation.generateCollaborationContent',
  'POST /api/v1/media': 'Mutation.uploadMedia',
  'GET /api/v1/media': 'Query.mediaFiles',
  'DELETE /api/v1/media/:id': 'Mutation.deleteMedia',
  'GET /api/v1/social-import/jobs': 'Query.socialImports',
  'POST /api/v1/previews/:id/influencer': 'Mutation.createInfluencerFromPreview',
};
