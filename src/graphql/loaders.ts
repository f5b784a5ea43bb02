/**
 * Per-request DataLoaders (the `dataloader` package): a field that needs rows
 * for each of many parents asks its loader, and graphql-js's breadth-first
 * execution turns one level's asks into one statement, whatever the number of
 * parents. Loaders live as long as the request's context object.
 */
import DataLoader from 'dataloader';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

const perRequest = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

/** The request's loader named `name` (created with `batch` on first use). */
export function loaderFor<V>(ctx: object, name: string, batch: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
  let loaders = perRequest.get(ctx);
  if (!loaders) perRequest.set(ctx, (loaders = new Map()));
  let loader = loaders.get(name);
  if (!loader) loaders.set(name, (loader = new DataLoader<string, unknown>(batch as (keys: readonly string[]) => Promise<unknown[]>)));
  return loader as DataLoader<string, V>;
}

/**
 * The columns a loader must select to answer `info`'s selection of the child
 * type: `always`, each requested field that is a column of the same name, and
 * the columns `derived` names for a field computed from others. Null (select
 * every column) when a requested field is neither: a field added to the type
 * without an entry here costs speed, never correctness. Selecting only what
 * is asked cuts the rows PostgreSQL sends and pg parses (the W2 benchmark
 * reads 4,100 rows for ~250 KB of JSON).
 */
export function columnsFor(
  info: GraphQLResolveInfo,
  columns: Record<string, string>,
  always: readonly string[],
  derived: Record<string, readonly string[]> = {},
): string[] | null {
  // The resolver runs once per parent (1,000 batches in W2), the answer is the same for all: worked out once per
  // field of a (cached, so long-lived) document and column set. A field merged from several selections (a fragment
  // spread in more than one place can merge differently in each) is worked out every time.
  if (info.fieldNodes.length !== 1) return pickColumns(info, columns, always, derived);
  let byField = chosen.get(columns);
  if (!byField) chosen.set(columns, (byField = new WeakMap()));
  const field = info.fieldNodes[0]!;
  if (byField.has(field)) return byField.get(field)!;
  const picked = pickColumns(info, columns, always, derived);
  byField.set(field, picked);
  return picked;
}

const chosen = new WeakMap<object, WeakMap<FieldNode, string[] | null>>();

function pickColumns(
  info: GraphQLResolveInfo,
  columns: Record<string, string>,
  always: readonly string[],
  derived: Record<string, readonly string[]>,
): string[] | null {
  const wanted = new Set(always);
  let every = false;
  const visit = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        const name = s.name.value;
        if (name === '__typename') continue;
        if (name in columns) wanted.add(name);
        else if (derived[name]) for (const c of derived[name]) wanted.add(c);
        else every = true;
      } else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet);
      else visit(info.fragments[s.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return every ? null : [...wanted].sort();
}
