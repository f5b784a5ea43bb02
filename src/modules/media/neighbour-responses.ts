/** Response schemas (zod) of the media library paths (issue 20). */
import { z } from 'zod';

export const MediaBody = z.object({
  id: z.string(),
  url: z.string().describe('GET it with the API key'),
  kind: z.enum(['image', 'video', 'audio']),
  contentType: z.string().describe('Sniffed from the bytes'),
  size: z.number().int(),
  sha256: z.string(),
  filename: z.string().nullable(),
  source: z.string().describe('upload, or what generated it (e.g. embedded, openai)'),
  createdAt: z.iso.datetime(),
});
export const MediaPage = z.object({ data: z.array(MediaBody), has_more: z.boolean(), next_cursor: z.string().nullable() });
export const MediaDeletedBody = z.object({ id: z.string(), deleted: z.literal(true) });
