/** The JSON bodies of the workspace file paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

export const FileBody = z.object({ path: z.string(), size: z.number().int(), contentType: z.string(), sha256: z.string(), updatedAt: z.iso.datetime() });
export const FileListBody = z.array(FileBody);
