/**
 * Agent conversations (issue 18) over real HTTP, SSE and graphql-ws, with the real openai SDK against the
 * local OpenAI-compatible server so each test asserts what the provider received: two conversations on one
 * agent stay apart; rename, reset, delete; the stateless (full transcript) style is never duplicated while the
 * stateful style sends the kept history; an agent key and an admin key chatting at once do not see each
 * other's turns unless they share a conversation id; foreign teams get 404, missing scopes 403, bad input 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI, type RecordedRequest } from './helpers/fake-openai.js';
import { expectPlainError } from './helpers/errors.js';

let s: TestServer;
let fake: FakeOpenAI;
let user: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.chat.reply = 'Noted.';
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test-conversations-0000000' });
  user = (await s.request('POST', '/api/v1/users', { body: { username: 'talker', tier: 'enterprise' } })).body.id;
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

let n = 0;
async function newAgent() {
  const res = await s.request('POST', `/api/v1/users/${user}/agents`, { body: { name: `conv-${++n}`, provider: 'openai', model: 'gpt-4o-mini' } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; name: string; key: string };
}

const say = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });
const base = (agent: string) => `/api/v1/users/${user}/agents/${agent}`;

/** The user and assistant turns of chat requests the provider received (the system prompt left out). */
const turnsOf = (r: RecordedRequest) => (r.body.messages as { role: string; content: string }[]).filter((m) => m.role !== 'system').map((m) => `${m.role}: ${m.content}`);
/** Runs `fn` and answers the chat requests it made to the provider. */
async function providerSaw(fn: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const before = fake.requests.length;
  await fn();
  return fake.requests.slice(before).filter((r) => r.path.endsWith('/chat/completions'));
}

async function chat(agent: string, body: unknown, opts: { key?: string; headers?: Record<string, string> } = {}) {
  const res = await s.request('POST', `${base(agent)}/chat`, { body, ...opts });
  expect(res.status, res.text).toBe(200);
  return res.body as { message: string; agent: string };
}

describe('conversations over REST', () => {
  it('first chats at once with one key land in one default conversation, and the next turn sees them all', async () => {
    const a = await newAgent();
    await Promise.all(['one', 'two', 'three', 'four'].map((w) => chat(a.name, say(w))));
    const list = await s.request('GET', `${base(a.name)}/conversations`);
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.map((c: any) => c.default)).toEqual([true]);
    const [next] = await providerSaw(() => chat(a.name, say('five')));
    const turns = turnsOf(next!);
    expect(turns.filter((t) => t.startsWith('user: ')).sort()).toEqual(['user: five', 'user: four', 'user: one', 'user: three', 'user: two']);
    expect(turns.filter((t) => t === 'assistant: Noted.')).toHaveLength(4);
  });

  it('two conversations on one agent stay apart; each continues its own history; list, read, rename', async () => {
    const a = await newAgent();
    const c1 = await s.request('POST', `${base(a.name)}/conversations`, { body: { name: 'trip planning' } });
    expect(c1.status, c1.text).toBe(201);
    expect(c1.body).toMatchObject({ name: 'trip planning', agentId: a.id, mine: true, default: false });
    const c2 = (await s.request('POST', `${base(a.name)}/conversations`, { body: {} })).body;
    expect(c2.name).toBe('conversation');

    await chat(a.name, say('Plan Zermatt', { conversationId: c1.body.id }));
    await chat(a.name, say('Recipe for soup'), { headers: { 'X-Conversation-Id': c2.id } });
    const [second] = await providerSaw(() => chat(a.name, say('And day two?', { conversationId: c1.body.id })));
    expect(turnsOf(second!)).toEqual(['user: Plan Zermatt', 'assistant: Noted.', 'user: And day two?']);
    const [other] = await providerSaw(() => chat(a.name, say('Less salt'), { headers: { 'X-Conversation-Id': c2.id } }));
    expect(turnsOf(other!)).toEqual(['user: Recipe for soup', 'assistant: Noted.', 'user: Less salt']);

    // messages: newest first, paged like the rest of the API
    const page1 = await s.request('GET', `${base(a.name)}/conversations/${c1.body.id}/messages?limit=3`);
    expect(page1.status, page1.text).toBe(200);
    expect(page1.body.data.map((m: any) => `${m.role}: ${m.content}`)).toEqual(['assistant: Noted.', 'user: And day two?', 'assistant: Noted.']);
    expect(page1.body.has_more).toBe(true);
    const page2 = await s.request('GET', `${base(a.name)}/conversations/${c1.body.id}/messages?limit=3&starting_after=${page1.body.next_cursor}`);
    expect(page2.body).toMatchObject({ has_more: false, next_cursor: null });
    expect(page2.body.data.map((m: any) => m.content)).toEqual(['Plan Zermatt']);

    // list (the caller's own, newest first), read, rename
    const list = await s.request('GET', `${base(a.name)}/conversations`);
    expect(list.body.data.map((c: any) => c.id)).toEqual([c2.id, c1.body.id]);
    const renamed = await s.request('PATCH', `${base(a.name)}/conversations/${c1.body.id}`, { body: { name: '  Zermatt  ' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.name).toBe('Zermatt');
    expect((await s.request('GET', `${base(a.name)}/conversations/${c1.body.id}`)).body).toMatchObject({ id: c1.body.id, name: 'Zermatt' });
  });

  it('reset clears the messages and keeps the conversation; delete removes it; the default conversation is the caller’s', async () => {
    const a = await newAgent();
    await chat(a.name, say('remember the number 7'));
    const list = (await s.request('GET', `${base(a.name)}/conversations`)).body.data;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'default', default: true, mine: true });
    const id = list[0].id;

    const reset = await s.request('POST', `${base(a.name)}/conversations/${id}/reset`);
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body).toMatchObject({ id, name: 'default', deletedMessages: 2 });
    expect((await s.request('GET', `${base(a.name)}/conversations/${id}/messages`)).body.data).toEqual([]);
    const [afterReset] = await providerSaw(() => chat(a.name, say('what number?')));
    expect(turnsOf(afterReset!)).toEqual(['user: what number?']);

    const del = await s.request('DELETE', `${base(a.name)}/conversations/${id}`);
    expect(del.status, del.text).toBe(200);
    expect(del.body).toEqual({ id, name: 'default', deleted: true });
    expectPlainError(await s.request('GET', `${base(a.name)}/conversations/${id}`), 404, 'conversation not found');
    expectPlainError(await s.request('POST', `${base(a.name)}/chat`, { body: say('hi', { conversationId: id }) }), 404, 'conversation not found');
    // without an id, a fresh default conversation starts
    const [fresh] = await providerSaw(() => chat(a.name, say('hello again')));
    expect(turnsOf(fresh!)).toEqual(['user: hello again']);
    const now = (await s.request('GET', `${base(a.name)}/conversations`)).body.data;
    expect(now).toHaveLength(1);
    expect(now[0].id).not.toBe(id);
  });

  it('stateful turns send the kept history; a resent full transcript with stateless: true is not duplicated and keeps nothing', async () => {
    const a = await newAgent();
    // stateful: each request carries only the new turn
    await chat(a.name, say('one'));
    const [stateful] = await providerSaw(() => chat(a.name, say('two')));
    expect(turnsOf(stateful!)).toEqual(['user: one', 'assistant: Noted.', 'user: two']);

    // stateless (OpenAI style): the client resends its whole transcript each turn
    const transcript = [{ role: 'user', content: 'alpha' }];
    const [first] = await providerSaw(() => chat(a.name, { messages: transcript, stateless: true }));
    expect(turnsOf(first!)).toEqual(['user: alpha']);
    transcript.push({ role: 'assistant', content: 'Noted.' }, { role: 'user', content: 'beta' });
    const [resent] = await providerSaw(() => chat(a.name, { messages: transcript, stateless: true }));
    expect(turnsOf(resent!)).toEqual(['user: alpha', 'assistant: Noted.', 'user: beta']);
    // nothing of it was kept: the default conversation holds the two stateful turns only
    const convs = (await s.request('GET', `${base(a.name)}/conversations`)).body.data;
    expect(convs).toHaveLength(1);
    const kept = (await s.request('GET', `${base(a.name)}/conversations/${convs[0].id}/messages`)).body.data;
    expect(kept.map((m: any) => m.content).reverse()).toEqual(['one', 'Noted.', 'two', 'Noted.']);
  });

  it('an agent key and an admin key chatting at once do not see each other’s turns, until they share a conversation id', async () => {
    const a = await newAgent();
    fake.chat.delayMs = 20;
    try {
      const seen = await providerSaw(() =>
        Promise.all([
          chat(a.name, say('admin secret plan'), {}),
          chat(a.name, say('agent-key question'), { key: a.key }),
        ]),
      );
      expect(seen).toHaveLength(2);
      const [admin2] = await providerSaw(() => chat(a.name, say('admin again')));
      expect(turnsOf(admin2!)).toEqual(['user: admin secret plan', 'assistant: Noted.', 'user: admin again']);
      const [agent2] = await providerSaw(() => chat(a.name, say('agent again'), { key: a.key }));
      expect(turnsOf(agent2!)).toEqual(['user: agent-key question', 'assistant: Noted.', 'user: agent again']);
    } finally {
      fake.chat.delayMs = 0;
    }
    // each lists its own; the admin may list everyone's with owner=all; the agent key may not
    const mine = (await s.request('GET', `${base(a.name)}/conversations`, { key: a.key })).body.data;
    expect(mine.map((c: any) => c.createdBy)).toEqual([`agent:${a.id}`]);
    const all = await s.request('GET', `${base(a.name)}/conversations?owner=all`);
    expect(all.body.data).toHaveLength(2);
    expect((await s.request('GET', `${base(a.name)}/conversations?owner=all`, { key: a.key })).status).toBe(401);

    // sharing: the admin's conversation id, passed by the agent key, continues the admin's history
    const adminDefault = (await s.request('GET', `${base(a.name)}/conversations`)).body.data[0].id;
    const [shared] = await providerSaw(() => chat(a.name, say('joining in'), { key: a.key, headers: { 'X-Conversation-Id': adminDefault } }));
    expect(turnsOf(shared!).slice(0, 3)).toEqual(['user: admin secret plan', 'assistant: Noted.', 'user: admin again']);
    expect(turnsOf(shared!).at(-1)).toBe('user: joining in');
  });

  it('another team’s conversation is 404; a missing scope is 403; bad input is a 400 naming the problem', async () => {
    const a = await newAgent();
    const conv = (await s.request('POST', `${base(a.name)}/conversations`, { body: { name: 'private' } })).body;
    const other = await s.createTeam('conversation-outsiders');
    const ou = (await s.request('POST', '/api/v1/users', { key: other.key, body: { username: 'talker' } })).body.id;
    const oa = (await s.request('POST', `/api/v1/users/${ou}/agents`, { key: other.key, body: { name: a.name, provider: 'embedded' } })).body;
    const theirs = `/api/v1/users/${ou}/agents/${oa.name}/conversations/${conv.id}`;
    expectPlainError(await s.request('GET', theirs, { key: other.key }), 404, 'conversation not found');
    expectPlainError(await s.request('PATCH', theirs, { key: other.key, body: { name: 'mine now' } }), 404, 'conversation not found');
    expectPlainError(await s.request('POST', `${theirs}/reset`, { key: other.key }), 404, 'conversation not found');
    expectPlainError(await s.request('DELETE', theirs, { key: other.key }), 404, 'conversation not found');
    expectPlainError(await s.request('POST', `/api/v1/users/${ou}/agents/${oa.name}/chat`, { key: other.key, body: say('hi', { conversationId: conv.id }) }), 404, 'conversation not found');
    // …and the foreign team's path to our user is not found at all
    expect((await s.request('GET', `${base(a.name)}/conversations/${conv.id}`, { key: other.key })).status).toBe(404);
    // another agent's path with this conversation id: 404 too
    const b = await newAgent();
    expectPlainError(await s.request('GET', `${base(b.name)}/conversations/${conv.id}`), 404, 'conversation not found');
    expect((await s.request('GET', `${base(a.name)}/conversations/${conv.id}`)).body.name).toBe('private');

    const readOnly = await s.createKey(['agent:read']);
    expectPlainError(await s.request('GET', `${base(a.name)}/conversations`, { key: readOnly.key }), 403, /agent:chat/);
    expectPlainError(await s.request('POST', `${base(a.name)}/conversations/${conv.id}/reset`, { key: readOnly.key }), 403, /agent:chat/);
    const chatOnly = await s.createKey(['agent:chat']);
    expectPlainError(await s.request('GET', `${base(a.name)}/conversations?owner=all`, { key: chatOnly.key }), 403, /admin/);
    // a chat-only key of the team may use the conversation by id (sharing by id is the point)
    expect((await s.request('GET', `${base(a.name)}/conversations/${conv.id}`, { key: chatOnly.key })).body.mine).toBe(false);

    const c = `${base(a.name)}/conversations`;
    expectPlainError(await s.request('PATCH', `${c}/${conv.id}`, { body: { name: 'x'.repeat(201) } }), 400, 'name must be at most 200 characters');
    expectPlainError(await s.request('PATCH', `${c}/${conv.id}`, { body: { name: '   ' } }), 400, 'name must not be empty');
    expectPlainError(await s.request('PATCH', `${c}/${conv.id}`, { body: {} }), 400, 'name is required');
    expectPlainError(await s.request('POST', c, { body: { name: 'ok', colour: 'red' } }), 400, 'unknown field: colour');
    // ids: over 100 characters in a body or header is a 400; in a path the router matches no route (as for every path id)
    expectPlainError(await s.request('POST', `${base(a.name)}/chat`, { body: say('hi', { conversationId: 'x'.repeat(101) }) }), 400, 'conversationId must be at most 100 characters');
    expectPlainError(await s.request('POST', `${base(a.name)}/chat`, { body: say('hi'), headers: { 'X-Conversation-Id': 'x'.repeat(101) } }), 400, 'conversationId must be at most 100 characters');
    expect((await s.request('GET', `${c}/${'x'.repeat(101)}`)).status).toBe(404);
    expectPlainError(await s.request('GET', `${c}/not-a-conversation`), 404, 'conversation not found');
    expectPlainError(await s.request('GET', `${c}?owner=everyone`), 400, 'owner must be me or all');
    expectPlainError(await s.request('GET', `${c}?starting_after=nope`), 400, 'starting_after does not name a conversation in this list');
    const chatPath = `${base(a.name)}/chat`;
    expectPlainError(await s.request('POST', chatPath, { body: say('hi', { conversationId: 5 }) }), 400, 'conversationId must be a string');
    expectPlainError(await s.request('POST', chatPath, { body: say('hi', { stateless: 'yes' }) }), 400, 'stateless must be true or false');
    expectPlainError(await s.request('POST', chatPath, { body: say('hi', { stateless: true, conversationId: conv.id }) }), 400, /stateless/);
    expectPlainError(await s.request('POST', chatPath, { body: say('hi', { conversationId: conv.id }), headers: { 'X-Conversation-Id': 'another' } }), 400, /different conversations/);
    expectPlainError(await s.request('POST', chatPath, { body: say('hi', { stateless: true }), headers: { 'X-Conversation-Id': conv.id } }), 400, /stateless/);
    // nothing was written by the refused requests
    expect((await s.request('GET', `${c}/${conv.id}/messages`)).body.data).toEqual([]);
  });
});

/** Reads an SSE chat response to its end. */
async function readSse(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(s.url + path, { method: 'POST', headers: { 'X-API-Key': s.adminKey, 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const events: { event: string; data: any }[] = [];
  for (const block of (await res.text()).split('\n\n')) {
    if (!block || block.startsWith(':')) continue;
    const ev = { event: 'message', data: null as any };
    for (const line of block.split('\n')) {
      const [k, ...rest] = line.split(': ');
      if (k === 'event') ev.event = rest.join(': ');
      if (k === 'data') ev.data = JSON.parse(rest.join(': '));
    }
    events.push(ev);
  }
  return events;
}

describe('conversations over SSE and GraphQL', () => {
  it('the stream continues the conversation named by the header and says which one it is', async () => {
    const a = await newAgent();
    const conv = (await s.request('POST', `${base(a.name)}/conversations`, { body: { name: 'streamed' } })).body;
    const events = await readSse(`${base(a.name)}/chat/stream`, say('stream one'), { 'X-Conversation-Id': conv.id });
    expect(events[0]).toMatchObject({ event: 'run', data: { conversationId: conv.id } });
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { message: 'Noted.' } });
    const seen = await providerSaw(() => readSse(`${base(a.name)}/chat/stream`, say('stream two', { conversationId: conv.id })));
    expect(turnsOf(seen[0]!)).toEqual(['user: stream one', 'assistant: Noted.', 'user: stream two']);
    const stateless = await readSse(`${base(a.name)}/chat/stream`, say('no history', { stateless: true }));
    expect(stateless[0]!.data.conversationId).toBeNull();
  });

  it('createConversation, startChatRun in it, its run events over graphql-ws, and the run and conversation as Nodes', async () => {
    const a = await newAgent();
    const made = await s.graphql(
      `mutation($u: ID!, $a: ID!) { createConversation(user: $u, agent: $a, name: "graph talk") { ... on MutationCreateConversationSuccess { data { id name mine isDefault } } ... on Error { message } } }`,
      { u: user, a: a.name },
    );
    const conv = made.body.data.createConversation.data;
    expect(conv).toMatchObject({ name: 'graph talk', mine: true, isDefault: false });
    const other = (await s.graphql(`mutation($u: ID!, $a: ID!) { createConversation(user: $u, agent: $a) { ... on MutationCreateConversationSuccess { data { id } } } }`, { u: user, a: a.name })).body.data
      .createConversation.data.id;

    const start = (conversationId: string, content: string) =>
      s
        .graphql(
          `mutation($u: ID!, $a: ID!, $c: ID, $m: String!) { startChatRun(user: $u, agent: $a, conversationId: $c, messages: [{ role: "user", content: $m }]) { ... on MutationStartChatRunSuccess { data { id conversationId } } ... on Error { message } } }`,
          { u: user, a: a.name, c: conversationId, m: content },
        )
        .then((r) => r.body.data.startChatRun.data as { id: string; conversationId: string });
    const events = (runId: string) =>
      new Promise<any[]>((resolve, reject) => {
        const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { apiKey: s.adminKey }, retryAttempts: 0 });
        const got: any[] = [];
        c.subscribe(
          { query: `subscription($r: ID!) { chatRunEvents(runId: $r) { seq type message } }`, variables: { r: runId } },
          { next: (v) => got.push((v.data as any).chatRunEvents), error: reject, complete: () => (void c.dispose(), resolve(got)) },
        );
      });
    const run = await start(conv.id, 'graph first');
    expect(run.conversationId).toBe(conv.id);
    expect((await events(run.id)).at(-1)).toMatchObject({ type: 'done', message: 'Noted.' });
    await events((await start(other, 'elsewhere')).id);
    const seen = await providerSaw(async () => events((await start(conv.id, 'graph second')).id));
    expect(turnsOf(seen[0]!)).toEqual(['user: graph first', 'assistant: Noted.', 'user: graph second']);

    const read = await s.graphql(
      `query($id: ID!, $run: ID!, $u: ID!) {
        conversation(id: $id) { name messages(first: 10) { edges { node { role content } } } runs(first: 5) { edges { node { id status } } } }
        run: node(id: $run) { __typename ... on ChatRun { conversation { id } messages { role content } } }
        agentUser(ref: $u) { agents { name conversations(first: 10) { edges { node { id name } } } } }
      }`,
      { id: conv.id, run: run.id, u: user },
    );
    expect(read.body.errors).toBeUndefined();
    const data = read.body.data;
    expect(data.conversation.messages.edges.map((e: any) => e.node.content)).toEqual(['Noted.', 'graph second', 'Noted.', 'graph first']);
    expect(data.conversation.runs.edges).toHaveLength(2);
    expect(data.run).toEqual({ __typename: 'ChatRun', conversation: { id: conv.id }, messages: [{ role: 'user', content: 'graph first' }, { role: 'assistant', content: 'Noted.' }] });
    const mine = data.agentUser.agents.find((x: any) => x.name === a.name);
    expect(mine.conversations.edges.map((e: any) => e.node.id)).toEqual([other, conv.id]);

    const renamed = await s.graphql(
      `mutation($u: ID!, $a: ID!, $id: ID!) { renameConversation(user: $u, agent: $a, id: $id, name: "renamed") { ... on MutationRenameConversationSuccess { data { name } } } }`,
      { u: user, a: a.name, id: conv.id },
    );
    expect(renamed.body.data.renameConversation.data.name).toBe('renamed');
    const tooLong = await s.graphql(
      `mutation($u: ID!, $a: ID!, $id: ID!, $n: String!) { renameConversation(user: $u, agent: $a, id: $id, name: $n) { __typename ... on Error { message } } }`,
      { u: user, a: a.name, id: conv.id, n: 'y'.repeat(201) },
    );
    expect(tooLong.body.data.renameConversation).toEqual({ __typename: 'ValidationError', message: 'name must be at most 200 characters' });
    const reset = await s.graphql(
      `mutation($u: ID!, $a: ID!, $id: ID!) { resetConversation(user: $u, agent: $a, id: $id) { ... on MutationResetConversationSuccess { data { deletedMessages conversation { messages(first: 1) { edges { node { id } } } } } } } }`,
      { u: user, a: a.name, id: conv.id },
    );
    expect(reset.body.data.resetConversation.data).toEqual({ deletedMessages: 4, conversation: { messages: { edges: [] } } });
    const del = await s.graphql(
      `mutation($u: ID!, $a: ID!, $id: ID!) { deleteConversation(user: $u, agent: $a, id: $id) { __typename ... on MutationDeleteConversationSuccess { data { id } } } }`,
      { u: user, a: a.name, id: conv.id },
    );
    expect(del.body.data.deleteConversation.data.id).toBe(conv.id);
    expect((await s.graphql(`query($id: ID!) { conversation(id: $id) { id } }`, { id: conv.id })).body.data.conversation).toBeNull();

    // another team sees nothing; a key without agent:chat is refused
    const outsider = await s.createTeam('graph-outsiders');
    expect((await s.graphql(`query($id: ID!) { conversation(id: $id) { id } node(id: $id) { id } }`, { id: other }, { key: outsider.key })).body.data).toEqual({ conversation: null, node: null });
    const readOnly = await s.createKey(['agent:read']);
    const refused = await s.graphql(`query($id: ID!) { conversation(id: $id) { id } }`, { id: other }, { key: readOnly.key });
    expect(JSON.stringify(refused.body.errors)).toContain('agent:chat');
    const noAdmin = await s.createKey(['agent:chat']);
    const all = await s.graphql(`query($u: ID!, $a: ID!) { conversations(user: $u, agent: $a, owner: ALL, first: 5) { edges { node { id } } } }`, { u: user, a: a.name }, { key: noAdmin.key });
    expect(JSON.stringify(all.body.errors)).toContain('admin');
    const own = await s.graphql(`query($u: ID!, $a: ID!) { conversations(user: $u, agent: $a, first: 5) { edges { node { id } } } }`, { u: user, a: a.name }, { key: noAdmin.key });
    expect(own.body.data.conversations.edges).toEqual([]);
  });

  it('templates: the persona an agent embodies wins over the user’s default SOUL.md, which shows as shadowed, in REST and GraphQL', async () => {
    const teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
    const persona = await s.request('POST', '/api/v1/autousers', { body: { teamId, name: 'Guide', systemPrompt: 'You are Guide, a mountain guide.' } });
    const u = (await s.request('POST', '/api/v1/users', { body: { username: 'souls' } })).body.id;
    await s.request('POST', `/api/v1/users/${u}/agents`, { body: { name: 'guide', provider: 'embedded', personaId: persona.body.id } });
    await s.request('PUT', `/api/v1/users/${u}/agent-templates`, { body: { 'SOUL.md': 'You are a generic helper.' } });
    const eff = (await s.request('GET', `/api/v1/users/${u}/agents/guide/templates?effective=true`)).body;
    expect(eff['SOUL.md']).toEqual({ content: 'You are Guide, a mountain guide.', source: 'persona', shadowed: ['user'] });
    const g = await s.graphql(`query($u: ID!) { agentUser(ref: $u) { agents { templates { name source shadowed } } } }`, { u });
    expect(g.body.data.agentUser.agents[0].templates[0]).toEqual({ name: 'SOUL.md', source: 'persona', shadowed: ['user'] });
  });
});
