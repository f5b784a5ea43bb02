/**
 * The README agrees with the code where a newcomer would be misled: every
 * environment variable config.ts reads is in the configuration table, the
 * scopes list is the scopes of src/modules/auth/scopes.ts, and "What it
 * serves" lists only methods the route table answers (never a 405) and names
 * every REST resource the server has.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../src/config.js';
import { SCOPES } from '../src/modules/auth/scopes.js';
import { allRoutes } from '../src/rest/routes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text of a `## ` section, up to the next one. */
function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** `{user}`, `:user` → `{}`: the shape of a path, whatever its parameters are called. */
const shape = (p: string) => p.replace(/\{[^}/]+\}|:[A-Za-z_]\w*/g, '{}').replace(/\/+$/, '');

describe('README.md', () => {
  it('the configuration table lists every environment variable src/config.ts reads', () => {
    const table = section('Configuration')
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|')[1]!);
    const listed = new Set(table.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)));
    expect(ENV_VARIABLES.length).toBeGreaterThan(40);
    expect(ENV_VARIABLES.filter((v) => !listed.has(v)), 'variables missing from the README configuration table').toEqual([]);
    expect([...listed].filter((v) => !ENV_VARIABLES.includes(v)), 'variables the README lists that config.ts does not read').toEqual([]);
  });

  it('the scopes list is exactly the scopes keys can hold', () => {
    const list = /<!-- scopes -->(.*?)<!-- \/scopes -->/s.exec(readme)?.[1];
    expect(list, 'README marks its scopes list with <!-- scopes --> … <!-- /scopes -->').toBeTruthy();
    expect([...list!.matchAll(/`([a-z]+(?::[a-z]+)?)`/g)].map((m) => m[1])).toEqual([...SCOPES]);
  });

  it('"What it serves" lists only methods the route table answers, and every REST resource', () => {
    const answered = new Map<string, Set<string>>();
    for (const r of allRoutes) {
      const key = shape(r.path);
      answered.set(key, new Set([...(answered.get(key) ?? []), r.method]));
    }
    const rows = section('What it serves')
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => l.split('|')[1]!);
    const listed: { methods: string[]; path: string }[] = [];
    for (const cell of rows) {
      for (const [, span] of cell.matchAll(/`([^`]+)`/g)) {
        const m = /^((?:(?:GET|POST|PUT|PATCH|DELETE) )+)(\/api\/\S*)$/.exec(span!);
        if (m) listed.push({ methods: m[1]!.trim().split(' '), path: m[2]! });
      }
    }
    expect(listed.length).toBeGreaterThan(50);
    const wrong = listed.flatMap(({ methods, path: p }) =>
      methods.filter((method) => !answered.get(shape(p))?.has(method)).map((method) => `${method} ${p} (the route table has ${[...(answered.get(shape(p)) ?? [])].join(', ') || 'no such path'})`),
    );
    expect(wrong, 'README lists methods the server answers with 404 or 405').toEqual([]);
    // Every resource (/api/<x> or /api/v1/<x>) of the route table appears in the table.
    const resource = (p: string) => p.split('/').slice(0, p.startsWith('/api/v1/') ? 4 : 3).join('/');
    const named = new Set(listed.map((l) => resource(l.path)));
    const missing = [...new Set(allRoutes.map((r) => resource(r.path)))].filter((r) => !named.has(r));
    expect(missing, 'REST resources the README does not list under "What it serves"').toEqual([]);
  });
});
