/** The JSON bodies of the secrets paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';

/** A secret with its value masked (like `sk-1...cdef`; null when it cannot be decrypted with the configured keys). */
export const SecretListBody = z.array(
  z.object({ name: z.string(), value: z.string().nullable(), readable: z.boolean(), allowedHosts: z.array(z.string()), updatedAt: z.iso.datetime() }),
);
