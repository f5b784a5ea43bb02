/** The JSON bodies of the publishing paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

const at = z.iso.datetime();

export const PublicationBody = z.object({
  id: z.string(),
  accountId: z.string(),
  platform: z.string(),
  handle: z.string(),
  status: z.string().describe('scheduled | queued | publishing | published | failed | cancelled | removed'),
  format: z.string().describe('text | image | carousel | video: what the post holds'),
  media: z.array(z.object({ id: z.string(), url: z.string() })).describe('The images or the video sent, in order'),
  videoId: z.string().nullable(),
  caption: z.string().nullable().describe('This platform’s own text, when one was given'),
  scheduledAt: at.nullable(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  nextAttemptAt: at.nullable(),
  lastError: z.string().nullable(),
  externalId: z.string().nullable(),
  url: z.string().nullable(),
  publishedAt: at.nullable(),
  removedAt: at.nullable(),
  createdAt: at,
  attemptLog: z.array(z.object({ attempt: z.number().int(), outcome: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), at })),
});

/** A content item's publish status: each publication with its attempts. */
export const PublishStatusBody = z.object({ contentItemId: z.string(), status: z.string(), publications: z.array(PublicationBody) });

/** dryRun: what would be published; nothing is created. */
export const PublishDryRunBody = z.object({
  dryRun: z.literal(true),
  contentItemId: z.string(),
  format: z.string(),
  media: z.array(z.object({ id: z.string(), contentType: z.string(), url: z.string() })),
  videoId: z.string().nullable(),
  accounts: z.array(z.object({ id: z.string(), platform: z.string(), handle: z.string(), caption: z.string().nullable().describe('The text this platform would get') })),
  scheduledAt: at.nullable(),
  cost: z.object({ currency: z.literal('USD'), totalMicros: z.number(), total: z.number() }),
});
export const PublishBody = z.union([PublishStatusBody, PublishDryRunBody]);
