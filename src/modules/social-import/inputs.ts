/** Starting a social import. */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';

export const StartImportInput = z.strictObject(
  {
    accountId: z.string({ error: (i) => (i.input === undefined ? 'accountId is required' : 'accountId must be a string') }).min(1, 'accountId is required').max(100),
    limit: z.number({ message: 'limit must be an integer between 1 and 500' }).int('limit must be an integer between 1 and 500').min(1, 'limit must be an integer between 1 and 500').max(500, 'limit must be an integer between 1 and 500').default(50),
  },
  { error: (i) => (i.code === 'unrecognized_keys' ? `unknown field: ${i.keys.join(', ')}` : undefined) },
);
export type StartImportInput = z.infer<typeof StartImportInput>;

export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
const idParam = (label: string) => z.string({ message: `${label} must be a string` }).trim().min(1, `${label} must not be empty`).max(100, `${label} must be at most 100 characters`);

/** GET /api/v1/social-import/jobs: the filters beside limit and starting_after. */
export const ImportListInput = listQuery('an import job', {
  status: z.enum(IMPORT_STATUSES, { message: `status must be one of ${IMPORT_STATUSES.join(', ')}` }).optional(),
  accountId: idParam('accountId').optional(),
  profileId: idParam('profileId').optional(),
  platform: z.enum(['x', 'tiktok', 'instagram'], { message: 'platform must be one of x, tiktok, instagram' }).optional(),
});
export type ImportListInput = z.infer<typeof ImportListInput>;
