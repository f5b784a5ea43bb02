/**
 * GraphQL over real HTTP: personas and projects end to end, Relay paging,
 * node(id), typed mutation results, tenancy, authentication, error masking,
 * GraphiQL, the committed schema and nested reads without N+1 queries.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedSchema } from '../src/graphql/schema.js';
import { BACKGROUND_STATEMENT, startTestServer, type TestServer } from './helpers/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Enough room for every request this file makes with one key.
const env = { RATE_LIMIT_PER_MINUTE: '100000' };

let s: TestServer;
let other: { teamId: string; key: string };
beforeAll(async () => {
  s = await startTestServer(env);
  other = await s.createTeam('rival team');
});
afterAll(async () => s?.close());

const PERSONA_FIELDS = `id name description systemPrompt role avatar imageUrl status visibility isSystem capabilities config headers teamId createdAt updatedAt project { id name }`;
const ERRORS = `... on Error { __typename message code } ... on ValidationError { param } ... on ConflictError { param } ... on ForbiddenError { scope }`;

async function gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<T> {
  const res = await s.graphql(query, variables, key === undefined ? {} : { key });
  expect(res.status, res.text).toBe(200);
  expect(res.body.errors, res.text).toBeUndefined();
  return res.body.data as T;
}

async function createPersona(input: Record<string, unknown>, key?: string) {
  const data = await gql(
    `mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename ... on MutationCreatePersonaSuccess { data { ${PERSONA_FIELDS} } } ${ERRORS} } }`,
    { input },
    key,
  );
  return data.createPersona;
}

async function createProject(name: string, key?: string) {
  const data = await gql(
    `mutation($name: String!) { createProject(name: $name) { __typename ... on MutationCreateProjectSuccess { data { id name } } ${ERRORS} } }`,
    { name },
    key,
  );
  return data.createProject;
}

describe('personas', () => {
  it('createPersona returns the persona with every field, and persona(id) reads it back (also over REST)', async () => {
    const project = (await createProject('gql-personas')).data;
    const created = await createPersona({
      name: 'Ada',
      description: 'mathematician',
      systemPrompt: 'You are Ada.',
      role: 'tester',
      avatar: 'https://example.com/ada.png',
      status: 'draft',
      visibility: 'public',
      capabilities: { detailedDescription: 'counts things', focusAreas: ['math'] },
      config: { temperature: 0.5, keyboardOnly: true },
      headers: { 'X-Test': 'yes' },
      projectId: project.id,
    });
    expect(created.__typename).toBe('MutationCreatePersonaSuccess');
    const p = created.data;
    expect(p).toMatchObject({
      name: 'Ada',
      description: 'mathematician',
      systemPrompt: 'You are Ada.',
      role: 'tester',
      status: 'draft',
      visibility: 'public',
      isSystem: false,
      capabilities: { detailedDescription: 'counts things', focusAreas: ['math'] },
      config: { temperature: 0.5, keyboardOnly: true },
      headers: { 'X-Test': 'yes' },
      project: { id: project.id, name: 'gql-personas' },
    });
    expect(new Date(p.createdAt).getTime()).toBeGreaterThan(0);

    const read = await gql(`query($id: ID!) { persona(id: $id) { ${PERSONA_FIELDS} } }`, { id: p.id });
    expect(read.persona).toEqual(p);

    const rest = await s.request('GET', `/api/projects/${project.id}/personas/${p.id}`);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ id: p.id, name: 'Ada', systemPrompt: 'You are Ada.' });
  });

  it('a persona created over REST is found over GraphQL with the same id', async () => {
    const me = await s.request('GET', '/api/v1/me');
    const res = await s.request('POST', '/api/v1/autousers', {
      body: { name: 'From REST', systemPrompt: 'rest prompt', teamId: me.body.team.id },
    });
    expect(res.status).toBe(201);
    const data = await gql(`query($id: ID!) { persona(id: $id) { id name systemPrompt project { id } } }`, { id: res.body.id });
    expect(data.persona).toEqual({ id: res.body.id, name: 'From REST', systemPrompt: 'rest prompt', project: null });
  });

  it('updatePersona changes only the given fields; null clears an optional one', async () => {
    const p = (await createPersona({ name: 'Before', description: 'keep me?', systemPrompt: 'keep' })).data;
    const data = await gql(
      `mutation($id: ID!, $input: UpdatePersonaInput!) { updatePersona(id: $id, input: $input) { __typename ... on MutationUpdatePersonaSuccess { data { ${PERSONA_FIELDS} } } ${ERRORS} } }`,
      { id: p.id, input: { name: 'After', description: null } },
    );
    expect(data.updatePersona.__typename).toBe('MutationUpdatePersonaSuccess');
    expect(data.updatePersona.data).toMatchObject({ id: p.id, name: 'After', description: null, systemPrompt: 'keep' });
    const rest = await s.request('GET', `/api/v1/autousers/${p.id}`);
    expect(rest.body).toMatchObject({ name: 'After', description: null, systemPrompt: 'keep' });
  });

  it('deletePersona returns the persona as it was (nested fields included) and it is gone afterwards', async () => {
    const project = (await createProject('delete-home')).data;
    const p = (await createPersona({ name: 'Doomed', systemPrompt: 'bye', projectId: project.id })).data;
    const data = await gql(
      `mutation($id: ID!) { deletePersona(id: $id) { __typename ... on MutationDeletePersonaSuccess { data { id name project { name } } } ${ERRORS} } }`,
      { id: p.id },
    );
    expect(data.deletePersona).toEqual({ __typename: 'MutationDeletePersonaSuccess', data: { id: p.id, name: 'Doomed', project: { name: 'delete-home' } } });
    expect((await gql(`query($id: ID!) { persona(id: $id) { id } }`, { id: p.id })).persona).toBeNull();
    expect((await s.request('GET', `/api/v1/autousers/${p.id}`)).status).toBe(404);
    const again = await gql(`mutation($id: ID!) { deletePersona(id: $id) { __typename ${ERRORS} } }`, { id: p.id });
    expect(again.deletePersona).toMatchObject({ __typename: 'NotFoundError', code: 'persona_not_found', message: 'Persona not found' });
  });

  it('generatePersonaImage stores a portrait and points imageUrl at it', async () => {
    const project = (await createProject('portraits')).data;
    const p = (await createPersona({ name: 'Painted', systemPrompt: 'A calm gardener in her sixties.', projectId: project.id })).data;
    const data = await gql(
      `mutation($id: ID!) { generatePersonaImage(id: $id) { __typename ... on MutationGeneratePersonaImageSuccess { data { id imageUrl } } ${ERRORS} } }`,
      { id: p.id },
    );
    expect(data.generatePersonaImage.__typename).toBe('MutationGeneratePersonaImageSuccess');
    const imageId = data.generatePersonaImage.data.imageUrl;
    expect(imageId).toMatch(/\.png$/);
    const img = await fetch(`${s.url}/api/projects/${project.id}/images/${imageId}`, { headers: { authorization: `Bearer ${s.adminKey}` } });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await img.arrayBuffer());
    expect([...bytes.slice(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');

    const noPrompt = (await createPersona({ name: 'Blank' })).data;
    const failed = await gql(`mutation($id: ID!) { generatePersonaImage(id: $id) { __typename ${ERRORS} } }`, { id: noPrompt.id });
    expect(failed.generatePersonaImage).toMatchObject({ __typename: 'ValidationError', message: 'Persona has no system prompt', param: 'systemPrompt' });
  });
});

describe('createPersonas', () => {
  const create = (inputs: unknown[], projectId?: string, key?: string) =>
    gql(
      `mutation($inputs: [CreatePersonaInput!]!, $projectId: ID) { createPersonas(inputs: $inputs, projectId: $projectId) { __typename ... on MutationCreatePersonasSuccess { data { id name role project { id } } } ${ERRORS} } }`,
      { inputs, projectId },
      key,
    ).then((d) => d.createPersonas);
  const countNamed = async (prefix: string) =>
    (await gql(`query($q: String) { personas(first: 100, filter: { search: $q, includeSystem: false }) { edges { node { name } } } }`, { q: prefix })).personas.edges.length;

  it('writes every persona in the order given, in the call’s project unless an input names its own', async () => {
    const a = (await createProject('bulk-a')).data;
    const b = (await createProject('bulk-b')).data;
    const r = await create([{ name: 'Bulk one' }, { name: 'Bulk two', role: 'tester', projectId: b.id }, { name: 'Bulk three' }], a.id);
    expect(r.__typename).toBe('MutationCreatePersonasSuccess');
    expect(r.data.map((p: any) => [p.name, p.project.id])).toEqual([['Bulk one', a.id], ['Bulk two', b.id], ['Bulk three', a.id]]);
    expect(r.data[1].role).toBe('tester');
    const read = await gql(`query($id: ID!) { persona(id: $id) { name } }`, { id: r.data[2].id });
    expect(read.persona.name).toBe('Bulk three');
  });

  it('writes none when one input is bad or a name is taken, and says which', async () => {
    const p = (await createProject('bulk-c')).data;
    const bad = await create([{ name: 'Atomic ok' }, { name: '' }], p.id);
    expect(bad).toMatchObject({ __typename: 'ValidationError', param: expect.stringMatching(/^inputs\.1/) });
    expect(bad.message).toContain('inputs[1]');
    expect(await countNamed('Atomic ok')).toBe(0);

    expect((await create([{ name: 'Atomic taken' }], p.id)).__typename).toBe('MutationCreatePersonasSuccess');
    const clash = await create([{ name: 'Atomic fresh' }, { name: 'Atomic taken' }], p.id);
    expect(clash.__typename).toBe('ConflictError');
    const twice = await create([{ name: 'Atomic twin' }, { name: 'Atomic twin' }], p.id);
    expect(twice.__typename).toBe('ConflictError');
    expect(await countNamed('Atomic fresh')).toBe(0);
    expect(await countNamed('Atomic twin')).toBe(0);
  });

  it('needs persona:write, and refuses unknown and other teams’ projects without writing anything', async () => {
    const reader = await s.createKey(['persona:read']);
    expect(await create([{ name: 'Scopeless' }], undefined, reader.key)).toMatchObject({ __typename: 'ForbiddenError', scope: 'persona:write' });
    expect(await countNamed('Scopeless')).toBe(0);

    expect((await create([{ name: 'Lost one' }], 'no-such-project')).__typename).toBe('NotFoundError');
    const theirs = (await createProject('their project', other.key)).data;
    expect((await create([{ name: 'Trespasser' }], theirs.id)).__typename).toBe('NotFoundError');
    expect((await create([{ name: 'Mixed ok' }, { name: 'Mixed trespasser', projectId: theirs.id }])).__typename).toBe('NotFoundError');
    for (const name of ['Lost one', 'Trespasser', 'Mixed ok']) expect(await countNamed(name)).toBe(0);
  });

  it('takes 1 to 100 inputs', async () => {
    expect(await create([])).toMatchObject({ __typename: 'ValidationError', param: 'inputs' });
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `Too many ${i}` }));
    expect(await create(many)).toMatchObject({ __typename: 'ValidationError', param: 'inputs' });
    expect(await countNamed('Too many')).toBe(0);
  });
});

describe('personas connection', () => {
  let projectId: string;
  const names: string[] = [];
  beforeAll(async () => {
    projectId = (await createProject('paging')).data.id;
    for (let i = 0; i < 11; i++) {
      const name = `pager-${String(i).padStart(2, '0')}`;
      names.push(name);
      const r = await createPersona({ name, description: i % 2 ? 'odd one' : 'even one', systemPrompt: 'x', projectId });
      expect(r.__typename).toBe('MutationCreatePersonaSuccess');
    }
  });

  const page = `query($first: Int, $after: String, $filter: PersonaFilter) {
    personas(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id name isSystem teamId project { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;

  async function all(filter: Record<string, unknown>, first: number, key?: string) {
    const seen: any[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const data: any = await gql(page, { first, after, filter }, key);
      const conn = data.personas;
      expect(conn.edges.length).toBeLessThanOrEqual(first);
      seen.push(...conn.edges.map((e: any) => e.node));
      if (!conn.pageInfo.hasNextPage) return seen;
      expect(conn.pageInfo.endCursor).toBe(conn.edges.at(-1).cursor);
      after = conn.pageInfo.endCursor;
    }
    throw new Error('paging never ended');
  }

  it('first/after paging over a project visits every persona exactly once', async () => {
    const seen = await all({ projectId }, 3);
    expect(seen.map((n) => n.name).sort()).toEqual(names);
    expect(new Set(seen.map((n) => n.id)).size).toBe(names.length);
    expect(seen.every((n) => n.project.id === projectId)).toBe(true);
  });

  it('paging over everything visits each visible persona once, system library included by default', async () => {
    const seen = await all({}, 4);
    const ids = seen.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.some((n) => n.isSystem)).toBe(true);
    for (const name of names) expect(seen.filter((n) => n.name === name)).toHaveLength(1);
    // and the same set in one page
    const one = await gql(page, { first: 100, filter: {} });
    expect(one.personas.edges.map((e: any) => e.node.id).sort()).toEqual([...ids].sort());
  });

  it('includeSystem: false leaves the built-in library out', async () => {
    const seen = await all({ includeSystem: false }, 50);
    expect(seen.length).toBeGreaterThan(names.length - 1);
    expect(seen.some((n) => n.isSystem)).toBe(false);
  });

  it('search matches name or description, case-insensitively', async () => {
    const byName = await all({ projectId, search: 'PAGER-0' }, 50);
    expect(byName.map((n) => n.name).sort()).toEqual(names.filter((n) => n.startsWith('pager-0')));
    const byDescription = await all({ projectId, search: 'ODD ONE' }, 50);
    expect(byDescription.map((n) => n.name).sort()).toEqual(names.filter((_, i) => i % 2 === 1));
  });

  it("another team sees the system library but none of this team's personas, and cannot filter by this team's project", async () => {
    const seen = await all({}, 50, other.key);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((n) => n.isSystem)).toBe(true);
    const res = await s.graphql(page, { first: 5, filter: { projectId } }, { key: other.key });
    expect(res.body.data?.personas ?? null).toBeNull();
    expect(res.body.errors![0]).toMatchObject({ message: 'Project not found', extensions: { code: 'project_not_found' } });
  });
});

describe('projects and workspace', () => {
  it('createProject, projects, project(id), a duplicate name → ConflictError, deleteProject removes its personas', async () => {
    const created = await createProject('alpha-project');
    expect(created.__typename).toBe('MutationCreateProjectSuccess');
    const id = created.data.id;
    const dup = await createProject('alpha-project');
    expect(dup).toMatchObject({ __typename: 'ConflictError', code: 'project_name_taken', param: 'name' });

    const p = (await createPersona({ name: 'inside', systemPrompt: 'x', projectId: id })).data;
    const list = await gql(`{ projects { id name } }`);
    expect(list.projects).toContainEqual({ id, name: 'alpha-project' });
    const byPrefix = await gql(`query($id: ID!) { project(id: $id) { id name personas(first: 10) { edges { node { id } } } } }`, { id: id.slice(0, 12) });
    expect(byPrefix.project).toEqual({ id, name: 'alpha-project', personas: { edges: [{ node: { id: p.id } }] } });

    const del = await gql(
      `mutation($id: ID!) { deleteProject(id: $id) { __typename ... on MutationDeleteProjectSuccess { data { id name personas(first: 5) { edges { node { name } } } } } ${ERRORS} } }`,
      { id },
    );
    expect(del.deleteProject).toEqual({
      __typename: 'MutationDeleteProjectSuccess',
      data: { id, name: 'alpha-project', personas: { edges: [{ node: { name: 'inside' } }] } },
    });
    expect((await gql(`query($id: ID!) { project(id: $id) { id } }`, { id })).project).toBeNull();
    expect((await gql(`query($id: ID!) { persona(id: $id) { id } }`, { id: p.id })).persona).toBeNull();
    const again = await gql(`mutation($id: ID!) { deleteProject(id: $id) { __typename ${ERRORS} } }`, { id });
    expect(again.deleteProject).toMatchObject({ __typename: 'NotFoundError', code: 'project_not_found' });
  });

  it('updateWorkspace sets defaults that projects inherit; updateProjectConfig overrides them; keys come back masked', async () => {
    const id = (await createProject('configured')).data.id;
    const ws = await gql(
      `mutation($input: WorkspaceConfigInput!) { updateWorkspace(input: $input) { __typename ... on MutationUpdateWorkspaceSuccess { data { maxConcurrency llmSettings { provider apiKey } styleReferenceImageIds } } ${ERRORS} } }`,
      { input: { maxConcurrency: 7, llmSettings: { provider: 'openai', apiKey: 'sk-1234567890abcdef' } } },
    );
    expect(ws.updateWorkspace).toEqual({
      __typename: 'MutationUpdateWorkspaceSuccess',
      data: { maxConcurrency: 7, llmSettings: { provider: 'openai', apiKey: 'sk-1...cdef' }, styleReferenceImageIds: [] },
    });
    const inherited = await gql(`query($id: ID!) { project(id: $id) { config { maxConcurrency llmSettings { apiKey } } } }`, { id });
    expect(inherited.project.config).toEqual({ maxConcurrency: 7, llmSettings: { apiKey: 'sk-1...cdef' } });

    const upd = await gql(
      `mutation($id: ID!, $input: ProjectConfigInput!) { updateProjectConfig(id: $id, input: $input) { __typename ... on MutationUpdateProjectConfigSuccess { data { maxConcurrency } } ${ERRORS} } }`,
      { id, input: { maxConcurrency: 2 } },
    );
    expect(upd.updateProjectConfig).toEqual({ __typename: 'MutationUpdateProjectConfigSuccess', data: { maxConcurrency: 2 } });
    const rest = await s.request('GET', `/api/projects/${id}/config`);
    expect(rest.body).toMatchObject({ name: 'configured', maxConcurrency: 2, llmSettings: { apiKey: 'sk-1...cdef' } });
    expect(rest.text).not.toContain('sk-1234567890abcdef');

    const bad = await gql(
      `mutation($id: ID!, $input: ProjectConfigInput!) { updateProjectConfig(id: $id, input: $input) { __typename ${ERRORS} } }`,
      { id, input: { maxConcurrency: -1 } },
    );
    expect(bad.updateProjectConfig).toMatchObject({ __typename: 'ValidationError', param: 'maxConcurrency' });
    const missing = await gql(
      `mutation($id: ID!, $input: ProjectConfigInput!) { updateProjectConfig(id: $id, input: $input) { __typename ${ERRORS} } }`,
      { id: 'no-such-project-id', input: { maxConcurrency: 1 } },
    );
    expect(missing.updateProjectConfig).toMatchObject({ __typename: 'NotFoundError', code: 'project_not_found' });
  });
});

describe('node(id)', () => {
  it('finds a persona and a project by id, typed; another team gets null for both', async () => {
    const project = (await createProject('noded')).data;
    const persona = (await createPersona({ name: 'node-persona', systemPrompt: 'x', projectId: project.id })).data;
    const q = `query($id: ID!) { node(id: $id) { __typename id ... on Persona { name project { name } } ... on Project { name } } }`;
    expect((await gql(q, { id: persona.id })).node).toEqual({ __typename: 'Persona', id: persona.id, name: 'node-persona', project: { name: 'noded' } });
    expect((await gql(q, { id: project.id })).node).toEqual({ __typename: 'Project', id: project.id, name: 'noded' });
    expect((await gql(q, { id: persona.id }, other.key)).node).toBeNull();
    expect((await gql(q, { id: project.id }, other.key)).node).toBeNull();
    expect((await gql(q, { id: 'does-not-exist-anywhere' })).node).toBeNull();
  });
});

describe('typed results on mutations', () => {
  it('ValidationError names the field at fault', async () => {
    const empty = await createPersona({ name: '   ' });
    expect(empty).toMatchObject({ __typename: 'ValidationError', message: 'Name is required', param: 'name', code: 'invalid_request' });
    const long = await createPersona({ name: 'x'.repeat(201) });
    expect(long).toMatchObject({ __typename: 'ValidationError', param: 'name' });
    const temp = await createPersona({ name: 'hot', config: { temperature: 9 } });
    expect(temp).toMatchObject({ __typename: 'ValidationError', param: 'config.temperature' });
    const headers = await createPersona({ name: 'h', headers: { 'X-A': 1 } });
    expect(headers).toMatchObject({ __typename: 'ValidationError', param: 'headers.X-A' });
  });

  it('ConflictError for a duplicate persona name in a project', async () => {
    const projectId = (await createProject('dupes')).data.id;
    expect((await createPersona({ name: 'twin', projectId })).__typename).toBe('MutationCreatePersonaSuccess');
    expect(await createPersona({ name: 'twin', projectId })).toMatchObject({
      __typename: 'ConflictError',
      message: 'Persona with name already exists',
      param: 'name',
    });
  });

  it('NotFoundError for unknown ids and for another team’s ids, with the same body', async () => {
    const mine = (await createPersona({ name: 'private-one', systemPrompt: 'x' })).data;
    const upd = `mutation($id: ID!) { updatePersona(id: $id, input: { name: "stolen" }) { __typename ${ERRORS} } }`;
    const unknown = (await gql(upd, { id: 'nope-nope-nope' }, other.key)).updatePersona;
    const foreign = (await gql(upd, { id: mine.id }, other.key)).updatePersona;
    expect(foreign).toEqual(unknown);
    expect(foreign).toMatchObject({ __typename: 'NotFoundError', code: 'persona_not_found' });
    const del = await gql(`mutation($id: ID!) { deletePersona(id: $id) { __typename ${ERRORS} } }`, { id: mine.id }, other.key);
    expect(del.deletePersona.__typename).toBe('NotFoundError');
    const gen = await gql(`mutation($id: ID!) { generatePersonaImage(id: $id) { __typename ${ERRORS} } }`, { id: mine.id }, other.key);
    expect(gen.generatePersonaImage.__typename).toBe('NotFoundError');
    expect((await gql(`query($id: ID!) { persona(id: $id) { name } }`, { id: mine.id })).persona.name).toBe('private-one');
  });

  it('ForbiddenError names the missing scope; reads without persona:read are refused too', async () => {
    const reader = await s.createKey(['persona:read']);
    const r = await createPersona({ name: 'not allowed' }, reader.key);
    expect(r).toMatchObject({ __typename: 'ForbiddenError', scope: 'persona:write', code: 'missing_scope' });
    const proj = await createProject('not allowed either', reader.key);
    expect(proj).toMatchObject({ __typename: 'ForbiddenError', scope: 'persona:write' });

    const nobody = await s.createKey(['agent:read']);
    const res = await s.graphql(`{ personas(first: 1) { edges { node { id } } } }`, {}, { key: nobody.key });
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors![0]).toMatchObject({ message: expect.stringContaining('persona:read'), extensions: { code: 'missing_scope' } });
  });

  it('changing a system persona is refused with a typed error, and it stays as it was', async () => {
    const all = await gql(`{ personas(first: 100) { edges { node { id name isSystem } } } }`);
    const system = all.personas.edges.map((e: any) => e.node).find((n: any) => n.isSystem);
    expect(system).toBeTruthy();
    const del = await gql(`mutation($id: ID!) { deletePersona(id: $id) { __typename ${ERRORS} } }`, { id: system.id });
    expect(del.deletePersona).toEqual({ __typename: 'OperationError', code: 'persona_read_only', message: 'System personas are read-only' });
    const upd = await gql(`mutation($id: ID!) { updatePersona(id: $id, input: { name: "mine now" }) { __typename ${ERRORS} } }`, { id: system.id });
    expect(upd.updatePersona).toMatchObject({ __typename: 'OperationError', code: 'persona_read_only' });
    expect((await gql(`query($id: ID!) { persona(id: $id) { id name } }`, { id: system.id })).persona).toEqual({ id: system.id, name: system.name });
  });
});

describe('authentication', () => {
  it('no key → 401 with a GraphQL error body; a wrong key → the same 401', async () => {
    const none = await s.graphql(`{ me { team { id } } }`, {}, { key: null });
    expect(none.status).toBe(401);
    expect(none.body.errors![0]).toMatchObject({ message: 'Invalid or missing API key', extensions: { code: 'invalid_api_key' } });
    expect(none.headers.get('x-request-id')).toBeTruthy();
    const wrong = await s.graphql(`{ me { team { id } } }`, {}, { key: 'pg_live_this_key_does_not_exist_at_all' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe(none.text);
  });

  it('X-API-Key works as well as Bearer', async () => {
    const res = await s.request('POST', '/graphql', { key: null, headers: { 'X-API-Key': s.adminKey }, body: { query: '{ me { team { name } } }' } });
    expect(res.status).toBe(200);
    expect(res.body.data.me.team.name).toBe('default');
  });
});

describe('GraphiQL', () => {
  it('GET /graphql for a browser serves GraphiQL without a key and without scripts from a CDN', async () => {
    const res = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).toContain('personagraph');
    const external = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?((?:https?:)?\/\/[^"' >]+)/gi)].map((m) => m[1]);
    expect(external).toEqual([]);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr\.net|esm\.sh|cdnjs\.cloudflare|skypack/);
  });
});

describe('schema.graphql', () => {
  it('the committed schema.graphql matches the code (run `npm run schema` to update it)', () => {
    const committed = readFileSync(path.join(root, 'schema.graphql'), 'utf8');
    expect(committed, 'schema.graphql is out of date: run `npm run schema` and commit the result').toBe(printedSchema());
  });
});

describe('unexpected errors', () => {
  it('are masked as "Unexpected error." with no database detail, and carry the request id header', async () => {
    // A test-only server whose database loses a column under it: every persona
    // read then fails deep in the driver with a message naming the column.
    const broken = await startTestServer(env);
    try {
      const logged: { requestId?: string; err?: unknown }[] = [];
      broken.app.deps.log = Object.assign(Object.create(broken.app.deps.log), {
        error: (obj: { requestId?: string; err?: unknown }) => void logged.push(obj),
      });
      await broken.app.deps.prisma.$executeRawUnsafe(`ALTER TABLE "Persona" RENAME COLUMN "description" TO "gone_description"`);
      const res = await broken.graphql(`{ personas(first: 5) { edges { node { id description } } } }`, {}, { headers: { 'X-Request-Id': 'req-masking-1' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('req-masking-1');
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0].message).toBe('Unexpected error.');
      expect(res.body.errors![0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect(res.text).not.toMatch(/description|column|Persona"|prisma|P20\d\d|stack|at .*\.ts/i);
      // …while the operator's log has the real error, tied to the request.
      expect(logged.some((l) => l.requestId === 'req-masking-1' && /does not exist/.test(String(l.err)))).toBe(true);

      const mutation = await broken.graphql(`mutation { createPersona(input: { name: "x" }) { __typename ... on Error { message } } }`);
      expect(mutation.body.errors?.[0]?.message).toBe('Unexpected error.');
      expect(mutation.text).not.toMatch(/column|prisma|description/i);
    } finally {
      await broken.close();
    }
  });
});

describe('nested reads', () => {
  it('personas { project { name } } over 20 personas runs a constant number of SQL statements', async () => {
    const counted = await startTestServer(env);
    try {
      const projects: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await counted.graphql(`mutation($n: String!) { createProject(name: $n) { ... on MutationCreateProjectSuccess { data { id } } } }`, { n: `p${i}` });
        projects.push(r.body.data.createProject.data.id);
      }
      for (let i = 0; i < 20; i++) {
        const r = await counted.graphql(`mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename } }`, {
          input: { name: `n${i}`, projectId: projects[i % 4] },
        });
        expect(r.body.data.createPersona.__typename).toBe('MutationCreatePersonaSuccess');
      }
      const statements: string[] = [];
      const stop = counted.app.onQuery((e) => statements.push(e.query));
      const run = async (first: number) => {
        statements.length = 0;
        const res = await counted.graphql(
          `query($first: Int) { personas(first: $first, filter: { includeSystem: false }) { edges { node { id name project { name } } } } }`,
          { first },
        );
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data.personas.edges).toHaveLength(first);
        expect(res.body.data.personas.edges.every((e: any) => /^p\d$/.test(e.node.project.name))).toBe(true);
        return statements.filter((q) => !/"public"\."(ApiKey|Team)"/.test(q) && !BACKGROUND_STATEMENT.test(q)).length; // authentication's own reads and background work aside
      };
      const forTwo = await run(2);
      const forTwenty = await run(20);
      stop();
      expect(forTwenty).toBe(forTwo);
      // one for the personas, one for their projects (a join would make it one)
      expect(forTwenty).toBeLessThanOrEqual(2);
    } finally {
      await counted.close();
    }
  });
});
