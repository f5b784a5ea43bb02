/**
 * The Node interface with plain ids: the same opaque string identifies a
 * record in REST and GraphQL. An id whose prefix names its type (`inf_…`,
 * `ci_…`: src/infra/ids.ts) is loaded by that type's loader alone, one
 * lookup; any other id (the uuid-keyed types) is asked of every loader, and
 * the first visible hit answers.
 * A loader whose service refuses the caller (a scope the key lacks, a record
 * of another team) counts as no hit: a narrow key still finds what it may
 * read, and learns nothing about what it may not.
 */
import type { GraphQLContext } from './builder.js';
import { builder } from './builder.js';
import { AuthenticationError, ForbiddenError, NotFoundError } from '../errors.js';

type Tagged = { id: string; __typename?: string };

export const NodeInterface = builder.interfaceRef<Tagged>('Node').implement({
  description: 'A record with an id that is the same in REST and GraphQL.',
  resolveType: (value) => value.__typename ?? null,
  fields: (t) => ({ id: t.exposeID('id') }),
});

type Loader = (ctx: GraphQLContext, id: string) => Promise<{ id: string } | null>;
const loaders: { typename: string; load: Loader; prefix?: string }[] = [];

/**
 * Modules register how to load their node types by id (null, or a NotFoundError/ForbiddenError, when absent or
 * not visible), and the prefix the type's ids start with when they make them with newId (src/infra/ids.ts).
 */
export function registerNode(typename: string, load: Loader, opts: { prefix?: string } = {}): void {
  loaders.push({ typename, load, prefix: opts.prefix });
}

/** The loaders to ask for `id`: its prefix's type alone, else all of them. */
function loadersFor(id: string) {
  const typed = loaders.find((l) => l.prefix && id.startsWith(l.prefix));
  return typed ? [typed] : loaders;
}

/** Refusals of a service mean "not a record this caller sees"; anything else is a real failure. */
const notVisible = (e: unknown): null => {
  if (e instanceof NotFoundError || e instanceof ForbiddenError || e instanceof AuthenticationError) return null;
  throw e;
};

builder.queryField('node', (t) =>
  t.field({
    type: NodeInterface,
    nullable: true,
    description: 'Any record by id, if this team can see it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const hits = await Promise.all(loadersFor(String(id)).map(async (l) => ({ typename: l.typename, found: await l.load(ctx, String(id)).catch(notVisible) })));
      const hit = hits.find((h) => h.found);
      return hit ? Object.assign(hit.found!, { __typename: hit.typename }) : null;
    },
  }),
);
