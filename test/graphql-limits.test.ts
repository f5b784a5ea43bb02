/**
 * Limits on what one GraphQL operation may ask for (src/graphql/limits.ts), over
 * real HTTP (the fast path, Yoga with batches and GET) and graphql-ws: depth,
 * aliases, tokens, directives, cost (lists multiply), answer size, rate limits
 * charged by cost; malformed requests; CORS; and one team's abuse not
 * stopping another team's ordinary queries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer, type TestResponse } from './helpers/server.js';
import { runOverWs } from './helpers/ws.js';

let s: TestServer;
/** Low caps and CORS_ORIGINS set: the limits are configurable. */
let small: TestServer;
let key: string;
let collabId: string;

beforeAll(async () => {
  [s, small] = await Promise.all([
    startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' }),
    startTestServer({
      RATE_LIMIT_PER_MINUTE: '100000',
      GRAPHQL_MAX_RESPONSE_BYTES: '4096',
      GRAPHQL_MAX_LIST_ITEMS: '40',
      GRAPHQL_MAX_DEPTH: '6',
      CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
    }),
  ]);
  key = (await s.createKey(['character:read', 'content:read'], { name: 'limits', rateLimitPerMinute: 100_000 })).key;
  // Eight influencers, each in six collaborations of four: every level of collaboration → influencers → collaborations
  // multiplies the answer by about 24, so nine levels would be billions of objects.
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const res = await s.request('POST', '/api/v1/influencers', { body: { name: `Influencer ${i}`, handle: `inf${i}`, bio: 'x'.repeat(200) } });
    expect(res.status, res.text).toBe(201);
    ids.push(res.body.id);
  }
  for (let c = 0; c < 12; c++) {
    const members = [0, 1, 2, 3].map((k) => ids[(c + k * 2) % ids.length]!);
    const res = await s.request('POST', '/api/v1/collaborations', { body: { name: `Collab ${c}`, influencerIds: [...new Set(members)] } });
    expect(res.status, res.text).toBe(201);
    collabId ??= res.body.id;
  }
  for (let i = 0; i < 8; i++) {
    const res = await small.request('POST', '/api/v1/influencers', { body: { name: `Small ${i}`, handle: `small${i}`, bio: 'y'.repeat(1000) } });
    expect(res.status, res.text).toBe(201);
  }
}, 120_000);
afterAll(async () => Promise.all([s?.close(), small?.close()]));

/** collaboration → influencers → collaborations → … `levels` list levels deep. */
function nested(levels: number): string {
  let sel = 'id name';
  for (let i = levels; i > 0; i--) sel = i % 2 ? `id influencers { ${sel} }` : `id collaborations { ${sel} }`;
  return `{ collaboration(id: "${collabId}") { ${sel} } }`;
}

function aliases(n: number, field = 'influencers(first: 1) { edges { node { id } } }'): string {
  return `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

function expectRefused(res: TestResponse, code: string, words: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.data ?? null).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors[0].extensions.code).toBe(code);
  expect(res.body.errors[0].message).toMatch(words);
  expect(res.body.errors[0].extensions.http).toBeUndefined();
}

async function stillAnswers(server: TestServer = s) {
  const ok = await server.graphql('{ influencers(first: 2) { edges { node { name } } } }', undefined, server === s ? { key } : {});
  expect(ok.status, ok.text).toBe(200);
  expect(ok.body.data.influencers.edges).toHaveLength(2);
}

describe('document limits over HTTP', () => {
  it('refuses the nine-level collaboration ↔ influencers nesting by its cost, before it runs, and keeps answering', async () => {
    // Two levels answer (the same data through the same fields).
    const two = await s.graphql(nested(2), undefined, { key });
    expect(two.status, two.text).toBe(200);
    expect(two.body.data.collaboration.influencers[0].collaborations.length).toBeGreaterThan(0);

    const res = await s.graphql(nested(9), undefined, { key });
    expectRefused(res, 'query_too_costly', /Query cost limit of 50000 exceeded, found \d+ \(GRAPHQL_MAX_COST\)/);
    await stillAnswers();
  });

  it('refuses a query deeper than GRAPHQL_MAX_DEPTH with query_too_deep', async () => {
    const res = await s.graphql(nested(20), undefined, { key });
    expectRefused(res, 'query_too_deep', /Query depth limit of 15 exceeded, found 2\d/);
    const configured = await small.graphql('{ influencers { edges { node { collaborations { influencers { collaborations { id } } } } } } }');
    expectRefused(configured, 'query_too_deep', /Query depth limit of 6 exceeded, found 7/);
  });

  it('refuses an alias bomb: thousands of aliases by the token limit, dozens by the alias limit', async () => {
    const bomb = await s.graphql(aliases(3000), undefined, { key });
    expectRefused(bomb, 'too_many_tokens', /Token limit of 5000 exceeded/);
    const many = await s.graphql(aliases(31, 'influencers(first: 1) { edges { cursor } }'), undefined, { key });
    expectRefused(many, 'too_many_aliases', /Aliases limit of 30 exceeded, found 31/);
    // The same as GET goes through Yoga's handler: the same answer.
    const get = await s.request('GET', `/graphql?query=${encodeURIComponent(aliases(31, 'influencers(first: 1) { edges { cursor } }'))}`, { key });
    expectRefused(get, 'too_many_aliases', /Aliases limit of 30 exceeded/);
    await stillAnswers();
  });

  it('refuses too many directives', async () => {
    const res = await s.graphql(`{ influencers(first: 1) { edges { ${'cursor @include(if: true) '.repeat(51)} } } }`, undefined, { key });
    expectRefused(res, 'too_many_directives', /Directives limit of 50 exceeded, found 51/);
  });

  it('refuses a batch whose operations each carry many aliases, operation by operation', async () => {
    const op = { query: aliases(40, 'influencers(first: 100) { edges { node { id } } }') };
    const res = await s.request('POST', '/graphql', { key, body: Array.from({ length: 20 }, () => op) });
    expect(res.status, res.text).toBe(400);
    expect(res.body).toHaveLength(20);
    for (const r of res.body) expect(r.errors[0].extensions.code).toBe('too_many_aliases');
    await stillAnswers();
  });

  it('multiplies a connection by first and a list by its assumed size', async () => {
    // 100 influencers × 10 collaborations × 10 influencers ≈ 11,100 passes; × 10 more collaborations does not.
    const fits = await s.graphql('{ influencers(first: 100) { edges { node { collaborations { influencers { id } } } } } }', undefined, { key });
    expect(fits.status, fits.text).toBe(200);
    const over = await s.graphql('{ influencers(first: 100) { edges { node { collaborations { influencers { collaborations { id } } } } } } }', undefined, { key });
    expectRefused(over, 'query_too_costly', /found 111101/);
    // Variables count: the same document with a small page fits.
    const doc = 'query Q($n: Int) { influencers(first: $n) { edges { node { collaborations { influencers { collaborations { id } } } } } } }';
    expect((await s.graphql(doc, { n: 40 }, { key })).status).toBe(200);
    expectRefused(await s.graphql(doc, { n: 50 }, { key }), 'query_too_costly', /found 55551/);
    // A known document's cost is remembered by its page sizes and conditions: asked again, each costs what it cost.
    expect((await s.graphql(doc, { n: 40 }, { key })).status).toBe(200);
    expectRefused(await s.graphql(doc, { n: 50 }, { key }), 'query_too_costly', /found 55551/);
    const cond = 'query C($deep: Boolean!) { influencers(first: 50) { edges { node { collaborations { influencers { collaborations @include(if: $deep) { id } } } } } } }';
    expect((await s.graphql(cond, { deep: false }, { key })).status).toBe(200);
    expectRefused(await s.graphql(cond, { deep: true }, { key }), 'query_too_costly', /found 55551/);
    expect((await s.graphql(cond, { deep: false }, { key })).status).toBe(200);
  });
});

describe('answer size', () => {
  it('replaces an answer over GRAPHQL_MAX_RESPONSE_BYTES with response_too_large', async () => {
    const fits = await small.graphql('{ influencers(first: 2) { edges { node { name } } } }');
    expect(fits.status, fits.text).toBe(200);
    const res = await small.graphql('{ influencers(first: 8) { edges { node { name bio } } } }');
    expectRefused(res, 'response_too_large', /exceed 4096 bytes \(GRAPHQL_MAX_RESPONSE_BYTES\)/);
    await stillAnswers(small);
  });

  it('stops resolving once an operation has resolved GRAPHQL_MAX_LIST_ITEMS list items', async () => {
    // 8 influencers × 8 aliases of the list: 64 items, over 40, though the answer itself would be small.
    const res = await small.graphql(`{ ${Array.from({ length: 8 }, (_, i) => `a${i}: influencers(first: 8) { edges { node { id } } }`).join(' ')} }`);
    expectRefused(res, 'response_too_large', /more than 40 list items \(GRAPHQL_MAX_LIST_ITEMS\)/);
    await stillAnswers(small);
  });
});

describe('rate limits charged by cost', () => {
  it('a costly query spends as much of the budget as its cost, cheap ones one each', async () => {
    const costly = (await s.createKey(['character:read'], { name: 'costly', rateLimitPerMinute: 9 })).key;
    const cheap = (await s.createKey(['character:read'], { name: 'cheap', rateLimitPerMinute: 9 })).key;
    // 1 + 80 × (1 + 10 × (1 + 10)) = 8,881: 9 units of 1,000.
    const wide = '{ influencers(first: 80) { edges { node { collaborations { influencers { id } } } } } }';
    const first = await s.graphql(wide, undefined, { key: costly });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
    const next = await s.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { key: costly });
    expect(next.status).toBe(429);
    expect(next.body.errors![0].extensions.code).toBe('rate_limit_exceeded');

    for (let i = 1; i <= 2; i++) {
      const res = await s.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { key: cheap });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(9 - i));
    }
  });

  it('a batch pays for each operation by its cost', async () => {
    const k = (await s.createKey(['character:read'], { name: 'batcher', rateLimitPerMinute: 10 })).key;
    // Each operation: 20 aliases × (1 + 100) = 2,020: 3 units; four of them are over 10.
    const op = { query: aliases(20, 'influencers(first: 100) { edges { node { id } } }') };
    const res = await s.request('POST', '/graphql', { key: k, body: [op, op, op, op] });
    const codes = res.body.map((r: any) => r.errors?.[0]?.extensions?.code ?? 'ok');
    expect(codes.sort()).toEqual(['ok', 'ok', 'ok', 'rate_limit_exceeded']);
    expect((await s.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { key: k })).status).toBe(429);
  });

  it('a document a limit refuses spends GRAPHQL_REFUSAL_RATE_POINTS; a spent key gets 429 before its body is parsed', async () => {
    const made = await s.createKey(['character:read'], { name: 'refused', rateLimitPerMinute: 30 });
    // Three refusals (10 points each by default): the alias limit by validation, the token limit by the parser, the depth limit.
    for (const query of [aliases(40), aliases(3000), nested(20)]) {
      const res = await s.graphql(query, undefined, { key: made.key });
      expect(res.status, res.text).toBe(400);
    }
    const deadline = Date.now() + 10_000;
    while (!s.app.deps.rateLimiter.exhausted(made.id, 30) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    // Spent: an ordinary query, and even a document the parser would refuse, get 429 with Retry-After.
    for (const query of ['{ influencers(first: 1) { edges { cursor } } }', aliases(3000)]) {
      const res = await s.graphql(query, undefined, { key: made.key });
      expect(res.status, res.text).toBe(429);
      expect(res.body.errors?.[0].extensions.code).toBe('rate_limit_exceeded');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Another key of the team is not affected.
    expect((await s.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { key })).status).toBe(200);
  });
});


describe('the same limits over graphql-ws', () => {
  it('answers refused operations with an error message and keeps the socket', async () => {
    const client = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
    try {
      const deep = await runOverWs(client, nested(20));
      expect(deep.errors?.[0]?.extensions?.code).toBe('query_too_deep');
      const bomb = await runOverWs(client, aliases(3000));
      expect(bomb.errors?.[0]?.extensions?.code).toBe('too_many_tokens');
      const many = await runOverWs(client, aliases(31, 'influencers(first: 1) { edges { cursor } }'));
      expect(many.errors?.[0]?.extensions?.code).toBe('too_many_aliases');
      const costly = await runOverWs(client, nested(9));
      expect(costly.data ?? null).toBeNull();
      expect(costly.errors?.[0]?.extensions?.code).toBe('query_too_costly');
      const ok = await runOverWs(client, '{ influencers(first: 2) { edges { node { name } } } }');
      expect(ok.data.influencers.edges).toHaveLength(2);
    } finally {
      await client.dispose();
    }
  });

  it('refuses a too deep subscription before it starts', async () => {
    const client = createClient({ url: small.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${small.adminKey}` }, retryAttempts: 0 });
    try {
      const res = await runOverWs(client, 'subscription { batchProgress(batchId: "x") { item { influencer { collaborations { influencers { collaborations { influencers { id } } } } } } } }');
      expect(res.errors?.[0]?.extensions?.code).toBe('query_too_deep');
    } finally {
      await client.dispose();
    }
  });
});

describe('requests that are not GraphQL requests', () => {
  it('answers an empty batch with 400', async () => {
    const res = await s.request('POST', '/graphql', { key, body: [] });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].message).toMatch(/empty batch/);
  });

  it('answers a form-encoded body with 400', async () => {
    const res = await s.request('POST', '/graphql', {
      key,
      rawBody: `query=${encodeURIComponent('{ influencers(first: 1) { edges { cursor } } }')}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].message).toMatch(/form-encoded/);
  });

  it('answers multipart without operations with 400', async () => {
    const boundary = 'xyzBOUNDARY';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--${boundary}--\r\n`;
    const res = await s.request('POST', '/graphql', { key, rawBody: body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.errors[0].message).toMatch(/operations/);
  });
});

describe('CORS on /graphql', () => {
  it('reflects no origin and allows no credentials by default', async () => {
    const res = await s.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { key, headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await s.request('OPTIONS', '/graphql', {
      key: null,
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('reflects only the origins in CORS_ORIGINS, with credentials', async () => {
    const allowed = await small.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { headers: { Origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await small.graphql('{ influencers(first: 1) { edges { cursor } } }', undefined, { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    // A preflight needs no key.
    const preflight = await small.request('OPTIONS', '/graphql', {
      key: null,
      headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/i);
  });
});

describe('one team abusing, another working', () => {
  it("answers team B's ordinary queries correctly while team A's abusive ones are refused", async () => {
    const a = await s.createTeam('abuser');
    const b = await s.createTeam('bystander');
    const made = await s.request('POST', '/api/v1/influencers', { key: b.key, body: { name: 'Bystander', handle: 'bystander' } });
    expect(made.status, made.text).toBe(201);
    const abusive = [nested(9), nested(20), aliases(3000), aliases(200, 'influencers(first: 1) { edges { cursor } }')];
    const attacks = Array.from({ length: 40 }, (_, i) => s.graphql(abusive[i % abusive.length]!, undefined, { key: a.key }));
    const ordinary = Array.from({ length: 10 }, () => s.graphql('{ influencers(first: 5) { edges { node { name } } } }', undefined, { key: b.key }));
    const [refused, answered] = await Promise.all([Promise.all(attacks), Promise.all(ordinary)]);
    for (const r of refused) expect([400, 429]).toContain(r.status);
    expect(refused.filter((r) => r.status === 400).length).toBeGreaterThan(0);
    for (const r of answered) {
      expect(r.status, r.text).toBe(200);
      expect(r.body.data.influencers.edges.map((e: any) => e.node.name)).toEqual(['Bystander']);
    }
  });
});
