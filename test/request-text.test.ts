/**
 * Bad text and deep JSON (issue 16, class 5), over real HTTP and real
 * websockets: NUL bytes, lone UTF-16 surrogates, bytes that are not UTF-8 and
 * JSON nested 10,000+ levels are refused with a 400 naming the field or the
 * limit (REST bodies, path segments, query values, GraphQL variables and
 * literals over HTTP and graphql-ws), nothing is written by a refused request,
 * the server stays up, and text the server shortens (the embedded chat model
 * quoting 70+ emoji) is cut only at code-point boundaries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';

let s: TestServer;
let teamId: string;
beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
});
afterAll(async () => {
  await s?.close();
});

const json = { 'Content-Type': 'application/json' };
const personaCount = () => s.app.deps.prisma.persona.count({ where: { teamId } });

function expectRefused(res: TestResponse, code: string, param: string | null) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code, res.text).toBe(code);
  expect(res.body.error.param, res.text).toBe(param);
  if (param) expect(res.body.error.message).toContain(param);
}

async function serverAlive() {
  const res = await s.request('GET', '/api/v1/me');
  expect(res.status).toBe(200);
}

const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('REST bodies', () => {
  it('a NUL byte in a string field is a 400 naming body.<field>; nothing is written', async () => {
    const before = await personaCount();
    const res = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'nul\u0000name', systemPrompt: 'x' } });
    expectRefused(res, 'invalid_text', 'body.name');
    expect(res.body.error.message).toMatch(/NUL/);
    // Nested fields and object keys too.
    const nested = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'nested nul', systemPrompt: 'x', capabilities: { focusAreas: ['ok', 'b\u0000d'] } } });
    expectRefused(nested, 'invalid_text', 'body.capabilities.focusAreas[1]');
    const key = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'key nul', systemPrompt: 'x', config: { 'a\u0000': 1 } } });
    expectRefused(key, 'invalid_text', 'body.config');
    expect(await personaCount()).toBe(before);
  });

  it('a lone surrogate (JSON "\\ud800" escape) and bytes that are not UTF-8 are 400s; nothing is stored as U+FFFD', async () => {
    const before = await personaCount();
    const lone = await s.request('POST', '/api/v1/autousers', { rawBody: `{"teamId":"${teamId}","name":"lone \\ud800 surrogate","systemPrompt":"x"}`, headers: json });
    expectRefused(lone, 'invalid_text', 'body.name');
    expect(lone.body.error.message).toMatch(/surrogate/);
    const low = await s.request('POST', '/api/v1/autousers', { rawBody: `{"teamId":"${teamId}","name":"x","systemPrompt":"reversed \\udc00\\ud800"}`, headers: json });
    expectRefused(low, 'invalid_text', 'body.systemPrompt');
    const bytes = Buffer.concat([Buffer.from(`{"teamId":"${teamId}","name":"latin `), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('","systemPrompt":"x"}')]);
    const invalid = await s.request('POST', '/api/v1/autousers', { rawBody: bytes, headers: json });
    expectRefused(invalid, 'invalid_utf8', 'body');
    // An encoded surrogate (CESU-8 / WTF-8 bytes ED A0 80) is not UTF-8 either.
    const wtf8 = Buffer.concat([Buffer.from(`{"teamId":"${teamId}","name":"wtf `), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('","systemPrompt":"x"}')]);
    expectRefused(await s.request('POST', '/api/v1/autousers', { rawBody: wtf8, headers: json }), 'invalid_utf8', 'body');
    expect(await personaCount()).toBe(before);
    // A well-formed pair (an emoji, escaped or not) is fine.
    const ok = await s.request('POST', '/api/v1/autousers', { rawBody: `{"teamId":"${teamId}","name":"pair \\ud83d\\ude00 😀","systemPrompt":"x"}`, headers: json });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.name).toBe('pair 😀 😀');
  });

  it('an update with bad text changes nothing', async () => {
    const created = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'unchanged', systemPrompt: 'before' } });
    expect(created.status).toBe(201);
    const res = await s.request('PATCH', `/api/v1/autousers/${created.body.id}`, { body: { systemPrompt: 'after\u0000' } });
    expectRefused(res, 'invalid_text', 'body.systemPrompt');
    const row = await s.app.deps.prisma.persona.findUniqueOrThrow({ where: { id: created.body.id } });
    expect(row.systemPrompt).toBe('before');
  });

  it.each([10_000, 100_000])('JSON nested %i levels is a 400 naming the limit, nothing is written, and the server stays up', async (levels) => {
    const before = await personaCount();
    const res = await s.request('POST', '/api/v1/autousers', {
      rawBody: `{"teamId":"${teamId}","name":"deep ${levels}","systemPrompt":"x","capabilities":{"focusAreas":${deep(levels)}}}`,
      headers: json,
    });
    expectRefused(res, 'json_too_deep', 'body');
    expect(res.body.error.message).toMatch(/64 levels.*MAX_JSON_DEPTH/);
    // A whole body that is only brackets, and one on a route whose handler ignores the body.
    expectRefused(await s.request('POST', '/api/v1/autousers', { rawBody: deep(levels), headers: json }), 'json_too_deep', 'body');
    expect(await personaCount()).toBe(before);
    await serverAlive();
  });

  it('nesting up to the limit is accepted; brackets inside strings do not count', async () => {
    const nested = JSON.parse(`{"v":${'['.repeat(60)}"${'['.repeat(500)}"${']'.repeat(60)}}`);
    // body (1) → extra (2) → 60 arrays: 62 levels, under the default 64 (an unknown field, which the route ignores).
    const res = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'deep but fine', systemPrompt: 'x', extra: nested } });
    expect(res.status, res.text).toBe(201);
    const over = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'one too deep', systemPrompt: 'x', extra: { v: [[[nested.v]]] } } });
    expectRefused(over, 'json_too_deep', 'body');
  });

  it('the family shape is kept: an Autonomis path answers {error} with the field in the message', async () => {
    const res = await s.request('POST', '/api/v1/users', { body: { username: 'textuser', displayName: 'a\u0000b' } });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toEqual({ error: expect.stringContaining('body.displayName') });
    expect(await s.app.deps.prisma.agentUser.count({ where: { username: 'textuser' } })).toBe(0);
  });
});

describe('path segments and query values', () => {
  it('%00 in a path segment is a 400 naming path', async () => {
    expectRefused(await s.request('GET', '/api/v1/autousers/ab%00cd'), 'invalid_text', 'path');
    expectRefused(await s.request('DELETE', '/api/v1/autousers/%00'), 'invalid_text', 'path');
    // EvalStudio's family answers {error}: the same refusal in its shape.
    const evalstudio = await s.request('GET', '/api/projects/x%00y/personas');
    expect(evalstudio.status).toBe(400);
    expect(evalstudio.body).toEqual({ error: expect.stringMatching(/^invalid path: it contains a NUL/) });
  });

  it('%00 in a query value or name is a 400 naming it', async () => {
    expectRefused(await s.request('GET', '/api/v1/autousers?limit=1&starting_after=a%00b'), 'invalid_text', 'query.starting_after');
    expectRefused(await s.request('GET', '/api/v1/autousers?a%00b=1'), 'invalid_text', 'query');
    await serverAlive();
  });
});

describe('GraphQL over HTTP', () => {
  const create = `mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename ... on MutationCreatePersonaSuccess { data { id name } } } }`;

  it('a NUL or a lone surrogate in variables is a 400 naming variables.<path>; nothing is written', async () => {
    const before = await personaCount();
    const nul = await s.graphql(create, { input: { name: 'gql\u0000nul' } });
    expect(nul.status, nul.text).toBe(400);
    expect(nul.body.errors![0].extensions).toMatchObject({ code: 'invalid_text', param: 'variables.input.name' });
    expect(nul.body.errors![0].message).toContain('variables.input.name');
    const lone = await s.request('POST', '/graphql', { rawBody: JSON.stringify({ query: create }).replace(/}$/, `,"variables":{"input":{"name":"ok","headers":{"X-A":"\\udfff"}}}}`), headers: json });
    expect(lone.status, lone.text).toBe(400);
    expect(lone.body.errors[0].extensions).toMatchObject({ code: 'invalid_text', param: 'variables.input.headers["X-A"]' });
    expect(await personaCount()).toBe(before);
  });

  it('a NUL written in the document (an escaped \\u0000 literal) is a 400 naming where it is', async () => {
    const res = await s.graphql(`mutation { createPersona(input: { name: "lit\\u0000eral" }) { __typename } }`);
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors![0].extensions).toMatchObject({ code: 'invalid_text', param: 'document.createPersona.input.name' });
  });

  it('GET with bad variables (the Yoga path) is refused the same way', async () => {
    const q = encodeURIComponent('query($q: String) { personas(first: 1, filter: { search: $q }) { edges { node { id } } } }');
    const res = await s.request('GET', `/graphql?query=${q}&variables=${encodeURIComponent(JSON.stringify({ q: 'a\u0000' }))}`);
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'invalid_text', param: 'variables.q' });
    // Deep variables in a URL are not pre-scanned; the plugin's bounded walk refuses them.
    const deepVars = `{"q":${deep(200)}}`;
    const deepRes = await s.request('GET', `/graphql?query=${q}&variables=${encodeURIComponent(deepVars)}`);
    expect(deepRes.status, deepRes.text).toBe(400);
    expect(deepRes.body.errors[0].extensions).toMatchObject({ code: 'json_too_deep', param: 'variables' });
  });

  it.each([10_000, 100_000])('a body nested %i levels is a 400 naming the limit, before parsing; the server stays up', async (levels) => {
    const before = await personaCount();
    const res = await s.request('POST', '/graphql', { rawBody: `{"query":${JSON.stringify(create)},"variables":{"input":{"name":"deep","config":${deep(levels)}}}}`, headers: json });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('json_too_deep');
    expect(res.body.errors[0].message).toMatch(/MAX_JSON_DEPTH/);
    expect(await personaCount()).toBe(before);
    await serverAlive();
    const ok = await s.graphql('{ me { team { id } } }');
    expect(ok.status).toBe(200);
  });

  it('bytes that are not UTF-8 are a 400', async () => {
    const bytes = Buffer.concat([Buffer.from('{"query":"{ me { team { id } } }","variables":{"x":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}}')]);
    const res = await s.request('POST', '/graphql', { rawBody: bytes, headers: json });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('invalid_utf8');
  });
});

/** A bare graphql-transport-ws client: every message and the close code, for assertions on both. */
async function wsSession(send: (ws: WebSocket) => void, until: (msg: any) => boolean) {
  const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws');
  const messages: any[] = [];
  let closed: { code: number; reason: string } | null = null;
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${s.adminKey}` } })));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      messages.push(msg);
      if (msg.type === 'connection_ack') send(ws);
      else if (until(msg)) resolve();
    });
    ws.once('close', (code, reason) => {
      closed = { code, reason: String(reason) };
      resolve();
    });
    ws.once('error', reject);
  });
  const result = { messages, closed: closed as { code: number; reason: string } | null };
  ws.close();
  return result;
}

describe('graphql-ws', () => {
  it('a NUL in a subscription or mutation\'s variables is an error naming variables.<path>; nothing is written; the socket stays usable', async () => {
    const before = await personaCount();
    const { messages, closed } = await wsSession(
      (ws) => {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename } }`, variables: { input: { name: 'ws\u0000nul' } } } }));
        ws.send(JSON.stringify({ id: '2', type: 'subscribe', payload: { query: `subscription($id: ID!) { chatRunEvents(runId: $id) { __typename } }`, variables: { id: 'x\ud800' } } }));
        ws.send(JSON.stringify({ id: '3', type: 'subscribe', payload: { query: '{ me { team { id } } }' } }));
      },
      (msg) => msg.id === '3' && msg.type === 'complete',
    );
    expect(closed).toBeNull();
    const errorOf = (id: string) => {
      const m = messages.find((x) => x.id === id && (x.type === 'next' || x.type === 'error'));
      return m.type === 'next' ? m.payload.errors[0] : m.payload[0];
    };
    expect(errorOf('1').extensions).toMatchObject({ code: 'invalid_text', param: 'variables.input.name' });
    expect(errorOf('2').extensions).toMatchObject({ code: 'invalid_text', param: 'variables.id' });
    expect(messages.find((x) => x.id === '3' && x.type === 'next').payload.data.me.team.id).toBe(teamId);
    expect(await personaCount()).toBe(before);
  });

  it.each([10_000, 100_000])('a message nested %i levels closes the socket with 4400 before it is parsed; the server stays up', async (levels) => {
    const before = await personaCount();
    const { closed } = await wsSession(
      (ws) => ws.send(`{"id":"1","type":"subscribe","payload":{"query":"mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename } }","variables":{"input":{"name":"deep ws","config":${deep(levels)}}}}}`),
      () => false,
    );
    expect(closed?.code).toBe(4400);
    expect(closed?.reason).toMatch(/MAX_JSON_DEPTH/);
    expect(await personaCount()).toBe(before);
    await serverAlive();
  });
});

describe('text the server cuts', () => {
  it('70+ emoji and other astral characters in a chat with the embedded model: the chat works and the stored text is well-formed', async () => {
    const user = (await s.request('POST', '/api/v1/users', { body: { username: 'emoji-chatter', tier: 'enterprise' } })).body.id;
    const agent = await s.request('POST', `/api/v1/users/${user}/agents`, { body: { name: 'emoji-agent', provider: 'embedded' } });
    expect(agent.status, agent.text).toBe(201);
    for (const content of ['😀'.repeat(75), `x${'🎉'.repeat(80)}`, `𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ${'𠀀'.repeat(70)}?`]) {
      const res = await s.request('POST', `/api/v1/users/${user}/agents/emoji-agent/chat`, { body: { messages: [{ role: 'user', content }] } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.message.isWellFormed()).toBe(true);
      expect(res.text).not.toMatch(/\\ud[89a-f]/i);
    }
    const rows = await s.app.deps.prisma.chatMessage.findMany({ where: { agentId: agent.body.id } });
    expect(rows.length).toBe(6);
    for (const row of rows) expect(JSON.stringify(row.content).includes('\\ud')).toBe(false);
    await serverAlive();
  });
});

describe('GraphQL documents nested past the parser’s stack', () => {
  it.each([3_000, 20_000])('a document nested %i levels is a 400 naming the limit, not an "Unexpected error"; over graphql-ws too', async (levels) => {
    const doc = `{ ${'me { team { '.repeat(levels)} id ${'} } '.repeat(levels)} }`;
    const res = await s.graphql(doc);
    expect(res.status, res.text.slice(0, 300)).toBe(400);
    expect(res.body.errors![0].extensions.code).toBe('document_too_deep');
    expect(res.text).not.toContain('INTERNAL_SERVER_ERROR');
    const { messages, closed } = await wsSession(
      (ws) => ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: doc } })),
      (msg) => msg.id === '1' && (msg.type === 'error' || msg.type === 'complete'),
    );
    expect(closed).toBeNull();
    expect(messages.find((m) => m.id === '1' && m.type === 'error')?.payload[0].extensions.code).toBe('document_too_deep');
    await serverAlive();
  });
});
