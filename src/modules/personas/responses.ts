/** The JSON bodies of the persona paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

const at = z.iso.datetime();

/** Autousers' create response: exactly the documented fields. */
export const AutouserSummaryBody = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  isSystem: z.boolean(),
  status: z.string(),
  visibility: z.string(),
  createdAt: at,
  updatedAt: at,
  teamId: z.string().nullable().describe('null for the system library'),
});

/** Autousers' full record, for reads and updates. */
export const AutouserBody = AutouserSummaryBody.extend({
  description: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  avatar: z.string().nullable(),
  imageUrl: z.string().nullable(),
  capabilities: z.unknown().describe('JSON, or null'),
  config: z.unknown().describe('JSON, or null'),
});

export const AutouserDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });

/** EvalStudio's persona: unset optional fields are left out, as its examples show. */
export const EvalPersonaBody = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  systemPrompt: z.string().optional(),
  imageUrl: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional().describe('Sent to the connector, overriding its headers'),
  createdAt: at,
  updatedAt: at,
});
export const EvalPersonaListBody = z.array(EvalPersonaBody);
