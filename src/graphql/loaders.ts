/**
 * Per-request DataLoaders (the `dataloader` package): a field that needs rows
 * for each of many parents asks its loader, and graphql-js's breadth-first
 * execution turns one level's asks into one statement, whatever the number of
 * parents. Loaders live as long as the request's context object.
 */
import DataLoader from 'dataloader';

const perRequest = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

/** The request's loader named `name` (created with `batch` on first use). */
export function loaderFor<V>(ctx: object, name: string, batch: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
  let loaders = perRequest.get(ctx);
  if (!loaders) perRequest.set(ctx, (loaders = new Map()));
  let loader = loaders.get(name);
  if (!loader) loaders.set(name, (loader = new DataLoader<string, unknown>(batch as (keys: readonly string[]) => Promise<unknown[]>)));
  return loader as DataLoader<string, V>;
}
