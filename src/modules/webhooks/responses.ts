/** The JSON bodies of the webhook paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

const at = z.iso.datetime();

export const EventTypeListBody = z.object({ data: z.array(z.object({ type: z.string(), description: z.string() })) });

export const EndpointBody = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  createdAt: at,
  updatedAt: at,
});
/** With the signing secret: shown on create and rotate only. */
export const EndpointWithSecretBody = EndpointBody.extend({ secret: z.string() });
export const EndpointDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });

export const DeliveryBody = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.string().describe('pending | delivered | failed'),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: at.nullable(),
  nextAttemptAt: at.nullable(),
  createdAt: at,
  updatedAt: at,
  event: z.object({ id: z.string(), type: z.string(), timestamp: at, data: z.unknown().describe('The event’s payload (JSON)') }),
  attemptLog: z.array(
    z.object({
      attempt: z.number().int(),
      statusCode: z.number().int().nullable(),
      error: z.string().nullable(),
      durationMs: z.number().int(),
      responseBody: z.string().nullable().describe('The start of the response body (at most 1 KB)'),
      createdAt: at,
    }),
  ),
});
