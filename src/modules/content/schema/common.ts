/** What the content schema files share: the `id` argument, and the result of a billable call GraphQL offers no dryRun for. */
import type * as content from '../service.js';

export const idArg = (t: any) => ({ id: t.arg.id({ required: true }) });

/** GraphQL has no dryRun on these: results are the item. */
export const result = <T>(r: content.Billable<T>): T => {
  if (r.dryRun) throw new Error('unreachable: dry runs are not offered here');
  return r.result;
};
