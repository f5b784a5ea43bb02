/** The JSON bodies of the LLM catalog and /api/status (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

export const ModelListBody = z.array(z.string());
export const ModelsByProviderBody = z.object({ openai: ModelListBody, embedded: ModelListBody });
export const StatusBody = z.object({ name: z.literal('personagraph'), version: z.string(), status: z.literal('ok'), timestamp: z.iso.datetime(), node: z.string() });
