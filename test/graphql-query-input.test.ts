/**
 * The GraphQL read counterparts added with issue 17/18 (llmModels, features, socialAccounts / sandbox posts,
 * AgentUser.logs, Agent.ping / connect / file) answer as their REST routes do, over real HTTP: bad arguments →
 * an error with `extensions.code` and `param` at the field; another team's ids → null (nothing of theirs);
 * a key without the scope → `missing_scope` naming it. Mutations: test/graphql-mutation-input.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeProfile } from './helpers/content.js';

let s: TestServer;
let outsider: string;
const fix = { user: '', account: '' };

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  const teamId = (await s.request('GET', '/api/v1/me')).body.team.id as string;
  const { profileId } = await makeProfile(s.app.deps.prisma, teamId, {});
  fix.account = (await s.request('POST', '/api/v1/accounts', { body: { profileId, platform: 'sandbox', handle: 'reader' } })).body.id;
  fix.user = (await s.request('POST', '/api/v1/users', { body: { username: 'reader' } })).body.id;
  const agent = await s.request('POST', `/api/v1/users/${fix.user}/agents`, { body: { name: 'pal', provider: 'embedded' } });
  expect(agent.status, agent.text).toBe(201);
  const put = await s.request('PUT', `/api/v1/users/${fix.user}/agents/pal/files/notes.txt`, { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } });
  expect(put.status, put.text).toBeLessThan(300);
  outsider = (await s.createTeam('hostile reader')).key;
}, 120_000);
afterAll(async () => {
  await s?.close();
});

const ACCOUNT = 'query($id: ID!) { socialAccount(id: $id) { id ';
const AGENT = 'query($u: ID!) { agentUser(ref: $u) { agents { name ';
const LOGS = 'query($u: ID!) { agentUser(ref: $u) { logs';

/** [what, query, variables, the error at the field (code, param, message)]. */
const BAD: [string, string, () => Record<string, unknown>, { code: string; param?: string; message: string }][] = [
  ['llmModels unknown provider', 'query { llmModels(providerType: "nope") }', () => ({}), { code: 'invalid_provider_type', param: 'providerType', message: 'Invalid provider type' }],
  ['socialAccounts limit 0', 'query { socialAccounts(limit: 0) { data { id } } }', () => ({}), { code: 'invalid_request', param: 'limit', message: 'limit must be an integer between 1 and 100' }],
  ['socialAccounts limit 101', 'query { socialAccounts(limit: 101) { data { id } } }', () => ({}), { code: 'invalid_request', param: 'limit', message: 'limit must be an integer between 1 and 100' }],
  ['socialAccounts platform', 'query { socialAccounts(platform: "myspace") { data { id } } }', () => ({}), { code: 'invalid_request', param: 'platform', message: 'platform must be one of sandbox, webhook, x, tiktok, instagram' }],
  ['socialAccounts status', 'query { socialAccounts(status: "zzz") { data { id } } }', () => ({}), { code: 'invalid_request', param: 'status', message: 'status must be connected or disconnected' }],
  ['sandboxPosts limit', `${ACCOUNT} sandboxPosts(limit: -1) { data { id } } } }`, () => ({ id: fix.account }), { code: 'invalid_request', param: 'limit', message: 'limit must be an integer between 1 and 100' }],
  ['sandboxPosts cursor', `${ACCOUNT} sandboxPosts(startingAfter: "nope") { data { id } } } }`, () => ({ id: fix.account }), { code: 'invalid_request', param: 'starting_after', message: 'starting_after does not name a post in this list' }],
  ['logs since', `${LOGS}(since: "yesterday") { message } } }`, () => ({ u: fix.user }), { code: 'invalid_request', param: 'since', message: 'since must be an ISO 8601 date-time' }],
  ['logs level', `${LOGS}(level: "loud") { message } } }`, () => ({ u: fix.user }), { code: 'invalid_request', param: 'level', message: 'level must be one of debug, info, warn, error' }],
  ['logs limit', `${LOGS}(limit: 0) { message } } }`, () => ({ u: fix.user }), { code: 'invalid_request', param: 'limit', message: 'limit must be an integer between 1 and 1000' }],
  ['file path escapes', `${AGENT} file(path: "../x") { text } } } }`, () => ({ u: fix.user }), { code: 'invalid_path', param: 'path', message: 'invalid file path: it contains ".."' }],
  ['file path empty', `${AGENT} file(path: "") { text } } } }`, () => ({ u: fix.user }), { code: 'invalid_path', param: 'path', message: 'invalid file path: it is empty' }],
];

/** [what, query, variables, scope a key lacks, the scope named]. The outsider's answer: data with these nulls. */
const READS: [string, string, () => Record<string, unknown>, string, string, unknown][] = [
  ['socialAccount', `${ACCOUNT} sandboxPosts { data { id } } sandboxPost(id: "nope") { id } } }`, () => ({ id: fix.account }), 'content:read', 'profile:read', { socialAccount: null }],
  ['logs', `${LOGS} { message } } }`, () => ({ u: fix.user }), 'content:read', 'agent:read', { agentUser: null }],
  ['ping / connect / file', `${AGENT} ping { online status } connect file(path: "notes.txt") { text } } } }`, () => ({ u: fix.user }), 'content:read', 'agent:read', { agentUser: null }],
  ['llmModels', 'query { llmModels }', () => ({}), 'persona:read', 'eval:read', undefined],
  ['features', 'query { features }', () => ({}), 'agent:read', 'character:read', undefined],
];

describe('GraphQL reads answer bad arguments, foreign ids and missing scopes as REST does', () => {
  it('bad arguments: an error at the field with a code, param and a clear message', async () => {
    for (const [what, query, vars, want] of BAD) {
      const res = await s.graphql(query, vars());
      expect(res.body.errors, `${what}: ${res.text}`).toHaveLength(1);
      const err = res.body.errors![0];
      expect({ what, message: err.message, code: err.extensions?.code, param: err.extensions?.param }).toEqual({ what, message: want.message, code: want.code, param: want.param });
    }
  });

  it('another team’s ids answer null; the reads work for their own team', async () => {
    for (const [what, query, vars, , , foreign] of READS) {
      const own = await s.graphql(query, vars());
      expect(own.body.errors, `${what}: ${own.text}`).toBeUndefined();
      if (foreign === undefined) continue;
      expect(Object.values(own.body.data!)[0], what).not.toBeNull();
      const res = await s.graphql(query, vars(), { key: outsider });
      expect(res.body, what).toEqual({ data: foreign });
    }
  });

  it('a key without the scope: missing_scope naming it, no data', async () => {
    for (const [what, query, vars, keyScope, scope] of READS) {
      const { key } = await s.createKey([keyScope], { name: `lacks ${scope} for ${what}` });
      const res = await s.graphql(query, vars(), { key });
      expect(res.body.errors, `${what}: ${res.text}`).toEqual([expect.objectContaining({ message: `This API key lacks the required scope: ${scope}`, extensions: expect.objectContaining({ code: 'missing_scope' }) })]);
      expect(JSON.stringify(res.body.data ?? null), what).not.toMatch(/notes|reader|embedded/);
    }
  });
});
