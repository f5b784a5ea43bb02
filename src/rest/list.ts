/**
 * The AutoPersonas list body: a service's `Page` (src/infra/pagination.ts)
 * as `{data, has_more, next_cursor}`, newest first, the cursor being the last
 * id of the page.
 */
import { z } from 'zod';
import type { Page } from '../infra/pagination.js';

export const listBody = <T, U>(p: Page<T>, shape: (row: T) => U) => ({ data: p.data.map(shape), has_more: p.hasMore, next_cursor: p.nextCursor });

/** Query parameters as a plain object for zod (absent ones left out). */
export const queryObject = (q: URLSearchParams) => Object.fromEntries([...q.keys()].map((k) => [k, q.get(k)!]));

/** The response schema of a list body whose rows are `item`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable().describe('The last id of this page; null on the last page') });
