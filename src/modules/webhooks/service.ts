/**
 * Outbound webhooks (AutoPersonas family): the module's entry. A team's
 * endpoints, the events other modules emit, and their signed, retried
 * delivery. What REST, GraphQL, jobs and other modules call lives here, by
 * use case:
 *
 * - emit.ts         emit a team event inside the caller's transaction (stored, delivered and announced exactly when it
 *                   commits), announce it on `team.event`, the event types and the `events` filter
 * - endpoints.ts    create, read, list, update and delete endpoints, rotate the signing secret
 * - deliveries.ts   list and read deliveries with their attempt log, send a test event, redeliver
 * - attempts.ts     one attempt of one delivery (the `webhook.deliver` job): signed POST through the outbound guard,
 *                   its outcome, log row and next attempt's job in one transaction; giving up
 * - lookups.ts      the team-filtered reads (another team's ids are 404) and the delivery row lock they share
 *
 * Other modules call `emitEvent(tx, …)` inside their transaction, then
 * `deliverAfterCommit(deps)` once it committed.
 */
export { DELIVERY_INCLUDE, type DeliveryWithLog, type PrismaQuery } from './lookups.js';
export {
  ANNOUNCE_JOB,
  ANNOUNCE_JOB_MAX_ATTEMPTS,
  announceEvent,
  deliverAfterCommit,
  emitEvent,
  eventFilter,
  eventTypes,
  teamEvent,
  type EmitEventInput,
} from './emit.js';
export * from './endpoints.js';
export * from './deliveries.js';
export * from './attempts.js';
