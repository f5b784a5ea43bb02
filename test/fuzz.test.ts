/**
 * The fuzz suite (issue 16): bounded, seeded, short. For every REST route of
 * the route table (src/rest/routes.ts) it sends generated bad requests — wrong
 * types, NUL and lone surrogates, huge strings, deep nesting, arrays for
 * objects, unknown ids, malformed and non-UTF-8 bytes, empty bodies, bad path
 * segments and query values — with an admin key, a narrow key and no key; then
 * generated GraphQL documents over a few root fields, within and beyond any
 * depth/alias limits, with bad variables. Asserted: never a 5xx (never an
 * INTERNAL_SERVER_ERROR in GraphQL), the process stays up, and a refused
 * request writes nothing (every table's row count is unchanged).
 *
 * Seeded (FUZZ_SEED, default below) so a finding replays; FUZZ_RUNS scales the
 * cases per route. Background jobs are off (JOB_CONCURRENCY=0) so the only
 * writes are the requests' own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allRoutes } from '../src/rest/routes.js';
import type { Route } from '../src/rest/route.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SEED = Number(process.env.FUZZ_SEED ?? 160_005);
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);

/** Routes not fuzzed, and why (each is covered by its own tests). */
const SKIPPED: Record<string, string> = {
  'POST /api/v1/users/:user/agents/:agent/chat/stream': 'SSE stream: answers 200 and streams; its bad input is tested in chat.test.ts',
  'POST /api/v1/users/:user/skills/:slug/registry-install': 'fetches the skill registry (outbound by design); skills.test.ts runs a fake registry',
  'POST /api/projects/:projectId/connectors/:id/test': "calls the connector's endpoint (outbound by design); evalstudio.test.ts runs fake agents",
  'POST /api/projects/:projectId/connectors/:id/invoke': "calls the connector's endpoint (outbound by design)",
  'POST /api/projects/:projectId/runs/playground': "runs a conversation against the connector's endpoint (outbound by design)",
};

let s: TestServer;
let narrowKey: string;
const fixtures: Record<string, string[]> = {};
const findings: string[] = [];
let cases = 0;

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '1000000', JOB_CONCURRENCY: '0' });
  narrowKey = (await s.createKey(['persona:read'])).key;
  const post = async (path: string, body: unknown) => {
    const res = await s.request('POST', path, { body });
    if (res.status !== 201 && res.status !== 200) throw new Error(`fixture ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  const project = await post('/api/projects', { name: 'fuzz project' });
  const persona = await post(`/api/projects/${project.id}/personas`, { name: 'fuzz persona' });
  const user = await post('/api/v1/users', { username: 'fuzzer', tier: 'enterprise' });
  const agent = await post(`/api/v1/users/${user.id}/agents`, { name: 'fuzz-agent', provider: 'embedded' });
  const influencer = await post('/api/v1/influencers', { name: 'Fuzz Star' });
  const profile = await post('/api/v1/profiles', { name: 'Fuzz voice', voiceCorpus: ['words #fuzz'] });
  Object.assign(fixtures, {
    projectId: [project.id],
    user: [user.id, 'fuzzer'],
    agent: ['fuzz-agent', agent.id],
    profileId: [profile.id],
    id: [persona.id, influencer.id, project.id],
    teamId: [(await s.request('GET', '/api/v1/me')).body.team.id],
    personaId: [persona.id],
    influencerId: [influencer.id],
  });
});
afterAll(async () => {
  await s?.close();
});

// --- generators ------------------------------------------------------------------------

const nasty = fc.constantFrom(
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udc00y',
  '\udfff\ud800',
  '',
  ' ',
  'x'.repeat(100_000),
  '😀'.repeat(80),
  '𠀀'.repeat(70),
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '{{secrets.TOKEN}}',
  'http://127.0.0.1:1/',
  '__proto__',
  'constructor',
  '-1',
  '9'.repeat(400),
  'null',
);
const text = fc.oneof({ weight: 3, arbitrary: nasty }, fc.string({ maxLength: 24 }), fc.string({ unit: 'binary', maxLength: 16 }));
const scalar = fc.oneof(
  { weight: 4, arbitrary: text },
  fc.integer(),
  fc.constantFrom(-1, 0, 1, 1e308, -1e308, 2 ** 53 + 1, 0.5, -0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), nasty), tie('value'), { maxKeys: 3 }),
  ),
}));
/** Nested `levels` deep: near the JSON limit (60–70) or far past it. */
const nested = (levels: number, inner: unknown = 1) => JSON.parse('['.repeat(levels) + JSON.stringify(inner) + ']'.repeat(levels));
const deepValue = fc.oneof(fc.integer({ min: 60, max: 70 }).map((n) => nested(n)), fc.constant(nested(2000)));

type Body = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; bytes: Buffer; type: string };

const rawBodies = fc.oneof(
  fc.constantFrom('{', '{"a":', 'null', '[]', '""', '1', 'true', '\u0000', '{"a":1}{"b":2}', '\ufeff{}', '[' .repeat(10_000) + ']'.repeat(10_000), `{"x":${'{"y":'.repeat(100_000)}1${'}'.repeat(100_000)}}`).map((t) => Buffer.from(t)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')])),
);
const contentTypes = fc.constantFrom(
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=XyZ',
  'multipart/form-data',
  'image/png',
  'audio/mpeg',
  'application/octet-stream',
);
const multipart = fc.record({ name: fc.oneof(fc.string({ maxLength: 8 }), nasty), v: fc.oneof(fc.string({ maxLength: 16 }), nasty), file: fc.oneof(fc.string({ maxLength: 8 }), nasty) }).map(({ name, v, file }) => {
  const b = 'XyZ';
  return Buffer.from(
    `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n--${b}\r\nContent-Disposition: form-data; name="file"; filename="${file}"\r\nContent-Type: image/png\r\n\r\n\x89PNG garbage\r\n--${b}--\r\n`,
  );
});

/** Field names of a route's zod body (objects, arrays of objects, unions), to aim generated values at real fields. */
function keysOf(schema: unknown): string[] {
  const def = (schema as { def?: Record<string, unknown> } | undefined)?.def;
  if (!def) return [];
  if (def.shape && typeof def.shape === 'object') return Object.keys(def.shape as object);
  for (const inner of [def.element, def.innerType, def.in, def.schema]) if (inner) return keysOf(inner);
  if (Array.isArray(def.options)) return [...new Set((def.options as unknown[]).flatMap(keysOf))];
  return [];
}

function bodyFor(route: Route): fc.Arbitrary<Body> {
  const keys = keysOf(route.body);
  // Most fields are strings: plain or nasty text gets past type checks to the code that stores it.
  const fieldValue = fc.oneof({ weight: 5, arbitrary: text }, { weight: 3, arbitrary: value }, deepValue);
  const aimed = keys.length
    ? fc.record(Object.fromEntries(keys.map((k) => [k, fieldValue])), { requiredKeys: [] })
    : fc.dictionary(fc.string({ maxLength: 8 }), fieldValue, { maxKeys: 4 });
  // A body that is well-formed but for one bad string: plain text in every field (real ids where the field names one).
  const plain = (k: string) => fixtures[k]?.[0] ?? (/Id$/.test(k) ? fixtures.id![0]! : `fuzz ${k}`);
  const oneBad = keys.length
    ? fc.tuple(fc.constantFrom(...keys), fc.constantFrom('a\u0000b', '\u0000', 'x\ud800y', '😀'.repeat(80))).map(([bad, v]) => Object.fromEntries(keys.map((k) => [k, k === bad ? v : plain(k)])))
    : aimed;
  const json: fc.Arbitrary<Body> = fc.oneof(
    { weight: 3, arbitrary: aimed },
    { weight: 4, arbitrary: oneBad },
    fc.array(aimed, { maxLength: 3 }),
    value,
    deepValue,
  ).map((v) => ({ kind: 'json', value: v }));
  const raw: fc.Arbitrary<Body> = fc
    .tuple(fc.oneof(rawBodies, multipart), contentTypes)
    .map(([bytes, type]) => ({ kind: 'raw', bytes, type }));
  return fc.oneof({ weight: 6, arbitrary: json }, { weight: 3, arbitrary: raw }, fc.constant<Body>({ kind: 'none' }));
}

const segment = fc.oneof(
  fc.constantFrom('nonexistent', '00000000-0000-0000-0000-000000000000', '0', '-1', 'a'.repeat(300), '%00', 'a%00b', '%ED%A0%80', '%F0%9F%98%80', '%20', 'null', '%2e%2e', '..%2F', '%25', '%FF', 'a;b', 'x.json'),
  fc.string({ maxLength: 12 }).filter((x) => x.length > 0).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 6 }).filter((x) => x.length > 0).map(encodeURIComponent),
);

function pathFor(route: Route): fc.Arbitrary<string> {
  const parts = route.path.split('/').map((part) => {
    if (part === '*') return fc.oneof(segment, fc.array(segment, { minLength: 1, maxLength: 3 }).map((xs) => xs.join('/')));
    if (!part.startsWith(':')) return fc.constant(part);
    const known = fixtures[part.slice(1)];
    return known ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...known) }, segment) : segment;
  });
  return fc.tuple(...parts).map((xs) => xs.join('/'));
}

const QUERY_NAMES = ['limit', 'starting_after', 'ending_before', 'cursor', 'after', 'before', 'page', 'from', 'to', 'status', 'platform', 'prefix', 'q', 'granularity', 'level', 'since', 'count', 'sync', 'sort'];
const query = fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.oneof(segment, fc.constantFrom('1', '0', '-5', '1e9', 'true', '[]', '{}'))), { maxLength: 3 }).map((pairs) =>
  pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : '',
);

const KEYS = { admin: 'admin', none: 'none', narrow: 'narrow' } as const;
const keyArb = fc.oneof({ weight: 8, arbitrary: fc.constant(KEYS.admin) }, fc.constant(KEYS.none), fc.constant(KEYS.narrow));

// --- the database's row counts, to prove refused requests write nothing -----------------------

let TABLES: string[] = [];
async function rowCounts(): Promise<Record<string, number>> {
  if (!TABLES.length) {
    const rows = await s.app.deps.prisma.$queryRawUnsafe<{ t: string }[]>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_%' ORDER BY 1`,
    );
    TABLES = rows.map((r) => r.t);
  }
  const sql = `SELECT json_build_object(${TABLES.map((t) => `'${t}', (SELECT count(*) FROM "${t}")`).join(', ')}) AS counts`;
  const [row] = await s.app.deps.prisma.$queryRawUnsafe<{ counts: Record<string, number | string> }[]>(sql);
  return Object.fromEntries(Object.entries(row!.counts).map(([k, v]) => [k, Number(v)]));
}
const changed = (a: Record<string, number>, b: Record<string, number>) => TABLES.filter((t) => a[t] !== b[t]).map((t) => `${t} ${a[t]}→${b[t]}`);

async function send(method: string, path: string, body: Body, key: string, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers };
  if (key === KEYS.admin) h.Authorization = `Bearer ${s.adminKey}`;
  else if (key === KEYS.narrow) h.Authorization = `Bearer ${narrowKey}`;
  let payload: Buffer | string | undefined;
  if (body.kind === 'json') {
    payload = JSON.stringify(body.value) ?? 'null';
    h['Content-Type'] = 'application/json';
  } else if (body.kind === 'raw') {
    payload = body.bytes;
    h['Content-Type'] = body.type;
  }
  const res = await fetch(s.url + path, {
    method,
    headers: h,
    body: method === 'GET' || payload === undefined ? undefined : typeof payload === 'string' ? payload : new Uint8Array(payload),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, text: await res.text() };
}

const describeCase = (method: string, path: string, body: Body, key: string) =>
  `${method} ${path.length > 160 ? `${path.slice(0, 160)}…` : path} key=${key} body=${body.kind === 'json' ? (JSON.stringify(body.value) ?? 'undefined').slice(0, 160) : body.kind === 'raw' ? `${body.type} ${JSON.stringify(body.bytes.toString('latin1').slice(0, 80))}` : 'none'}`;

// --- the suite --------------------------------------------------------------------------------

describe('fuzz: every REST route', () => {
  it('generated bad requests: no 5xx, the server stays up, refused requests write nothing', { timeout: 300_000 }, async () => {
    const routes = allRoutes.filter((r) => !SKIPPED[`${r.method} ${r.path}`]);
    expect(routes.length).toBe(allRoutes.length - Object.keys(SKIPPED).length); // every skip names a real route
    let counts = await rowCounts();
    let refusedWrites = 0;
    for (const [i, route] of routes.entries()) {
      const arb = fc.record({ path: pathFor(route), query, body: route.method === 'GET' ? fc.constant<Body>({ kind: 'none' }) : bodyFor(route), key: keyArb });
      for (const c of fc.sample(arb, { seed: SEED + i, numRuns: RUNS })) {
        const path = c.path + c.query;
        cases++;
        let res: { status: number; text: string };
        try {
          res = await send(route.method, path, c.body, c.key);
        } catch (err) {
          findings.push(`no answer (${(err as Error).message}) to ${describeCase(route.method, path, c.body, c.key)}`);
          continue;
        }
        if (res.status >= 500) findings.push(`${res.status} ${res.text.slice(0, 200)} ← ${describeCase(route.method, path, c.body, c.key)}`);
        const now = await rowCounts();
        if (res.status >= 400) {
          refusedWrites++;
          const diff = changed(counts, now);
          if (diff.length) findings.push(`refused with ${res.status} but wrote (${diff.join(', ')}) ← ${describeCase(route.method, path, c.body, c.key)}`);
        }
        counts = now;
      }
    }
    const health = await s.request('GET', '/api/v1/health', { key: null });
    expect(health.status).toBe(200);
    console.log(`fuzz REST: ${routes.length} routes (${Object.keys(SKIPPED).length} skipped), ${cases} cases run, ${refusedWrites} refused and checked for writes, 5xx found: ${findings.filter((f) => /^5\d\d /.test(f)).length}`);
    expect(findings).toEqual([]);
  });
});

// --- GraphQL ------------------------------------------------------------------------------------

const gqlString = fc.oneof(nasty, fc.string({ maxLength: 12 }));
/** A selection on Persona nesting project ↔ personas `depth` times. */
function personaSelection(depth: number, aliases: number): string {
  let sel = 'id name';
  for (let d = 0; d < depth; d++) sel = d % 2 === 0 ? `id project { id name personas(first: 5) { edges { node { ${sel} } } } }` : `id name ${sel}`;
  return Array.from({ length: aliases }, (_, i) => (i ? `a${i}: name` : '')).join(' ') + ` ${sel}`;
}
const gqlCase = fc.oneof(
  fc.record({ depth: fc.integer({ min: 0, max: 40 }), aliases: fc.integer({ min: 1, max: 300 }), first: fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.constant(2 ** 31)), search: gqlString }).map((c) => ({
    query: `query($first: Int, $q: String) { personas(first: $first, filter: { search: $q }) { edges { node { ${personaSelection(c.depth, c.aliases)} } } } }`,
    variables: { first: c.first, q: c.search } as Record<string, unknown>,
  })),
  fc.record({ id: gqlString, depth: fc.integer({ min: 0, max: 30 }) }).map((c) => ({
    query: `query($id: ID!) { persona(id: $id) { ${personaSelection(c.depth, 1)} } node(id: $id) { id __typename } }`,
    variables: { id: c.id } as Record<string, unknown>,
  })),
  fc.record({ input: value, name: gqlString }).map((c) => ({
    query: 'mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename ... on Error { message } } }',
    variables: { input: c.input && typeof c.input === 'object' && !Array.isArray(c.input) ? { name: c.name, ...c.input } : c.input } as Record<string, unknown>,
  })),
  fc.record({ name: gqlString, deep: deepValue }).map((c) => ({
    query: 'mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename } }',
    variables: { input: { name: c.name, config: c.deep } } as Record<string, unknown>,
  })),
  // Alias bombs past any alias limit, kept small enough to run in a few hundred ms where no limit refuses them.
  fc.record({ n: fc.integer({ min: 1, max: 120 }), field: fc.constantFrom('me { team { id } }', '__typename', 'personas(first: 1) { edges { cursor } }') }).map((c) => ({
    query: `{ ${Array.from({ length: c.n }, (_, i) => `x${i}: ${c.field}`).join(' ')} }`,
    variables: {} as Record<string, unknown>,
  })),
  fc.string({ maxLength: 80 }).map((q) => ({ query: q, variables: {} as Record<string, unknown> })),
  fc.integer({ min: 50, max: 5000 }).map((n) => ({ query: `{ ${'me { team { '.repeat(n)} id ${'} } '.repeat(n)} }`, variables: {} as Record<string, unknown> })),
);

describe('fuzz: GraphQL documents', () => {
  it('generated documents and variables, within and beyond the limits: never a 5xx or INTERNAL_SERVER_ERROR; the server stays up; refusals write nothing', { timeout: 300_000 }, async () => {
    const gqlFindings: string[] = [];
    let gqlCases = 0;
    let counts = await rowCounts();
    for (const c of fc.sample(gqlCase, { seed: SEED, numRuns: RUNS * 15 })) {
      gqlCases++;
      const body: Body = { kind: 'json', value: c };
      let res: { status: number; text: string };
      try {
        res = await send('POST', '/graphql', body, KEYS.admin);
      } catch (err) {
        gqlFindings.push(`no answer (${(err as Error).message}) to ${c.query.slice(0, 200)}`);
        continue;
      }
      const what = `${c.query.slice(0, 160)} ${JSON.stringify(c.variables).slice(0, 120)}`;
      if (res.status >= 500 || res.text.includes('INTERNAL_SERVER_ERROR')) gqlFindings.push(`${res.status} ${res.text.slice(0, 200)} ← ${what}`);
      const now = await rowCounts();
      const refused = res.status >= 400 || /"errors"/.test(res.text) || /"__typename":"(ValidationError|ConflictError|NotFoundError|ForbiddenError|OperationError)"/.test(res.text);
      if (refused && !/"__typename":"MutationCreatePersonaSuccess"/.test(res.text)) {
        const diff = changed(counts, now);
        if (diff.length) gqlFindings.push(`refused but wrote (${diff.join(', ')}) ← ${what}`);
      }
      counts = now;
    }
    const alive = await s.graphql('{ me { team { id } } }');
    expect(alive.status).toBe(200);
    console.log(`fuzz GraphQL: ${gqlCases} documents run, 5xx/INTERNAL_SERVER_ERROR found: ${gqlFindings.filter((f) => /^5\d\d |INTERNAL_SERVER_ERROR/.test(f)).length}`);
    expect(gqlFindings).toEqual([]);
  });
});
