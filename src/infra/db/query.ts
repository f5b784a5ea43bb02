/**
 * Pothos hands resolvers the caller's selection as a Prisma `query`: either
 * `{ include }` or, in select mode, `{ select }` (empty when the caller asked
 * only for a typed error's fields). Services that need the whole row, and
 * must read the selection before a row goes away, turn it into
 * `{ include }` of the selected relations over every column.
 */
import { getDatamodel } from '../../generated/pothos-types.js';

const relationNames = new Map(
  Object.entries(getDatamodel().datamodel.models).map(([model, m]) => [
    model,
    new Set([...m.fields.filter((f) => f.kind === 'object').map((f) => f.name), '_count']),
  ]),
);

export type PothosQuery<Include> = { include?: Include; select?: object };

export function fullRowWith<Include>(model: string, query: PothosQuery<Include> = {}): { include?: Include } {
  if (query.include) return { include: query.include };
  if (!query.select) return {};
  const relations = relationNames.get(model) ?? new Set<string>();
  const include = Object.fromEntries(Object.entries(query.select).filter(([k, v]) => relations.has(k) && v));
  return Object.keys(include).length ? { include: include as Include } : {};
}
