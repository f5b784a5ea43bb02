/**
 * The one keyset pager: newest first, `limit` (1–100, default 20) rows after
 * the `starting_after` id, which must name a row of the same list (the same
 * filters: a foreign or filtered-out id is refused, never used as a cursor).
 * Services page with `keysetPage`; REST shapes the page with
 * `rest/list.ts` `listBody` as `{data, has_more, next_cursor}`.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';

/** The list input of a service: `limit` and `starting_after`, plus the list's own filters. */
export const listQuery = <T extends z.ZodRawShape>(what: string, filters: T) =>
  z.object({
    limit: z.coerce
      .number({ message: 'limit must be an integer between 1 and 100' })
      .int('limit must be an integer between 1 and 100')
      .min(1, 'limit must be an integer between 1 and 100')
      .max(100, 'limit must be an integer between 1 and 100')
      .default(20),
    starting_after: z.string().max(100, `starting_after does not name ${what} in this list`).optional(),
    ...filters,
  });

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** The Prisma arguments of one page (one extra row tells whether there is more). */
export interface PageArgs {
  orderBy: [{ createdAt: 'desc' }, { id: 'desc' }];
  take: number;
  cursor?: { id: string };
  skip?: number;
}

export interface KeysetList<T> {
  /** The row named `id` if it is in this list (same filters), else null/undefined. */
  anchor: (id: string) => Promise<unknown>;
  /** The rows of the page, with the list's filters and `args` spread into findMany. */
  rows: (args: PageArgs) => Promise<T[]>;
}

/**
 * One page of a list. `what` names a row for the refusal ("a profile": "starting_after
 * does not name a profile in this list", 400 with param starting_after).
 */
export async function keysetPage<T extends { id: string }>(input: { limit: number; starting_after?: string }, what: string, list: KeysetList<T>): Promise<Page<T>> {
  const after = input.starting_after;
  if (after && !(await list.anchor(after))) throw new ValidationError(`starting_after does not name ${what} in this list`, 'starting_after');
  const rows = await list.rows({
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: input.limit + 1,
    ...(after ? { cursor: { id: after }, skip: 1 } : {}),
  });
  const hasMore = rows.length > input.limit;
  const data = rows.slice(0, input.limit);
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}
