/** Webhook endpoint and delivery-log inputs, shared by the REST bodies and GraphQL arguments. */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';
import { EVENT_TYPE_NAMES, isEventType } from './event-types.js';

const strict = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (i) => (i.code === 'unrecognized_keys' ? `unknown field: ${i.keys.join(', ')}` : undefined) });

const url = z
  .string({ error: (i) => (i.input === undefined ? 'url is required' : 'url must be a string') })
  .trim()
  .min(1, 'url is required')
  .max(2048, 'url must be at most 2048 characters');

const events = z
  .array(
    z.string({ message: 'events must be an array of event types' }).refine(isEventType, {
      message: `events may hold only known event types: ${EVENT_TYPE_NAMES.join(', ')}`,
    }),
    { message: 'events must be an array of event types' },
  )
  .max(50, 'events may hold at most 50 types')
  .refine((list) => new Set(list).size === list.length, 'events lists a type twice');

const description = z.string({ message: 'description must be a string' }).max(500, 'description must be at most 500 characters');

export const CreateWebhookInput = strict({
  url,
  events: events.optional(),
  description: description.nullish(),
  enabled: z.boolean({ message: 'enabled must be a boolean' }).optional(),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;

export const UpdateWebhookInput = strict({
  url: url.optional(),
  events: events.optional(),
  description: description.nullish(),
  enabled: z.boolean({ message: 'enabled must be a boolean' }).optional(),
});
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInput>;

export const WebhookListInput = listQuery('a webhook endpoint', {});

export const DeliveryListInput = listQuery('a delivery', {
  status: z.enum(['pending', 'succeeded', 'failed'], { message: 'status must be pending, succeeded or failed' }).optional(),
  eventType: z.string().refine(isEventType, { message: 'eventType must be a known event type' }).optional(),
});

export const EventTypesFilter = z.object({
  types: z
    .array(z.string().refine(isEventType, { message: `types may hold only known event types: ${EVENT_TYPE_NAMES.join(', ')}` }))
    .max(50, 'types may hold at most 50 entries'),
});
