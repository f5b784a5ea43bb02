/**
 * The AutoPersonas list format, for modules written since the first ones:
 * `?limit=1–100 (20)&starting_after=<id>` → `{data, has_more, next_cursor}`,
 * newest first, the cursor being the last id of the page.
 */
import { z } from 'zod';

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

/** Prisma arguments for one page after `starting_after` (fetches one extra row to know whether there is more). */
export const pageArgs = (limit: number, startingAfter?: string) => ({
  orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }],
  take: limit + 1,
  ...(startingAfter ? { cursor: { id: startingAfter }, skip: 1 } : {}),
});

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const data = rows.slice(0, limit);
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}

export const listBody = <T, U>(p: Page<T>, shape: (row: T) => U) => ({ data: p.data.map(shape), has_more: p.hasMore, next_cursor: p.nextCursor });

/** Query parameters as a plain object for zod (absent ones left out). */
export const queryObject = (q: URLSearchParams) => Object.fromEntries([...q.keys()].map((k) => [k, q.get(k)!]));
