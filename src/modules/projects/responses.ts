/** The JSON bodies of EvalStudio's project and workspace paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

export const ProjectBody = z.object({ id: z.string(), name: z.string() });
export const ProjectListBody = z.array(ProjectBody);

/** The effective config (the project's overrides over the workspace's defaults), the API key masked. */
export const ConfigBody = z.object({
  llmSettings: z
    .object({
      provider: z.string(),
      apiKey: z.string().nullable().describe('Masked, e.g. sk-1...cdef'),
      baseUrl: z.string().nullable(),
      models: z.record(z.string(), z.string()),
    })
    .nullable(),
  maxConcurrency: z.number().int(),
  styleReferenceImageIds: z.array(z.string()),
});
export const ProjectConfigBody = ConfigBody.extend({ name: z.string() });

export const ImageCreatedBody = z.object({ id: z.string() });
