/**
 * Subscriptions over real websockets (graphql-ws) and over SSE: persona
 * changes arrive in order with the persona's fields, scoped to the team,
 * authenticated in connection_init or per operation (extensions.headers), and
 * refused without the read scope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/process.js';

const env = { RATE_LIMIT_PER_MINUTE: '100000' };
const WAIT_MS = 10_000; // upper bound for anything to arrive

let s: TestServer;
let teamId: string;
const clients: Client[] = [];
beforeAll(async () => {
  s = await startTestServer(env);
  teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await s?.close();
});

function client(connectionParams: Record<string, unknown>, extra: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, ...extra });
  clients.push(c);
  return c;
}

/** A subscription whose results queue up until a test takes them. */
class Feed {
  private items: any[] = [];
  private waiters: (() => void)[] = [];
  error: unknown = null;
  done = false;
  readonly stop: () => void;

  constructor(c: Client, query: string, variables?: Record<string, unknown>, extensions?: Record<string, unknown>) {
    this.stop = c.subscribe(
      { query, variables, extensions },
      {
        next: (v) => this.push(v),
        error: (e) => ((this.error = e), (this.done = true), this.push(null)),
        complete: () => ((this.done = true), this.push(null)),
      },
    );
  }
  private push(v: any) {
    if (v !== null) this.items.push(v);
    for (const w of this.waiters.splice(0)) w();
  }
  /** The next result; fails if none arrives within the upper bound or the subscription ended. */
  async next(): Promise<any> {
    const deadline = Date.now() + WAIT_MS;
    while (!this.items.length) {
      if (this.done) throw new Error(`subscription ended: ${JSON.stringify(this.error)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no event arrived');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
    return this.items.shift();
  }
  /** Waits until the subscription is live: creates probe personas until one's event arrives. */
  async live(probe: () => Promise<string>) {
    const deadline = Date.now() + WAIT_MS;
    const probes = new Set<string>();
    for (;;) {
      probes.add(await probe());
      await new Promise((r) => setTimeout(r, 50));
      while (this.items.length) {
        const e = this.items.shift();
        if (probes.has(e.data?.personaChanged?.personaId)) {
          // drop anything else the probes caused
          this.items = this.items.filter((i) => !probes.has(i.data?.personaChanged?.personaId));
          return;
        }
      }
      if (this.done) throw new Error(`subscription ended: ${JSON.stringify(this.error)}`);
      if (Date.now() > deadline) throw new Error('subscription never became live');
    }
  }
}

const SUB = `subscription($projectId: ID) { personaChanged(projectId: $projectId) { kind personaId projectId persona { id name description systemPrompt teamId } } }`;

let probeN = 0;
const restProbe = (key = s.adminKey, team = () => teamId) => async () => {
  const res = await s.request('POST', '/api/v1/autousers', { key, body: { name: `probe-${++probeN}`, systemPrompt: 'probe', teamId: team() } });
  expect(res.status).toBe(201);
  return res.body.id as string;
};

describe('identical subscriptions (one shared stream)', () => {
  const gauge = async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    return Number(/^graphql_subscriptions_active (\d+)/m.exec(text)?.[1]);
  };

  it('each subscriber gets every event in order; one leaving ends no one else; each counts as a live subscription', async () => {
    const c = client({ authorization: `Bearer ${s.adminKey}` });
    const before = await gauge();
    const feeds = [new Feed(c, SUB), new Feed(client({ apiKey: s.adminKey }), SUB), new Feed(c, SUB)];
    for (const f of feeds) await f.live(restProbe());
    expect(await gauge()).toBe(before + 3);

    const names = ['Shared Sam', 'Shared Sue'];
    const ids: string[] = [];
    for (const name of names) ids.push((await s.request('POST', '/api/v1/autousers', { body: { name, systemPrompt: 'p', teamId } })).body.id);
    // The later feeds' probes reached the earlier feeds too: skip anything but these personas.
    const mine = async (f: Feed, wanted: string[]) => {
      const got = [];
      while (got.length < wanted.length) {
        const e = (await f.next()).data.personaChanged;
        if (wanted.includes(e.personaId)) got.push(e);
      }
      return got;
    };
    for (const f of feeds) {
      const got = await mine(f, ids);
      expect(got.map((e) => [e.kind, e.personaId, e.persona.name])).toEqual(ids.map((id, i) => ['created', id, names[i]]));
    }

    feeds[0]!.stop();
    const after = (await s.request('POST', '/api/v1/autousers', { body: { name: 'Shared Sid', systemPrompt: 'p', teamId } })).body.id;
    for (const f of feeds.slice(1)) expect((await mine(f, [after]))[0].personaId).toBe(after);
    await until(async () => (await gauge()) === before + 2, 'the stopped subscription to leave the gauge');
    expect(await gauge()).toBe(before + 2);
    for (const f of feeds.slice(1)) f.stop();
  });
});

describe('personaChanged over graphql-ws', () => {
  it('delivers create, update and delete over REST and over GraphQL, in order, with the persona’s fields', async () => {
    const feed = new Feed(client({ authorization: `Bearer ${s.adminKey}` }), SUB);
    await feed.live(restProbe());

    // REST (Autousers)
    const created = await s.request('POST', '/api/v1/autousers', { body: { name: 'Rest Rita', systemPrompt: 'p1', description: 'd1', teamId } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await s.request('PATCH', `/api/v1/autousers/${id}`, { body: { description: 'd2' } })).status).toBe(200);
    expect((await s.request('DELETE', `/api/v1/autousers/${id}`)).status).toBe(200);

    // GraphQL
    const g = await s.graphql(`mutation { createPersona(input: { name: "Graph Gus", systemPrompt: "p2" }) { ... on MutationCreatePersonaSuccess { data { id } } } }`);
    const gid = g.body.data.createPersona.data.id;
    await s.graphql(`mutation($id: ID!) { updatePersona(id: $id, input: { name: "Graph Gus II" }) { __typename } }`, { id: gid });
    await s.graphql(`mutation($id: ID!) { deletePersona(id: $id) { __typename } }`, { id: gid });

    const events = [];
    for (let i = 0; i < 6; i++) events.push((await feed.next()).data.personaChanged);
    expect(events.map((e) => [e.kind, e.personaId])).toEqual([
      ['created', id],
      ['updated', id],
      ['deleted', id],
      ['created', gid],
      ['updated', gid],
      ['deleted', gid],
    ]);
    // Each event resolves the persona when it is delivered; after the delete it is gone.
    for (const e of events.filter((e) => e.persona)) {
      expect(e.persona.teamId).toBe(teamId);
      expect(e.persona.id).toBe(e.personaId);
    }
    expect(events[2].persona).toBeNull();
    expect(events[5].persona).toBeNull();
    feed.stop();
  });

  it('carries the persona’s current fields on each event', async () => {
    const feed = new Feed(client({ authorization: `Bearer ${s.adminKey}` }), SUB);
    await feed.live(restProbe());
    const created = await s.request('POST', '/api/v1/autousers', { body: { name: 'Field Fay', systemPrompt: 'be fay', description: 'first', teamId } });
    const e1 = (await feed.next()).data.personaChanged;
    expect(e1).toEqual({
      kind: 'created',
      personaId: created.body.id,
      projectId: null,
      persona: { id: created.body.id, name: 'Field Fay', description: 'first', systemPrompt: 'be fay', teamId },
    });
    await s.request('PATCH', `/api/v1/autousers/${created.body.id}`, { body: { description: 'second' } });
    const e2 = (await feed.next()).data.personaChanged;
    expect(e2).toMatchObject({ kind: 'updated', persona: { description: 'second', name: 'Field Fay' } });
    feed.stop();
  });

  it('filters by project and reports the project id (EvalStudio paths)', async () => {
    const a = (await s.request('POST', '/api/projects', { body: { name: 'sub-a' } })).body.id;
    const b = (await s.request('POST', '/api/projects', { body: { name: 'sub-b' } })).body.id;
    const feed = new Feed(client({ apiKey: s.adminKey }), SUB, { projectId: a });
    await feed.live(async () => (await s.request('POST', `/api/projects/${a}/personas`, { body: { name: `probe-${++probeN}` } })).body.id);
    await s.request('POST', `/api/projects/${b}/personas`, { body: { name: 'in b' } });
    const inA = await s.request('POST', `/api/projects/${a}/personas`, { body: { name: 'in a' } });
    const e = (await feed.next()).data.personaChanged;
    expect(e).toMatchObject({ kind: 'created', personaId: inA.body.id, projectId: a, persona: { name: 'in a' } });
    feed.stop();
  });

  it('accepts the key as connectionParams.apiKey', async () => {
    const feed = new Feed(client({ apiKey: s.adminKey }), SUB);
    await feed.live(restProbe());
    const created = await s.request('POST', '/api/v1/autousers', { body: { name: 'Api Key Al', systemPrompt: 'x', teamId } });
    expect((await feed.next()).data.personaChanged).toMatchObject({ kind: 'created', personaId: created.body.id, persona: { name: 'Api Key Al' } });
    feed.stop();
  });

  it("another team's subscriber receives none of this team's events", async () => {
    const other = await s.createTeam('watchers');
    const otherTeamId = (await s.request('GET', '/api/v1/me', { key: other.key })).body.team.id;
    const theirs = new Feed(client({ authorization: `Bearer ${other.key}` }), SUB);
    await theirs.live(restProbe(other.key, () => otherTeamId));
    const mine = new Feed(client({ authorization: `Bearer ${s.adminKey}` }), SUB);
    await mine.live(restProbe());

    const secret = await s.request('POST', '/api/v1/autousers', { body: { name: 'Secret Sam', systemPrompt: 'x', teamId } });
    await s.request('PATCH', `/api/v1/autousers/${secret.body.id}`, { body: { name: 'Secret Sam 2' } });
    await s.request('DELETE', `/api/v1/autousers/${secret.body.id}`);
    // This team's subscriber has seen all three...
    for (const kind of ['created', 'updated', 'deleted']) expect((await mine.next()).data.personaChanged).toMatchObject({ kind, personaId: secret.body.id });
    // ...and the other team's next event is its own, not ours.
    const own = await s.request('POST', '/api/v1/autousers', { key: other.key, body: { name: 'Their Tom', systemPrompt: 'x', teamId: otherTeamId } });
    expect((await theirs.next()).data.personaChanged).toMatchObject({ kind: 'created', personaId: own.body.id, persona: { name: 'Their Tom' } });
    theirs.stop();
    mine.stop();
  });

  it('a key without persona:read gets an error for the subscription, and the connection stays usable', async () => {
    const limited = await s.createKey(['agent:read']);
    let connections = 0;
    const c = client({ authorization: `Bearer ${limited.key}` }, { lazyCloseTimeout: WAIT_MS, on: { connected: () => void connections++ } });
    const feed = new Feed(c, SUB);
    await expect(feed.next()).rejects.toThrow(/subscription ended/);
    expect(feed.error).toEqual([
      { message: 'This API key lacks the required scope: persona:read', extensions: { code: 'missing_scope', type: 'authorization_error' } },
    ]);
    // The same socket still answers other operations.
    const me = new Feed(c, `query { me { key { scopes } } }`);
    expect((await me.next()).data.me.key.scopes).toEqual(['agent:read']);
    expect(connections).toBe(1);
  });
});

describe('websocket authentication', () => {
  it('a bad key is closed with 4401', async () => {
    const closed = new Promise<{ code: number }>((resolve) => {
      const c = client({ authorization: 'Bearer pg_live_not_a_real_key_at_all_000000' }, { lazy: false, on: { closed: (e) => resolve(e as { code: number }) }, onNonLazyError: () => {} });
      void c;
    });
    expect((await closed).code).toBe(4401);
  });

  it('no key at all is closed with 4401', async () => {
    const closed = new Promise<{ code: number }>((resolve) => {
      client({}, { lazy: false, on: { closed: (e) => resolve(e as { code: number }) }, onNonLazyError: () => {} });
    });
    expect((await closed).code).toBe(4401);
  });

  it('the key may come with each operation in extensions.headers instead, as GraphiQL sends it', async () => {
    const c = client({});
    const feed = new Feed(c, `subscription { personaChanged { kind personaId persona { name } } }`, undefined, {
      headers: { Authorization: `Bearer ${s.adminKey}` },
    });
    const p = (await s.request('POST', '/api/projects', { body: { name: `ext-${Date.now()}` } })).body.id;
    await feed.live(async () => (await s.request('POST', `/api/projects/${p}/personas`, { body: { name: `probe-${Math.random()}` } })).body.id);
    await s.request('POST', `/api/projects/${p}/personas`, { body: { name: 'via-extensions' } });
    const event = (await feed.next()).data.personaChanged;
    expect(event).toMatchObject({ kind: 'created', persona: { name: 'via-extensions' } });
    feed.stop();
  });

  it('an operation carrying a bad key, or none on a connection without one, is closed with 4401', async () => {
    for (const extensions of [{ headers: { Authorization: 'Bearer pg_live_not_a_real_key_at_all_000000' } }, undefined]) {
      const closed = new Promise<{ code: number }>((resolve) => {
        const c = client({}, { on: { closed: (e) => resolve(e as { code: number }) } });
        new Feed(c, `subscription { personaChanged { kind } }`, undefined, extensions);
      });
      expect((await closed).code).toBe(4401);
    }
  });

  it('a client that never sends connection_init is closed with 4408 after WS_AUTH_TIMEOUT_MS', async () => {
    const quick = await startTestServer({ ...env, WS_AUTH_TIMEOUT_MS: '300' });
    try {
      const ws = new WebSocket(quick.wsUrl, 'graphql-transport-ws');
      const code = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('never closed')), WAIT_MS);
        ws.on('close', (c) => (clearTimeout(t), resolve(c)));
        ws.on('error', reject);
      });
      expect(code).toBe(4408);
    } finally {
      await quick.close();
    }
  });
});

describe('personaChanged over SSE', () => {
  it('POST /graphql with Accept: text/event-stream streams the events', async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUB }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const pending: any[] = [];
    let reading: Promise<void> | null = null;
    const pump = async () => {
      const { done, value } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (data) pending.push(JSON.parse(data));
      }
    };
    const nextEvent = async (deadline = Date.now() + WAIT_MS) => {
      while (!pending.length) {
        if (Date.now() > deadline) throw new Error('no SSE event arrived');
        reading ??= pump().finally(() => (reading = null));
        await Promise.race([reading, new Promise((r) => setTimeout(r, 100))]);
      }
      return pending.shift().data.personaChanged;
    };
    // Live once a probe's event comes through.
    const probes = new Set<string>();
    for (let live = false; !live; ) {
      probes.add(await restProbe()());
      try {
        const e = await nextEvent(Date.now() + 300);
        live = probes.has(e.personaId);
      } catch {
        /* not yet */
      }
    }
    while (pending.length) pending.shift();

    const created = await s.request('POST', '/api/v1/autousers', { body: { name: 'Streamed Stu', systemPrompt: 'x', teamId } });
    await s.request('PATCH', `/api/v1/autousers/${created.body.id}`, { body: { name: 'Streamed Stu 2' } });
    const skipProbes = async () => {
      for (;;) {
        const e = await nextEvent();
        if (!probes.has(e.personaId)) return e;
      }
    };
    expect(await skipProbes()).toMatchObject({ kind: 'created', personaId: created.body.id, persona: { name: 'Streamed Stu' } });
    expect(await skipProbes()).toMatchObject({ kind: 'updated', personaId: created.body.id, persona: { name: 'Streamed Stu 2' } });
    abort.abort();
    await reader.cancel().catch(() => {});
  });

  it('SSE without a key → 401', async () => {
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUB }),
    });
    expect(res.status).toBe(401);
    await res.text();
  });
});
