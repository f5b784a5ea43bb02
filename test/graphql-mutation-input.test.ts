/**
 * The GraphQL counterparts of REST routes (src/rest/graphql-parity.ts) answer hostile input as the REST routes
 * do (issue 18), over real HTTP, one table row per mutation (test/helpers/mutation-cases.ts):
 *  (1) bad input (missing or invalid fields, too long, wrong enum, bad base64, oversize) → a typed error result
 *      (ValidationError / OperationError with its `code`) or a GraphQL error with `extensions.code`, with a
 *      clear message; nothing written (the row's read answers the same before and after);
 *  (2) the ids of another team → NotFoundError, the other team's data unchanged;
 *  (3) a key without the scope (the read scope of the same data) → ForbiddenError `missing_scope` naming it,
 *      nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { mutationCases, seedMutationFixtures, type MutationCase } from './helpers/mutation-cases.js';

let s: TestServer;
let cases: MutationCase[];
let outsider: string;
const narrowKeys = new Map<string, string>();

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  const fix = await seedMutationFixtures(s);
  cases = mutationCases(s, fix);
  outsider = (await s.createTeam('hostile tenant')).key;
}, 120_000);
afterAll(async () => {
  await s?.close();
});

const RESULT = '{ __typename ... on Error { code message } ... on ValidationError { param } ... on ForbiddenError { scope } }';

/** The mutation's answer: its typed result, or the GraphQL error that stood in for it. */
async function run(c: MutationCase, variables: Record<string, unknown>, key?: string) {
  const res = await s.graphql(`mutation${c.signature} { r: ${c.call} ${RESULT} }`, variables, key ? { key } : {});
  if (res.body.data?.r) {
    expect(res.body.errors, `${c.name}: ${res.text}`).toBeUndefined();
    return { typename: res.body.data.r.__typename as string, code: res.body.data.r.code as string, message: res.body.data.r.message as string, param: res.body.data.r.param, scope: res.body.data.r.scope };
  }
  const err = res.body.errors?.[0];
  expect(err, `${c.name}: ${res.text}`).toBeDefined();
  return { typename: 'GraphQLError', code: err.extensions?.code as string, message: err.message as string, param: err.extensions?.param, scope: undefined };
}

async function keyWith(scopes: string[]) {
  const name = scopes.join(' ');
  if (!narrowKeys.has(name)) narrowKeys.set(name, (await s.createKey(scopes, { name: `narrow ${name}` })).key);
  return narrowKeys.get(name)!;
}

describe('GraphQL mutations refuse bad input, foreign ids and missing scopes, and write nothing', () => {
  it('bad input: a clear error with a code, nothing written', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      for (const bad of c.bad) {
        const before = await c.read();
        const got = await run(c, { ...c.vars(), ...bad.vars });
        const label = `${c.name} ${bad.what}`;
        if (got.typename !== (bad.typename ?? 'ValidationError') || got.code !== bad.code) failures.push(`${label}: answered ${got.typename} ${got.code}: ${got.message}`);
        else if (!(typeof bad.message === 'string' ? got.message === bad.message : bad.message.test(got.message))) failures.push(`${label}: message "${got.message}"`);
        else if (bad.param !== undefined && got.param !== bad.param) failures.push(`${label}: param ${got.param}, want ${bad.param}`);
        expect(await c.read(), `${label} wrote`).toEqual(before);
      }
    }
    expect(failures).toEqual([]);
  });

  it('another team’s ids: NotFoundError, nothing of the other team changed', async () => {
    const failures: string[] = [];
    for (const c of cases.filter((x) => !x.noIds)) {
      const before = await c.read();
      const got = await run(c, c.vars(), outsider);
      if (got.typename !== 'NotFoundError') failures.push(`${c.name}: answered ${got.typename} ${got.code}: ${got.message}`);
      expect(await c.read(), `${c.name} changed the other team`).toEqual(before);
    }
    expect(failures).toEqual([]);
  });

  it('a key without the scope: ForbiddenError missing_scope naming it, nothing written', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const before = await c.read();
      const got = await run(c, c.vars(), await keyWith(c.narrow));
      if (got.typename !== 'ForbiddenError' || got.code !== 'missing_scope' || got.scope !== c.scope) failures.push(`${c.name}: answered ${got.typename} ${got.code} ${got.scope ?? ''}: ${got.message}`);
      expect(await c.read(), `${c.name} wrote without the scope`).toEqual(before);
    }
    expect(failures).toEqual([]);
  });

  it('the same variables with the right key succeed (so the refusals above are about the key and the input)', async () => {
    const failures: string[] = [];
    for (const c of cases.filter((x) => x.succeeds !== false)) {
      const got = await run(c, c.vars());
      if (!/^Mutation\w+Success$/.test(got.typename)) failures.push(`${c.name}: answered ${got.typename} ${got.code}: ${got.message}`);
    }
    expect(failures).toEqual([]);
  });
});
