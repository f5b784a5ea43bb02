/**
 * The catalog of team event types: what `emitEvent` accepts, what webhook
 * endpoints may subscribe to, and what the `events` subscription streams.
 * Add a type here (with a line saying when it happens) before emitting it.
 */
export const WEBHOOK_EVENT_TYPES = [
  { type: 'content.generated', description: 'A content item finished generating and waits for review (data: contentItemId, profileId, batchId).' },
  { type: 'content.approved', description: 'A content item was approved (data: contentItemId, profileId).' },
  { type: 'content.rejected', description: 'A content item was rejected (data: contentItemId, profileId, reason).' },
  { type: 'publish.started', description: 'A publication to one account started its first attempt (data: publicationId, contentItemId, accountId, platform).' },
  { type: 'publish.succeeded', description: 'A publication is live on its platform (data: publicationId, contentItemId, accountId, platform, externalId, url).' },
  { type: 'publish.failed', description: 'A publication gave up after its last attempt (data: publicationId, contentItemId, accountId, platform, error, attempts).' },
  { type: 'batch.completed', description: 'A content batch ended: completed, failed or cancelled (data: batchId, profileId, status, counts).' },
  { type: 'import.completed', description: 'A social import finished (data: importId, accountId, platform, status, imported, skipped).' },
  { type: 'run.completed', description: 'An EvalStudio run finished its conversation and was judged (data: runId, projectId, evalId, executionId, scenarioId, personaId, result).' },
  { type: 'run.failed', description: 'An EvalStudio run ended with a system error (data: runId, projectId, evalId, executionId, scenarioId, personaId, error).' },
  { type: 'webhook.test', description: 'Sent to one endpoint by its test action (data: endpointId, message); never emitted by anything else.' },
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]['type'];

/** The type the test action sends; endpoints receive it only when tested. */
export const TEST_EVENT_TYPE = 'webhook.test' satisfies WebhookEventType;

export const EVENT_TYPE_NAMES: readonly WebhookEventType[] = WEBHOOK_EVENT_TYPES.map((e) => e.type);

export function isEventType(type: string): type is WebhookEventType {
  return (EVENT_TYPE_NAMES as readonly string[]).includes(type);
}
