/**
 * The Node interface. Every record has two ids:
 * - `id`, the same opaque string REST uses (a uuid, or a prefixed id such as `inf_…`: src/infra/ids.ts);
 * - `nodeId`, a global id that names the record's type (Relay's encoding, base64 of `Type:id`), as PostGraphile's
 *   `nodeId`. Relay clients point `nodeInterfaceIdField` at it.
 * `node(id:)` takes either. A global id, and an id whose prefix names its type, is loaded by that type's loader
 * alone: one lookup. A bare uuid does not say its type, so it is asked of every type's loader and the first
 * visible hit answers.
 * A loader whose service refuses the caller (a scope the key lacks, a record of another team) counts as no hit: a
 * narrow key still finds what it may read, and learns nothing about what it may not.
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLContext } from './builder.js';
import { builder } from './builder.js';
import { AuthenticationError, ForbiddenError, NotFoundError } from '../errors.js';

type Tagged = { id: string; __typename?: string };

export const NodeInterface = builder.interfaceRef<Tagged>('Node').implement({
  description: 'A record with an id that is the same in REST and GraphQL, and a global id that names its type.',
  resolveType: (value) => value.__typename ?? null,
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id REST uses for this record.' }),
    nodeId: t.id({
      description: 'A global id naming this record’s type (base64 of `Type:id`). `node(id:)` loads it with one lookup of that type; Relay clients use it as `nodeInterfaceIdField`.',
      resolve: (value, _args, _ctx, info) => encodeGlobalID(info.parentType.name, value.id),
    }),
  }),
});

type Loader = (ctx: GraphQLContext, id: string) => Promise<{ id: string } | null>;
type Registered = { typename: string; load: Loader; prefix?: string };
const loaders: Registered[] = [];

/**
 * Modules register how to load their node types by id (null, or a NotFoundError/ForbiddenError, when absent or
 * not visible), and the prefix the type's ids start with when they make them with newId (src/infra/ids.ts).
 */
export function registerNode(typename: string, load: Loader, opts: { prefix?: string } = {}): void {
  loaders.push({ typename, load, prefix: opts.prefix });
}

/** A global id of a registered type: its type and the REST id inside; anything else is not one. */
function fromGlobalId(id: string): { loader: Registered; id: string } | null {
  // The shortest global id (`Batch:` + a one-character id) is 8 base64 characters; a uuid has dashes, which base64 lacks.
  if (id.length < 8 || id.includes('-')) return null;
  try {
    const decoded = decodeGlobalID(id);
    const loader = loaders.find((l) => l.typename === decoded.typename);
    return loader && encodeGlobalID(decoded.typename, decoded.id) === id ? { loader, id: decoded.id } : null;
  } catch {
    return null;
  }
}

/**
 * What to ask for `id`: a global id's type alone, a prefix's type alone, else every type (a record made outside
 * its service, by a seed or an older version, can carry a bare id even where the service makes prefixed ones).
 */
function lookupsFor(id: string): { loader: Registered; id: string }[] {
  const global = fromGlobalId(id);
  if (global) return [global];
  const typed = loaders.find((l) => l.prefix && id.startsWith(l.prefix));
  return typed ? [{ loader: typed, id }] : loaders.map((loader) => ({ loader, id }));
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
    description: 'Any record by its `nodeId` or its REST `id`, if this team can see it. A `nodeId`, or an id with a type prefix (`inf_…`), is one lookup.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const hits = await Promise.all(
        lookupsFor(String(id)).map(async ({ loader, id: rowId }) => ({ typename: loader.typename, found: await loader.load(ctx, rowId).catch(notVisible) })),
      );
      const hit = hits.find((h) => h.found);
      return hit ? Object.assign(hit.found!, { __typename: hit.typename }) : null;
    },
  }),
);
