/**
 * Every REST capability has its GraphQL counterpart (issue 18): generated from
 * the route table (src/rest/routes.ts) and the counterpart table
 * (src/rest/graphql-parity.ts). Fails when a route has no entry, when an entry
 * names a field the built schema lacks, or when an entry names no route. The
 * routes without a counterpart are listed with their reasons.
 */
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../src/rest/routes.js';
import { graphqlCounterparts } from '../src/rest/graphql-parity.js';
import { schema } from '../src/graphql/schema.js';

const routeKeys = allRoutes.map((r) => `${r.method} ${r.path}`);

function fieldExists(ref: string): boolean {
  const [typeName, field, ...rest] = ref.split('.');
  if (!typeName || !field || rest.length) return false;
  const type = schema.getType(typeName);
  return isObjectType(type) && field in type.getFields();
}

describe('REST → GraphQL parity', () => {
  it('every route has an entry', () => {
    expect(routeKeys.filter((k) => !(k in graphqlCounterparts))).toEqual([]);
  });

  it('every entry names a route of the table', () => {
    const keys = new Set(routeKeys);
    expect(Object.keys(graphqlCounterparts).filter((k) => !keys.has(k))).toEqual([]);
  });

  it('every counterpart is a field of the schema', () => {
    const missing = Object.entries(graphqlCounterparts)
      .filter(([, c]) => typeof c === 'string' && !fieldExists(c))
      .map(([k, c]) => `${k} → ${c as string}`);
    expect(missing).toEqual([]);
  });

  it('every exception gives its reason (listed here)', () => {
    const exceptions = Object.entries(graphqlCounterparts).flatMap(([k, c]) => (typeof c === 'string' ? [] : [[k, c.none] as const]));
    for (const [, reason] of exceptions) expect(reason.trim().length).toBeGreaterThan(20);
    console.log(`REST routes without a GraphQL counterpart (${exceptions.length} of ${routeKeys.length}):\n` + exceptions.map(([k, r]) => `  ${k}: ${r}`).join('\n'));
    // A route of raw bytes or a probe stays an exception; anything else belongs in the graph.
    expect(exceptions.length).toBeLessThanOrEqual(10);
  });
});
