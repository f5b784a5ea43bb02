/**
 * The graph across domains (issue 18): the README's cross-domain query runs
 * as written there; Persona.agents and Persona.evalRuns show only the caller's
 * team's records (a system persona is shared by every team) and need the
 * scope of what they reach; Publication.platform; and the GraphQL
 * counterparts of REST writes (EvalStudio CRUD, workspace files) behave as
 * their routes do: same validation, same scopes, same data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_STATEMENT, startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let teamId = '';

beforeAll(async () => {
  s = await startTestServer();
  teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
}, 120_000);
afterAll(() => s?.close());

async function rest(method: string, p: string, body?: unknown, key?: string) {
  const res = await s.request(method, p, { body, key });
  expect(res.status, `${method} ${p}: ${res.text}`).toBeLessThan(300);
  return res.body;
}

/** The fenced graphql block of README.md's GraphQL section, verbatim. */
function readmeQuery(): string {
  const readme = readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## GraphQL: one graph for everything'));
  const m = /```graphql\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md has no graphql block in its GraphQL section');
  return m[1]!;
}

describe('the README’s cross-domain query', () => {
  it('walks persona → agents → conversations → messages and persona → influencers → profiles → batches', async () => {
    const persona = await rest('POST', '/api/v1/autousers', { teamId, name: 'Ana', systemPrompt: 'You are Ana.' });
    const user = await rest('POST', '/api/v1/users', { username: 'readme-user' });
    const agent = await rest('POST', `/api/v1/users/${user.id}/agents`, { name: 'ana-bot', provider: 'embedded', personaId: persona.id });
    const influencer = await rest('POST', '/api/v1/influencers', { name: 'Ana Influencer', handle: 'ana_readme', personaId: persona.id });
    const profile = await rest('POST', '/api/v1/profiles', { name: 'Ana’s voice', influencerId: influencer.id });
    const batch = await s.app.deps.prisma.batch.create({ data: { id: `batch_readme${Date.now()}`, teamId, profileId: profile.id, count: 2, completed: 1, status: 'running' } });
    // One turn with the agent (embedded model): its default conversation holds the question and the answer.
    const chat = await rest('POST', `/api/v1/users/${user.id}/agents/ana-bot/chat`, { messages: [{ role: 'user', content: 'Hello Ana' }] });

    const res = await s.graphql(readmeQuery(), { id: persona.id });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.persona).toEqual({
      name: 'Ana',
      agents: [
        {
          id: agent.id,
          name: 'ana-bot',
          status: expect.any(String),
          user: { username: 'readme-user' },
          conversations: {
            edges: [
              {
                node: {
                  name: expect.any(String),
                  isDefault: true,
                  // Newest first: the answer, then the question.
                  messages: { edges: [{ node: { role: 'assistant', content: chat.message } }, { node: { role: 'user', content: 'Hello Ana' } }] },
                },
              },
            ],
          },
        },
      ],
      influencers: [
        {
          name: 'Ana Influencer',
          handle: 'ana_readme',
          profiles: [{ name: 'Ana’s voice', batches: [{ id: batch.id, status: 'running', count: 2, completed: 1 }] }],
        },
      ],
    });
  });
});

describe('Persona.agents and Persona.evalRuns', () => {
  it('show only the caller’s team’s records of a shared system persona, and need the scope of what they reach', async () => {
    const system = await s.app.deps.prisma.persona.findFirst({ where: { isSystem: true } });
    expect(system).not.toBeNull();
    const other = await s.createTeam('relations-other');
    const theirUser = await rest('POST', '/api/v1/users', { username: 'theirs' }, other.key);
    const theirs = await rest('POST', `/api/v1/users/${theirUser.id}/agents`, { name: 'their-bot', provider: 'embedded', personaId: system!.id }, other.key);
    const ourUser = await rest('POST', '/api/v1/users', { username: 'ours' });
    const ours = await rest('POST', `/api/v1/users/${ourUser.id}/agents`, { name: 'our-bot', provider: 'embedded', personaId: system!.id });

    // An eval run of the other team played by the system persona.
    const project = await rest('POST', '/api/projects', { name: 'their project' }, other.key);
    const scenario = await rest('POST', `/api/projects/${project.id}/scenarios`, { name: 'ask', instructions: 'Ask.' }, other.key);
    const run = await s.app.deps.prisma.evalRun.create({ data: { teamId: other.teamId, projectId: project.id, scenarioId: scenario.id, personaId: system!.id, status: 'completed' } });

    const q = `query($id: ID!) { persona(id: $id) { agents { id name } evalRuns(first: 10) { edges { node { id } } } } }`;
    const mine = await s.graphql(q, { id: system!.id });
    expect(mine.body.errors).toBeUndefined();
    expect(mine.body.data.persona).toEqual({ agents: [{ id: ours.id, name: 'our-bot' }], evalRuns: { edges: [] } });
    const theirView = await s.graphql(q, { id: system!.id }, { key: other.key });
    expect(theirView.body.data.persona).toEqual({ agents: [{ id: theirs.id, name: 'their-bot' }], evalRuns: { edges: [{ node: { id: run.id } }] } });

    // A persona-only key reads the persona but not the agents it reaches.
    const narrow = await s.createKey(['persona:read']);
    const refused = await s.graphql(`query($id: ID!) { persona(id: $id) { name agents { id } } }`, { id: system!.id }, { key: narrow.key });
    expect(refused.body.data).toEqual({ persona: null });
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ message: expect.stringContaining('agent:read'), path: ['persona', 'agents', 0, 'id'], extensions: expect.objectContaining({ code: 'missing_scope' }) }),
    ]);
    expect(JSON.stringify(refused.body)).not.toContain('our-bot');
  });
});

describe('EvalStudio writes over GraphQL', () => {
  it('create, update and delete connectors, scenarios and evals with REST’s validation and scopes', async () => {
    const project = await rest('POST', '/api/projects', { name: 'graph evals' });
    const user = await rest('POST', '/api/v1/users', { username: 'eval-target' });
    const agent = await rest('POST', `/api/v1/users/${user.id}/agents`, { name: 'target', provider: 'embedded' });

    const connector = await s.graphql(
      `mutation($p: ID!, $input: EvalConnectorInput!) { createEvalConnector(projectId: $p, input: $input) { __typename ... on MutationCreateEvalConnectorSuccess { data { id name type agent { id } } } ... on Error { message code } } }`,
      { p: project.id, input: { name: 'the agent', type: 'agent', config: { agentId: agent.id } } },
    );
    const c = connector.body.data.createEvalConnector;
    expect(c.data).toMatchObject({ name: 'the agent', type: 'agent', agent: { id: agent.id } });
    expect((await rest('GET', `/api/projects/${project.id}/connectors/${c.data.id}`)).name).toBe('the agent');

    const bad = await s.graphql(`mutation($p: ID!) { createScenario(projectId: $p, input: { name: "  " }) { __typename ... on ValidationError { message param } } }`, { p: project.id });
    expect(bad.body.data.createScenario).toEqual({ __typename: 'ValidationError', message: 'Name is required', param: 'name' });

    const scenario = await s.graphql(
      `mutation($p: ID!) { createScenario(projectId: $p, input: { name: "refund", instructions: "Ask for a refund.", maxMessages: 4 }) { ... on MutationCreateScenarioSuccess { data { id name maxMessages prompt { systemPrompt } } } } }`,
      { p: project.id },
    );
    const sc = scenario.body.data.createScenario.data;
    expect(sc).toMatchObject({ name: 'refund', maxMessages: 4 });
    expect(sc.prompt.systemPrompt).toContain('Ask for a refund.');

    const created = await s.graphql(
      `mutation($p: ID!, $c: ID!, $sc: ID!) { createEval(projectId: $p, input: { name: "e1", connectorId: $c, scenarioIds: [$sc] }) { ... on MutationCreateEvalSuccess { data { id name scenarios { id } connector { id } } } } }`,
      { p: project.id, c: c.data.id, sc: sc.id },
    );
    const ev = created.body.data.createEval.data;
    expect(ev).toMatchObject({ name: 'e1', scenarios: [{ id: sc.id }], connector: { id: c.data.id } });
    const renamed = await s.graphql(`mutation($p: ID!, $id: ID!) { updateEval(projectId: $p, id: $id, input: { name: "e2" }) { ... on MutationUpdateEvalSuccess { data { name scenarioIds } } } }`, { p: project.id, id: ev.id });
    expect(renamed.body.data.updateEval.data).toEqual({ name: 'e2', scenarioIds: [sc.id] });
    expect((await rest('GET', `/api/projects/${project.id}/evals/${ev.id}`)).name).toBe('e2');

    // eval:read may not write: a typed refusal naming eval:write, and nothing changes.
    const reader = await s.createKey(['eval:read']);
    const refused = await s.graphql(`mutation($p: ID!, $id: ID!) { deleteEval(projectId: $p, id: $id) { __typename ... on ForbiddenError { message } } }`, { p: project.id, id: ev.id }, { key: reader.key });
    expect(refused.body.data.deleteEval.__typename).toBe('ForbiddenError');
    expect(refused.body.data.deleteEval.message).toContain('eval:write');

    const deleted = await s.graphql(`mutation($p: ID!, $id: ID!) { deleteEval(projectId: $p, id: $id) { __typename ... on MutationDeleteEvalSuccess { data { id name } } } }`, { p: project.id, id: ev.id });
    expect(deleted.body.data.deleteEval.data).toEqual({ id: ev.id, name: 'e2' });
    expect((await s.request('GET', `/api/projects/${project.id}/evals/${ev.id}`)).status).toBe(404);

    // Another team's project is not found, whatever the key may do.
    const other = await s.createTeam('evals-other');
    const foreign = await s.graphql(`mutation($p: ID!) { createScenario(projectId: $p, input: { name: "x" }) { __typename } }`, { p: project.id }, { key: other.key });
    expect(foreign.body.data.createScenario.__typename).toBe('NotFoundError');
  });
});

describe('workspace files over GraphQL', () => {
  it('writes, reads (the same bytes REST serves) and deletes a file', async () => {
    const user = await rest('POST', '/api/v1/users', { username: 'files-user' });
    const agent = await rest('POST', `/api/v1/users/${user.id}/agents`, { name: 'writer', provider: 'embedded' });
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const write = await s.graphql(
      `mutation($u: ID!, $a: ID!, $c: String!) { writeAgentFile(user: $u, agent: $a, path: "data/blob.bin", content: $c, encoding: BASE64, contentType: "application/octet-stream") { ... on MutationWriteAgentFileSuccess { data { path size contentType } } ... on Error { message } } }`,
      { u: user.id, a: agent.id, c: bytes.toString('base64') },
    );
    expect(write.body.data.writeAgentFile.data).toEqual({ path: 'data/blob.bin', size: 5, contentType: 'application/octet-stream' });
    const served = await fetch(`${s.url}/api/v1/users/${user.id}/agents/${agent.id}/files/data/blob.bin`, { headers: { authorization: `Bearer ${s.adminKey}` } });
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);

    await s.graphql(`mutation($u: ID!, $a: ID!) { writeAgentFile(user: $u, agent: $a, path: "notes.md", content: "héllo") { __typename } }`, { u: user.id, a: agent.id });
    const read = await s.graphql(`query($id: ID!) { agent(id: $id) { bin: file(path: "data/blob.bin") { base64 text } md: file(path: "notes.md") { text size } none: file(path: "nope.txt") { text } } }`, { id: agent.id });
    expect(read.body.data.agent).toEqual({ bin: { base64: bytes.toString('base64'), text: null }, md: { text: 'héllo', size: 6 }, none: null });

    const badB64 = await s.graphql(`mutation($u: ID!, $a: ID!) { writeAgentFile(user: $u, agent: $a, path: "x.bin", content: "not base64!", encoding: BASE64) { __typename ... on ValidationError { param } } }`, { u: user.id, a: agent.id });
    expect(badB64.body.data.writeAgentFile).toEqual({ __typename: 'ValidationError', param: 'content' });

    const del = await s.graphql(`mutation($u: ID!, $a: ID!) { deleteAgentFile(user: $u, agent: $a, path: "notes.md") { __typename ... on MutationDeleteAgentFileSuccess { data } } }`, { u: user.id, a: agent.id });
    expect(del.body.data.deleteAgentFile).toEqual({ __typename: 'MutationDeleteAgentFileSuccess', data: true });
    const again = await s.graphql(`mutation($u: ID!, $a: ID!) { deleteAgentFile(user: $u, agent: $a, path: "notes.md") { __typename } }`, { u: user.id, a: agent.id });
    expect(again.body.data.deleteAgentFile.__typename).toBe('NotFoundError');
  });
});

/**
 * What a node() lookup's statement count leaves out besides the server's jobs (BACKGROUND_STATEMENT): a key lookup
 * (an earlier test's key change, announced asynchronously, can empty the key cache) and the agent deploys and runtime
 * log that earlier tests' agents write in the background ("DeployJob", "AgentLog", and the deploy progress view's read
 * of its agents' id, name and status: src/modules/agents/deploy.ts viewWithAgents). A lookup touches none of them.
 */
const NOT_THE_LOOKUP =
  /FROM "public"\."ApiKey"|"DeployJob"|"AgentLog"|^UPDATE "public"\."Agent" |^SELECT "public"\."Agent"\."id", "public"\."Agent"\."name", "public"\."Agent"\."status" FROM "public"\."Agent" WHERE "public"\."Agent"\."id" IN /;

describe('node(id:)', () => {
  it('loads an id whose prefix names its type with that type’s loader alone: one statement', async () => {
    const influencer = await rest('POST', '/api/v1/influencers', { name: 'Node Test', handle: 'node_test' });
    expect(influencer.id).toMatch(/^inf_/);
    const q = `query($id: ID!) { node(id: $id) { __typename id ... on Influencer { name } } }`;
    await s.graphql(q, { id: influencer.id }); // warm-up: the key is then known
    const seen: string[] = [];
    // Counted: the lookup's statements. Not counted: the server's background work, and the key's own lookup
    // should an earlier test's key change (announced asynchronously) have emptied the key cache meanwhile.
    const stop = s.app.onQuery((e) => void (BACKGROUND_STATEMENT.test(e.query) || NOT_THE_LOOKUP.test(e.query) || seen.push(e.query)));
    const res = await s.graphql(q, { id: influencer.id });
    stop();
    expect(res.body.data.node).toEqual({ __typename: 'Influencer', id: influencer.id, name: 'Node Test' });
    expect(seen, seen.join('\n')).toHaveLength(1);

    // Another team's influencer is null, as is an unknown id of that prefix.
    const other = await s.createTeam('node-other');
    expect((await s.graphql(q, { id: influencer.id }, { key: other.key })).body.data.node).toBeNull();
    expect((await s.graphql(q, { id: 'inf_000000000000000000000000' })).body.data.node).toBeNull();
  });

  it('loads a nodeId (a global id naming its type) with that type’s loader alone: one statement, for uuid-keyed types too', async () => {
    const project = await rest('POST', '/api/projects', { name: 'node ids' });
    const persona = await rest('POST', '/api/v1/autousers', { teamId, name: 'Noda', systemPrompt: 'You are Noda.' });
    const q = `query($id: ID!) { node(id: $id) { __typename id nodeId ... on Persona { name } ... on Project { name } } }`;
    const byRestId = async (id: string) => (await s.graphql(q, { id })).body.data.node;

    for (const [typename, record, name] of [['Project', project, 'node ids'], ['Persona', persona, 'Noda']] as const) {
      // The REST id still finds the record (asked of every uuid-keyed type), and answers its nodeId.
      const found = await byRestId(record.id);
      expect(found).toMatchObject({ __typename: typename, id: record.id, name });
      expect(Buffer.from(found.nodeId, 'base64').toString()).toBe(`${typename}:${record.id}`);

      // Uncounted first: the bare id above asked every type, and a loader that refuses early can leave a read in flight.
      expect((await s.graphql(q, { id: found.nodeId })).body.data.node).toEqual(found);
      const seen: string[] = [];
      const stop = s.app.onQuery((e) => void (BACKGROUND_STATEMENT.test(e.query) || NOT_THE_LOOKUP.test(e.query) || seen.push(e.query)));
      const res = await s.graphql(q, { id: found.nodeId });
      stop();
      expect(res.body.data.node).toEqual(found);
      expect(seen, seen.join('\n')).toHaveLength(1);
    }

    // Same nodeId through the type's own field; a global id naming another type, an unknown type, or another
    // team's record is null.
    const viaField = await s.graphql(`query($id: ID!) { persona(id: $id) { nodeId } }`, { id: persona.id });
    expect(viaField.body.data.persona.nodeId).toBe((await byRestId(persona.id)).nodeId);
    const globalOf = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
    expect(await byRestId(globalOf('Agent', persona.id))).toBeNull();
    expect(await byRestId(globalOf('NoSuchType', persona.id))).toBeNull();
    const other = await s.createTeam('node-global-other');
    expect((await s.graphql(q, { id: globalOf('Project', project.id) }, { key: other.key })).body.data.node).toBeNull();
    expect((await s.graphql(q, { id: globalOf('Project', project.id) })).body.data.node).toMatchObject({ id: project.id });
  });
});
