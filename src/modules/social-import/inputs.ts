/** Starting a social import. */
import { z } from 'zod';

export const StartImportInput = z.strictObject(
  {
    accountId: z.string({ error: (i) => (i.input === undefined ? 'accountId is required' : 'accountId must be a string') }).min(1, 'accountId is required').max(100),
    limit: z.number({ message: 'limit must be an integer between 1 and 500' }).int('limit must be an integer between 1 and 500').min(1, 'limit must be an integer between 1 and 500').max(500, 'limit must be an integer between 1 and 500').default(50),
  },
  { error: (i) => (i.code === 'unrecognized_keys' ? `unknown field: ${i.keys.join(', ')}` : undefined) },
);
export type StartImportInput = z.infer<typeof StartImportInput>;
