/**
 * Outbound webhooks end to end, against loopback receivers that verify
 * signatures with the official `standardwebhooks` library the way a customer
 * would: endpoints (secret shown once), signatures (and a tampered body that
 * fails), the retry schedule against a receiver that fails N times, giving up
 * after the schedule, redelivery, a job killed mid-delivery (same webhook-id
 * after a restart on the same database), filtering by type, disabled and
 * deleted endpoints, scopes, tenancy, bad input, GraphQL and the `events`
 * subscription over graphql-ws.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { Webhook } from 'standardwebhooks';
import { deliverAfterCommit, emitEvent } from '../src/modules/webhooks/service.js';
import type { WebhookEventType } from '../src/modules/webhooks/event-types.js';
import { signWebhook, generateWebhookSecret, isWebhookSecret } from '../src/infra/webhook-signing.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';
import { createTestDatabase, testDatabaseKind } from './helpers/database.js';

const SCHEDULE = [30, 60, 90];
const env = {
  RATE_LIMIT_PER_MINUTE: '100000',
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,::1',
  WEBHOOK_RETRY_SCHEDULE: SCHEDULE.map((ms) => `${ms}ms`).join(','),
  WEBHOOK_TIMEOUT_MS: '3000',
  JOB_POLL_MS: '50',
  JOB_LEASE_MS: '1000',
  JOB_CONCURRENCY: '4',
};
const WAIT_MS = 10_000;

let s: TestServer;
let teamId: string;
const receivers: WebhookReceiver[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  s = await startTestServer(env);
  teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await s?.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(host?: string): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver({ host });
  receivers.push(r);
  return r;
}

/** An endpoint pointing at a fresh receiver that holds its secret. */
async function endpointWithReceiver(body: Record<string, unknown> = {}, srv: TestServer = s, host?: string) {
  const r = await receiver(host);
  const res = await srv.request('POST', '/api/v1/webhooks', { body: { url: r.url, ...body } });
  expect(res.status, res.text).toBe(201);
  r.secret = res.body.secret;
  return { r, endpoint: res.body };
}

async function emit(type: WebhookEventType, data: unknown, srv: TestServer = s, team = teamId) {
  const event = await srv.app.deps.prisma.$transaction((tx) => emitEvent(tx, { teamId: team, type, data }));
  deliverAfterCommit(srv.app.deps);
  return event;
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function deliveries(endpointId: string, srv: TestServer = s, query = '') {
  const res = await srv.request('GET', `/api/v1/webhooks/${endpointId}/deliveries${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
}

const settled = (endpointId: string, deliveryId: string, srv: TestServer = s) =>
  until(
    `delivery ${deliveryId} to settle`,
    async () => (await srv.request('GET', `/api/v1/webhooks/${endpointId}/deliveries/${deliveryId}`)).body,
    (d) => d.status !== 'pending',
  );

describe('endpoints', () => {
  it('creates an endpoint with its signing secret shown once; lists, gets and updates it without the secret; deletes it', async () => {
    const r = await receiver();
    const created = await s.request('POST', '/api/v1/webhooks', { body: { url: r.url, events: ['publish.failed', 'publish.succeeded'], description: 'ops' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: r.url, events: ['publish.failed', 'publish.succeeded'], description: 'ops', enabled: true });
    expect(created.body.id).toMatch(/^we_[0-9a-f]{24}$/);
    expect(isWebhookSecret(created.body.secret)).toBe(true);
    const id = created.body.id;

    const got = await s.request('GET', `/api/v1/webhooks/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('secret');
    expect(got.text).not.toContain(created.body.secret.slice(6));
    const list = await s.request('GET', '/api/v1/webhooks');
    expect(list.body.data.map((e: any) => e.id)).toContain(id);
    expect(list.text).not.toContain(created.body.secret.slice(6));
    // stored encrypted
    const row = await s.app.deps.prisma.webhookEndpoint.findUnique({ where: { id } });
    expect(row!.secret).not.toContain(created.body.secret.slice(6));

    const patched = await s.request('PATCH', `/api/v1/webhooks/${id}`, { body: { events: [], description: null, enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, events: [], description: null, enabled: false, url: r.url });

    const rotated = await s.request('POST', `/api/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(isWebhookSecret(rotated.body.secret)).toBe(true);
    expect(rotated.body.secret).not.toBe(created.body.secret);

    expect((await s.request('DELETE', `/api/v1/webhooks/${id}`)).body).toEqual({ id, deleted: true });
    expect((await s.request('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
    expect((await s.request('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(404);
  });

  it('pages the list newest first with limit and starting_after', async () => {
    const other = await s.createTeam('pager');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.request('POST', '/api/v1/webhooks', { key: other.key, body: { url: `https://hooks.example.com/${i}` } })).body.id);
    const first = await s.request('GET', '/api/v1/webhooks?limit=2', { key: other.key });
    expect(first.body).toMatchObject({ has_more: true, next_cursor: ids[1] });
    expect(first.body.data.map((e: any) => e.id)).toEqual([ids[2], ids[1]]);
    const rest = await s.request('GET', `/api/v1/webhooks?limit=2&starting_after=${first.body.next_cursor}`, { key: other.key });
    expect(rest.body).toEqual({ data: [expect.objectContaining({ id: ids[0] })], has_more: false, next_cursor: null });
  });

  it('lists the event type catalog', async () => {
    const res = await s.request('GET', '/api/v1/webhooks/event-types');
    expect(res.body.data.map((t: any) => t.type)).toEqual([
      'content.generated',
      'content.approved',
      'content.rejected',
      'publish.started',
      'publish.succeeded',
      'publish.failed',
      'batch.completed',
      'import.completed',
      'run.completed',
      'run.failed',
      'webhook.test',
    ]);
  });

  it('answers bad URLs and bodies with 400 naming the field', async () => {
    const bad = async (body: unknown, param: string | null, message: RegExp) => {
      const res = await s.request('POST', '/api/v1/webhooks', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
      expect(res.body.error.message).toMatch(message);
    };
    await bad({}, 'url', /url is required/);
    await bad({ url: 'ftp://example.com/hook' }, 'url', /http or https/);
    await bad({ url: 'not a url' }, 'url', /http or https/);
    await bad({ url: 'http://10.0.0.1/hook' }, 'url', /private address/);
    await bad({ url: 'http://192.168.0.10:8080/hook' }, 'url', /private address/);
    await bad({ url: 'http://169.254.169.254/latest/meta-data' }, 'url', /metadata/);
    await bad({ url: 'http://[fd00:ec2::254]/' }, 'url', /metadata/);
    await bad({ url: 'http://metadata.google.internal/' }, 'url', /metadata/);
    await bad({ url: 'http://0.0.0.0:4000/' }, 'url', /unspecified/);
    await bad({ url: 'https://user:pw@example.com/hook' }, 'url', /credentials/);
    await bad({ url: 42 }, 'url', /url must be a string/);
    await bad({ url: 'https://example.com/h', events: ['content.approved', 'nope'] }, 'events.1', /known event types/);
    await bad({ url: 'https://example.com/h', events: 'content.approved' }, 'events', /array/);
    await bad({ url: 'https://example.com/h', events: ['content.approved', 'content.approved'] }, 'events', /twice/);
    await bad({ url: 'https://example.com/h', event: ['content.approved'] }, null, /unknown field: event/);
    await bad({ url: 'https://example.com/h', description: 'x'.repeat(501) }, 'description', /500/);

    const ok = await s.request('POST', '/api/v1/webhooks', { body: { url: 'https://example.com/h' } });
    const id = ok.body.id;
    const patch = await s.request('PATCH', `/api/v1/webhooks/${id}`, { body: { url: 'http://10.1.1.1/' } });
    expect([patch.status, patch.body.error.param]).toEqual([400, 'url']);
    expect((await s.request('PATCH', `/api/v1/webhooks/${id}`, { body: { enabled: 'yes' } })).status).toBe(400);
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'starting_after=we_nope']) {
      expect((await s.request('GET', `/api/v1/webhooks?${q}`)).status, q).toBe(400);
    }
    for (const q of ['status=lost', 'eventType=nope', 'starting_after=dlv_nope', 'limit=0']) {
      expect((await s.request('GET', `/api/v1/webhooks/${id}/deliveries?${q}`)).status, q).toBe(400);
    }
    // oversized bodies: 413 before anything else
    const huge = await s.request('POST', '/api/v1/webhooks', { body: { url: 'https://example.com/h', description: 'x'.repeat(11 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
  });

  it('answers a key without webhook:read / webhook:write with 403 naming the scope', async () => {
    const none = (await s.createKey(['content:read'])).key;
    const readOnly = (await s.createKey(['webhook:read'])).key;
    const { endpoint } = await endpointWithReceiver();
    const e = endpoint.id;
    for (const [method, p] of [
      ['GET', '/api/v1/webhooks'],
      ['GET', '/api/v1/webhooks/event-types'],
      ['GET', `/api/v1/webhooks/${e}`],
      ['GET', `/api/v1/webhooks/${e}/deliveries`],
      ['GET', `/api/v1/webhooks/${e}/deliveries/dlv_x`],
    ] as const) {
      const res = await s.request(method, p, { key: none });
      expect([res.status, res.body.error.message], p).toEqual([403, 'This API key lacks the required scope: webhook:read']);
      expect((await s.request(method, p, { key: readOnly })).status).not.toBe(403);
    }
    for (const [method, p] of [
      ['POST', '/api/v1/webhooks'],
      ['PATCH', `/api/v1/webhooks/${e}`],
      ['DELETE', `/api/v1/webhooks/${e}`],
      ['POST', `/api/v1/webhooks/${e}/test`],
      ['POST', `/api/v1/webhooks/${e}/rotate-secret`],
      ['POST', `/api/v1/webhooks/${e}/deliveries/dlv_x/redeliver`],
    ] as const) {
      const res = await s.request(method, p, { key: readOnly, body: method === 'DELETE' ? undefined : { url: 'https://example.com/x' } });
      expect([res.status, res.body.error.message], p).toEqual([403, 'This API key lacks the required scope: webhook:write']);
    }
    // nothing changed
    expect((await s.request('GET', `/api/v1/webhooks/${e}`)).status).toBe(200);
    const g = await s.graphql(`mutation { createWebhookEndpoint(input: { url: "https://example.com/g" }) { __typename ... on ForbiddenError { scope } } }`, {}, { key: readOnly });
    expect(g.body.data.createWebhookEndpoint).toEqual({ __typename: 'ForbiddenError', scope: 'webhook:write' });
  });

  it('answers another team’s and unknown ids with 404 and changes nothing', async () => {
    const { endpoint, r } = await endpointWithReceiver();
    const test = await s.request('POST', `/api/v1/webhooks/${endpoint.id}/test`);
    const deliveryId = test.body.id;
    const other = await s.createTeam('strangers');
    const theirs = (await s.request('POST', '/api/v1/webhooks', { key: other.key, body: { url: 'https://example.com/theirs' } })).body.id;
    for (const [method, p] of [
      ['GET', `/api/v1/webhooks/${endpoint.id}`],
      ['PATCH', `/api/v1/webhooks/${endpoint.id}`],
      ['DELETE', `/api/v1/webhooks/${endpoint.id}`],
      ['POST', `/api/v1/webhooks/${endpoint.id}/test`],
      ['POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`],
      ['GET', `/api/v1/webhooks/${endpoint.id}/deliveries`],
      ['GET', `/api/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}`],
      ['POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`],
    ] as const) {
      const res = await s.request(method, p, { key: other.key, body: method === 'PATCH' ? { enabled: false } : undefined });
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(res.body.error.type).toBe('not_found');
    }
    // their endpoint id with our delivery, our endpoint with an unknown delivery, unknown endpoints
    expect((await s.request('GET', `/api/v1/webhooks/${theirs}/deliveries/${deliveryId}`)).status).toBe(404);
    expect((await s.request('POST', `/api/v1/webhooks/${theirs}/deliveries/${deliveryId}/redeliver`)).status).toBe(404);
    expect((await s.request('GET', `/api/v1/webhooks/${endpoint.id}/deliveries/dlv_000000000000000000000000`)).status).toBe(404);
    expect((await s.request('GET', '/api/v1/webhooks/we_000000000000000000000000')).status).toBe(404);
    expect((await s.request('PATCH', `/api/v1/webhooks/${theirs}`, { body: { enabled: false } })).status).toBe(404);
    const g = await s.graphql(`query($id: ID!) { webhookEndpoint(id: $id) { id } node(id: $id) { id } }`, { id: endpoint.id }, { key: other.key });
    expect(g.body.data).toEqual({ webhookEndpoint: null, node: null });
    const gd = await s.graphql(`mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { __typename } }`, { id: deliveryId }, { key: other.key });
    expect(gd.body.data.redeliverWebhookDelivery.__typename).toBe('NotFoundError');
    // still ours, still enabled, the receiver got only the one test event
    expect((await s.request('GET', `/api/v1/webhooks/${endpoint.id}`)).body.enabled).toBe(true);
    expect(r.received).toHaveLength(1);
  });
});

describe('signing', () => {
  it('the receiver verifies the signature with the standardwebhooks library; a tampered body, another secret or an old timestamp fail', async () => {
    const { r, endpoint } = await endpointWithReceiver();
    const res = await s.request('POST', `/api/v1/webhooks/${endpoint.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ endpointId: endpoint.id, eventType: 'webhook.test', status: 'succeeded', attempts: 1, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(res.body.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null, responseBody: JSON.stringify({ received: res.body.eventId }) })]);

    const got = r.received[0]!;
    expect(got.verified).toBe(true);
    expect(got.id).toBe(res.body.eventId);
    expect(got.id).toMatch(/^msg_/);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.payload).toEqual({ type: 'webhook.test', timestamp: res.body.event.timestamp, data: { endpointId: endpoint.id, message: expect.any(String) } });
    expect(Math.abs(Number(got.timestamp) - Date.now() / 1000)).toBeLessThan(300);

    const headers = { 'webhook-id': got.id, 'webhook-timestamp': got.timestamp, 'webhook-signature': got.signature };
    const wh = new Webhook(r.secret!);
    expect(() => wh.verify(got.body, headers)).not.toThrow();
    const tampered = got.body.replace('"webhook.test"', '"publish.failed"');
    expect(tampered).not.toBe(got.body);
    expect(() => wh.verify(tampered, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(generateWebhookSecret()).verify(got.body, headers)).toThrow(/No matching signature/);
    expect(() => wh.verify(got.body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(/No matching signature/);
    // the receiver itself refuses the tampered request, as a customer's would
    const replay = await fetch(r.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: tampered });
    expect(replay.status).toBe(401);
    expect(r.received.at(-1)!.verifyError).toMatch(/No matching signature/);
  });

  it('signWebhook follows the spec: v1,base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body"))', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const h = signWebhook(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    // the example in the Standard Webhooks specification
    expect(h).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
    const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update('msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}').digest('base64');
    expect(h['webhook-signature']).toBe(`v1,${mac}`);
  });

  it('after a secret rotation deliveries are signed with the new secret only', async () => {
    const { r, endpoint } = await endpointWithReceiver();
    const old = r.secret!;
    const rotated = await s.request('POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`);
    const res = await s.request('POST', `/api/v1/webhooks/${endpoint.id}/test`);
    // the receiver still holds the old secret: 401, and the delivery is pending a retry
    expect(res.body).toMatchObject({ status: 'pending', lastStatusCode: 401, lastError: 'the endpoint answered HTTP 401' });
    r.secret = rotated.body.secret;
    // (its automatic retries may have run out meanwhile: deliver it again now)
    expect((await s.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${res.body.id}/redeliver`)).status).toBe(202);
    const done = await settled(endpoint.id, res.body.id);
    expect(done.status).toBe('succeeded');
    const last = r.received.at(-1)!;
    expect(last.verified).toBe(true);
    expect(() => new Webhook(old).verify(last.body, { 'webhook-id': last.id, 'webhook-timestamp': last.timestamp, 'webhook-signature': last.signature })).toThrow();
  });
});

describe('delivery', () => {
  it('retries on the schedule against a receiver that fails N times, then succeeds; the log shows each failure with its status code', async () => {
    const { r, endpoint } = await endpointWithReceiver();
    r.failNext(2, 503);
    const event = await emit('publish.succeeded', { publicationId: 'pub_1', url: 'https://x.com/p/1' });
    const [d] = await until('a delivery', () => deliveries(endpoint.id), (l) => l.length === 1);
    const done = await settled(endpoint.id, d.id);
    expect(done).toMatchObject({ eventId: event.id, eventType: 'publish.succeeded', status: 'succeeded', attempts: 3, lastStatusCode: 200, lastError: null, nextAttemptAt: null });
    expect(done.attemptLog.map((a: any) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, 503, 'the endpoint answered HTTP 503'],
      [2, 503, 'the endpoint answered HTTP 503'],
      [3, 200, null],
    ]);
    expect(done.attemptLog[0].responseBody).toBe('failing on purpose (503)');
    // the receiver got the same event three times, same webhook-id, each one signed and verified
    expect(r.received.map((x) => [x.id, x.verified, x.answered])).toEqual([
      [event.id, true, 503],
      [event.id, true, 503],
      [event.id, true, 200],
    ]);
    expect(r.uniqueIds()).toEqual([event.id]);
    expect(r.received[0]!.payload).toEqual({ type: 'publish.succeeded', timestamp: event.timestamp, data: { publicationId: 'pub_1', url: 'https://x.com/p/1' } });
    // in schedule order: each retry came no sooner than its delay after the attempt before it
    for (let i = 1; i < r.received.length; i++) expect(r.received[i]!.at - r.received[i - 1]!.at).toBeGreaterThanOrEqual(SCHEDULE[i - 1]!);
    // one job per attempt, steps 0, 1, 2
    // (the delivery reads succeeded from inside its job, a moment before the job itself is marked)
    const jobs = await until(
      'the delivery jobs to end',
      () => s.app.deps.prisma.job.findMany({ where: { kind: 'webhook.deliver', payload: { path: ['deliveryId'], equals: d.id } }, orderBy: { runAt: 'asc' } }),
      (l) => l.every((j) => j.status !== 'queued' && j.status !== 'running'),
    );
    expect(jobs.map((j) => [(j.payload as any).step, j.status])).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
      [2, 'succeeded'],
    ]);
  });

  it('gives up after the last delay of the schedule with failed, then redelivers on demand with the same webhook-id', async () => {
    const { r, endpoint } = await endpointWithReceiver();
    r.failNext(100, 500);
    const event = await emit('publish.failed', { publicationId: 'pub_2', error: 'rate limited' });
    const [d] = await until('a delivery', () => deliveries(endpoint.id), (l) => l.length === 1);
    const failed = await settled(endpoint.id, d.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: SCHEDULE.length + 1, lastStatusCode: 500, nextAttemptAt: null });
    expect(failed.attemptLog.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 500]);
    expect(r.received).toHaveLength(4);
    expect((await deliveries(endpoint.id, s, '?status=failed')).map((x) => x.id)).toEqual([d.id]);

    // the customer fixed their endpoint
    r.failNext(0);
    const again = await s.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: d.id, status: 'pending' });
    const done = await settled(endpoint.id, d.id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 5, lastStatusCode: 200, lastError: null });
    expect(r.received).toHaveLength(5);
    expect(r.uniqueIds()).toEqual([event.id]);
    expect(r.received[4]!.verified).toBe(true);

    // a redelivery that fails once is one attempt: no new schedule
    r.failNext(1, 502);
    await s.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`);
    const once = await settled(endpoint.id, d.id);
    expect(once).toMatchObject({ status: 'failed', attempts: 6, lastStatusCode: 502 });
  });

  it('a network failure or a refused address is a failed attempt with a safe message', async () => {
    const slowReceiver = await receiver();
    slowReceiver.hang();
    const res = await s.request('POST', '/api/v1/webhooks', { body: { url: slowReceiver.url.replace('/hooks', '/never') } });
    slowReceiver.secret = res.body.secret;
    // the server was told 3 s; the attempt times out and is logged as such
    const t = await s.request('POST', `/api/v1/webhooks/${res.body.id}/test`);
    expect(t.body).toMatchObject({ status: 'pending', lastStatusCode: null, lastError: '127.0.0.1 did not answer within the time limit' });
    await s.request('PATCH', `/api/v1/webhooks/${res.body.id}`, { body: { enabled: false } });
    slowReceiver.release();
  });

  it('delivers each event only to enabled endpoints that want its type', async () => {
    const onlyFailures = await endpointWithReceiver({ events: ['publish.failed'] });
    const everything = await endpointWithReceiver();
    const disabled = await endpointWithReceiver({ enabled: false });
    const a = await emit('content.approved', { contentItemId: 'ci_1' });
    const b = await emit('publish.failed', { publicationId: 'pub_3' });
    await everything.r.waitFor(2);
    await onlyFailures.r.waitFor(1);
    await until('both deliveries to settle', () => deliveries(everything.endpoint.id), (l) => l.length === 2 && l.every((d) => d.status === 'succeeded'));
    expect(onlyFailures.r.uniqueIds()).toEqual([b.id]);
    expect(everything.r.uniqueIds().sort()).toEqual([a.id, b.id].sort());
    expect((await deliveries(onlyFailures.endpoint.id)).map((d) => d.eventType)).toEqual(['publish.failed']);
    expect((await deliveries(everything.endpoint.id, s, '?eventType=content.approved')).map((d) => d.eventId)).toEqual([a.id]);
    // the disabled endpoint has no deliveries and got nothing; its test action is refused
    expect(await deliveries(disabled.endpoint.id)).toEqual([]);
    expect(disabled.r.received).toHaveLength(0);
    const refused = await s.request('POST', `/api/v1/webhooks/${disabled.endpoint.id}/test`);
    expect([refused.status, refused.body.error.code]).toEqual([409, 'webhook_endpoint_disabled']);
    expect(disabled.r.received).toHaveLength(0);
  });

  it('emitEvent refuses a type outside the catalog, and the test type', async () => {
    await expect(emit('content.exploded' as WebhookEventType, {})).rejects.toThrow(/not an event type/);
    await expect(emit('webhook.test', {})).rejects.toThrow(/not an event type/);
    // the three-argument form works too
    const e = await s.app.deps.prisma.$transaction((tx) => emitEvent(tx, s.app.deps, { teamId, type: 'batch.completed', data: { batchId: 'b1' } }));
    expect(e).toMatchObject({ type: 'batch.completed', data: { batchId: 'b1' } });
  });

  it('an event whose transaction rolls back is never delivered', async () => {
    const { r, endpoint } = await endpointWithReceiver();
    await expect(
      s.app.deps.prisma.$transaction(async (tx) => {
        await emitEvent(tx, { teamId, type: 'content.rejected', data: { contentItemId: 'ci_rolled_back' } });
        throw new Error('the caller’s write failed');
      }),
    ).rejects.toThrow(/write failed/);
    deliverAfterCommit(s.app.deps);
    // a later event arrives, the rolled-back one never does
    const later = await emit('content.rejected', { contentItemId: 'ci_2' });
    await r.waitFor(1);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.uniqueIds()).toEqual([later.id]);
    expect(await deliveries(endpoint.id)).toHaveLength(1);
  });
});

describe('GraphQL', () => {
  it('creates (secret once), reads with the delivery log, tests, updates, redelivers and deletes endpoints', async () => {
    const r = await receiver();
    const created = await s.graphql(
      `mutation($url: String!) { createWebhookEndpoint(input: { url: $url, events: ["publish.failed"], description: "gql" }) {
        __typename ... on MutationCreateWebhookEndpointSuccess { data { secret endpoint { id url events description enabled } } } } }`,
      { url: r.url },
    );
    const { secret, endpoint } = created.body.data.createWebhookEndpoint.data;
    expect(isWebhookSecret(secret)).toBe(true);
    expect(endpoint).toMatchObject({ url: r.url, events: ['publish.failed'], description: 'gql', enabled: true });
    r.secret = secret;

    const tested = await s.graphql(`mutation($id: ID!) { testWebhookEndpoint(id: $id) { __typename ... on MutationTestWebhookEndpointSuccess { data { id status attempts event { id type data } } } } }`, { id: endpoint.id });
    const delivery = tested.body.data.testWebhookEndpoint.data;
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, event: { type: 'webhook.test', data: { endpointId: endpoint.id } } });
    expect(r.received[0]!.id).toBe(delivery.event.id);

    r.failNext(1, 500);
    await emit('publish.failed', { publicationId: 'pub_g' });
    await until('the retry', () => deliveries(endpoint.id), (l) => l.length === 2 && l.every((d) => d.status === 'succeeded'));

    const read = await s.graphql(
      `query($id: ID!) { webhookEndpoint(id: $id) { id deliveries(first: 10) { edges { node { id status attempts lastStatusCode endpoint { id } event { type } attemptLog { attempt statusCode error durationMs responseBody createdAt } } } } } }`,
      { id: endpoint.id },
    );
    const nodes = read.body.data.webhookEndpoint.deliveries.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => [n.event.type, n.status, n.attempts, n.attemptLog.map((a: any) => a.statusCode)])).toEqual([
      ['publish.failed', 'succeeded', 2, [500, 200]],
      ['webhook.test', 'succeeded', 1, [200]],
    ]);
    expect(nodes[0].endpoint.id).toBe(endpoint.id);
    const node = await s.graphql(`query($id: ID!) { node(id: $id) { __typename ... on WebhookDelivery { status } } }`, { id: nodes[0].id });
    expect(node.body.data.node).toEqual({ __typename: 'WebhookDelivery', status: 'succeeded' });
    const list = await s.graphql(`{ webhookEndpoints(first: 100) { edges { node { id } } } webhookEventTypes { type } }`);
    expect(list.body.data.webhookEndpoints.edges.map((e: any) => e.node.id)).toContain(endpoint.id);
    expect(list.body.data.webhookEventTypes).toHaveLength(11);

    const redelivered = await s.graphql(`mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { __typename ... on MutationRedeliverWebhookDeliverySuccess { data { id status } } } }`, { id: nodes[0].id });
    expect(redelivered.body.data.redeliverWebhookDelivery.data).toEqual({ id: nodes[0].id, status: 'pending' });
    await settled(endpoint.id, nodes[0].id);

    const bad = await s.graphql(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { url: "http://10.0.0.8/" }) { __typename ... on ValidationError { param message } } }`, { id: endpoint.id });
    expect(bad.body.data.updateWebhookEndpoint).toMatchObject({ __typename: 'ValidationError', param: 'url' });
    const off = await s.graphql(`mutation($id: ID!) { updateWebhookEndpoint(id: $id, input: { enabled: false, events: [] }) { __typename ... on MutationUpdateWebhookEndpointSuccess { data { enabled events description } } } }`, { id: endpoint.id });
    expect(off.body.data.updateWebhookEndpoint.data).toEqual({ enabled: false, events: [], description: 'gql' });
    const gone = await s.graphql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename ... on MutationDeleteWebhookEndpointSuccess { data { id url } } } }`, { id: endpoint.id });
    expect(gone.body.data.deleteWebhookEndpoint.data).toEqual({ id: endpoint.id, url: r.url });
  });

  it('loads an endpoint’s deliveries with their logs in a number of queries that does not grow with them', async () => {
    // a server of its own, so that no other test's deliveries run while the statements are counted
    const q = await startTestServer(env);
    try {
      const team = (await q.request('GET', '/api/v1/me')).body.team.id;
      const { endpoint } = await endpointWithReceiver({}, q);
      const query = `query($id: ID!) { webhookEndpoint(id: $id) { deliveries(first: 50) { edges { node { id endpoint { id } event { type } attemptLog { attempt } } } } } }`;
      const idle = () => until('the jobs to finish', () => q.app.deps.prisma.job.count({ where: { kind: { startsWith: 'webhook.' }, status: { in: ['queued', 'running'] } } }), (n) => n === 0);
      const count = async () => {
        let n = 0;
        // the job workers poll meanwhile: count the statements on the webhook tables
        const stop = q.app.onQuery((e) => void (/"Webhook/.test(e.query) && n++));
        const res = await q.graphql(query, { id: endpoint.id });
        stop();
        expect(res.body.errors).toBeUndefined();
        return { n, deliveries: res.body.data.webhookEndpoint.deliveries.edges.length };
      };
      await emit('import.completed', { importId: 'imp_1' }, q, team);
      await idle();
      const one = await count();
      for (let i = 0; i < 4; i++) await emit('import.completed', { importId: `imp_${i + 2}` }, q, team);
      await idle();
      const five = await count();
      expect([one.deliveries, five.deliveries]).toEqual([1, 5]);
      expect(five.n).toBe(one.n);
    } finally {
      await q.close();
    }
  });

  it('streams the team’s events over graphql-ws, filtered by type; refuses a key without webhook:read', async () => {
    const { endpoint } = await endpointWithReceiver();
    const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${s.adminKey}` }, retryAttempts: 0 });
    clients.push(c);
    const got: any[] = [];
    let failure: unknown = null;
    const stop = c.subscribe({ query: `subscription { events(types: ["webhook.test"]) { id type timestamp data } }` }, { next: (v) => got.push(v), error: (e) => (failure = e), complete: () => {} });
    // the subscription goes live asynchronously: test until a test event comes through (events of other types are filtered out)
    const sent: string[] = [];
    const deadline = Date.now() + WAIT_MS;
    while (!got.length && Date.now() < deadline) {
      await emit('content.generated', { contentItemId: 'ci_sub' });
      const t = await s.request('POST', `/api/v1/webhooks/${endpoint.id}/test`);
      sent.push(t.body.eventId);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(failure).toBeNull();
    expect(got.length).toBeGreaterThan(0);
    const first = got[0].data.events;
    expect(sent).toContain(first.id);
    expect(first).toMatchObject({ type: 'webhook.test', data: { endpointId: endpoint.id } });
    expect(got.every((g) => g.data.events.type === 'webhook.test')).toBe(true);
    stop();

    const limited = await s.createKey(['content:read']);
    const c2 = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${limited.key}` }, retryAttempts: 0 });
    clients.push(c2);
    const err = await new Promise<any>((resolve) => {
      c2.subscribe({ query: `subscription { events { id } }` }, { next: () => resolve(null), error: resolve, complete: () => resolve(null) });
    });
    expect(err).toEqual([{ message: 'This API key lacks the required scope: webhook:read', extensions: { code: 'missing_scope', type: 'authorization_error' } }]);
    const badType = await new Promise<any>((resolve) => {
      c.subscribe({ query: `subscription { events(types: ["nope"]) { id } }` }, { next: () => resolve(null), error: resolve, complete: () => resolve(null) });
    });
    expect(badType[0]).toMatchObject({ message: expect.stringMatching(/^types may hold only known event types: content.generated, /), extensions: { code: 'invalid_request' } });
  });
});

describe('on the default schedule, with only [::1] allowed', () => {
  let slow: TestServer;
  let slowTeam: string;
  beforeAll(async () => {
    slow = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '::1', JOB_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '3000' });
    slowTeam = (await slow.request('GET', '/api/v1/me')).body.team.id;
  });
  afterAll(async () => slow?.close());

  it('schedules the first retry 5 s after a failed attempt; a disabled endpoint stops receiving, and a deleted one too', async () => {
    const { r, endpoint } = await endpointWithReceiver({}, slow, '::1');
    r.failNext(1, 500);
    const event = await emit('content.approved', { contentItemId: 'ci_9' }, slow, slowTeam);
    const [d] = await until('the first attempt', () => deliveries(endpoint.id, slow), (l) => l.length === 1 && l[0].attempts === 1);
    expect(d).toMatchObject({ status: 'pending', lastStatusCode: 500 });
    const wait = Date.parse(d.nextAttemptAt) - Date.parse(d.lastAttemptAt);
    expect(wait).toBeGreaterThanOrEqual(5000);
    expect(wait).toBeLessThan(5000 + 3000 + 1000);

    // disabled before its retry is due: when the retry comes, nothing is sent and the delivery fails, saying why
    await slow.request('PATCH', `/api/v1/webhooks/${endpoint.id}`, { body: { enabled: false } });
    await slow.app.deps.prisma.job.updateMany({ where: { kind: 'webhook.deliver', status: 'queued', payload: { path: ['deliveryId'], equals: d.id } }, data: { runAt: new Date() } });
    slow.app.deps.jobs.kick();
    const stopped = await settled(endpoint.id, d.id, slow);
    expect(stopped).toMatchObject({ status: 'failed', attempts: 1, lastError: 'the endpoint is disabled' });
    expect(r.received).toHaveLength(1);
    expect((await slow.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`)).status).toBe(409);

    // enabled again, a redelivery goes out
    await slow.request('PATCH', `/api/v1/webhooks/${endpoint.id}`, { body: { enabled: true } });
    await slow.request('POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${d.id}/redeliver`);
    expect(await settled(endpoint.id, d.id, slow)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(r.uniqueIds()).toEqual([event.id]);

    // deleted with a retry pending: the retry never goes out
    r.failNext(1, 500);
    await emit('content.approved', { contentItemId: 'ci_10' }, slow, slowTeam);
    await r.waitFor(3);
    await until('the failed first attempt', () => deliveries(endpoint.id, slow), (l) => l.length === 2 && l[0].attempts === 1);
    expect((await slow.request('DELETE', `/api/v1/webhooks/${endpoint.id}`)).status).toBe(200);
    const orphan = await slow.app.deps.prisma.job.findMany({ where: { kind: 'webhook.deliver', status: 'queued' } });
    await slow.app.deps.prisma.job.updateMany({ where: { id: { in: orphan.map((j) => j.id) } }, data: { runAt: new Date() } });
    slow.app.deps.jobs.kick();
    await until('the orphaned retry to run', () => slow.app.deps.prisma.job.count({ where: { id: { in: orphan.map((j) => j.id) }, status: 'queued' } }), (n) => n === 0);
    expect(r.received).toHaveLength(3);
  });

  it('accepts a host name at creation but refuses it at delivery when it resolves to a loopback address not allowed', async () => {
    const r = await receiver('127.0.0.1');
    const literal = await slow.request('POST', '/api/v1/webhooks', { body: { url: r.url } });
    expect([literal.status, literal.body.error?.param]).toEqual([400, 'url']);
    const byName = await slow.request('POST', '/api/v1/webhooks', { body: { url: r.url.replace('127.0.0.1', 'localhost') } });
    expect(byName.status).toBe(201);
    const t = await slow.request('POST', `/api/v1/webhooks/${byName.body.id}/test`);
    expect(t.body).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(t.body.lastError).toMatch(/^refused: localhost resolves to an address that is a loopback address/);
    expect(r.received).toHaveLength(0);
    await slow.request('DELETE', `/api/v1/webhooks/${byName.body.id}`);
  });
});

describe('a process stopped mid-delivery', () => {
  it('delivers after a restart on the same database, with the same webhook-id, and keeps one attempt in the log', async () => {
    const kind = testDatabaseKind();
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-webhooks-'));
    const shared = kind === 'pglite' ? { url: `pglite:${dir}`, drop: async () => {} } : await createTestDatabase();
    const common = { ...env, DATABASE_URL: shared.url, SHUTDOWN_TIMEOUT_MS: '300' };
    let first: TestServer | null = await startTestServer(common);
    let second: TestServer | null = null;
    try {
      const team = (await first.request('GET', '/api/v1/me')).body.team.id;
      const { r, endpoint } = await endpointWithReceiver({}, first);
      r.hang();
      const event = await emit('publish.started', { publicationId: 'pub_k' }, first, team);
      await r.waitFor(1);
      // stopped while the receiver holds the request: the attempt is abandoned, nothing recorded
      await first.close();
      first = null;
      r.release();

      second = await startTestServer(common);
      const [d] = await until('the delivery', () => deliveries(endpoint.id, second!), (l) => l.length === 1 && l[0].status !== 'pending');
      expect(d).toMatchObject({ eventId: event.id, status: 'succeeded', attempts: 1, lastStatusCode: 200 });
      expect(d.attemptLog.map((a: any) => a.statusCode)).toEqual([200]);
      expect(r.received.length).toBeGreaterThanOrEqual(2);
      expect(r.received.every((x) => x.id === event.id && x.verified)).toBe(true);
      // a customer deduping by webhook-id processes it once
      expect(r.uniqueIds()).toEqual([event.id]);
    } finally {
      await first?.close();
      await second?.close();
      await shared.drop();
    }
  });
});
