/** What the EvalStudio schema files share. */
import { NotFoundError } from '../../../errors.js';

/** A nullable lookup: not found is null, any other error stays one. */
export const orNull = (e: unknown) => (e instanceof NotFoundError ? null : Promise.reject(e));
/** Lists under a parent: oldest first. */
export const byCreation = { orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }] };
