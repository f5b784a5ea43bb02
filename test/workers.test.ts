/**
 * Process roles on one PostgreSQL database and Redis: an `api` process that
 * serves and never runs jobs, and three `worker` processes that claim jobs
 * with FOR UPDATE SKIP LOCKED under a lease. 300 webhook deliveries (real
 * jobs, emitted by the webhooks module's own code) are spread over the three
 * workers and each runs exactly once; a worker killed with SIGKILL in the
 * middle of a delivery has it finished by another once its lease expires.
 * Needs PostgreSQL and Redis: skipped, visibly, elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { freePort, reachable } from './helpers/net.js';
import { startServerProcess, until, type ServerProcess } from './helpers/process.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';
import { openDatabase, type Database } from '../src/infra/db/client.js';
import { emitEvent } from '../src/modules/webhooks/service.js';

const KEY = 'pg_test_workers_admin_key_0123456789abcd';
const onPostgres = testDatabaseKind() === 'postgres';
const haveRedis = onPostgres && (await reachable(6379));
if (onPostgres && !haveRedis) console.warn('\n  SKIPPED: test/workers.test.ts needs Redis at 127.0.0.1:6379.\n');
if (!onPostgres) console.warn('\n  SKIPPED: test/workers.test.ts needs a PostgreSQL server, and none answers in this run (worker processes need a shared PostgreSQL).\n');

interface Node {
  proc: ServerProcess;
  url: string;
  pid: number;
}

async function start(env: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const proc = startServerProcess({ ...env, PORT: String(port) });
  await until(() => proc.out().includes('personagraph is listening') || proc.child.exitCode !== null, 'a process to start', 90_000);
  if (proc.child.exitCode !== null) throw new Error(`the process exited ${proc.child.exitCode}:\n${proc.out()}`);
  return { proc, url: `http://127.0.0.1:${port}`, pid: proc.child.pid! };
}

/** Job attempts this process ran, by outcome, from its /metrics. */
async function attempts(node: Node, kind: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const m = new RegExp(`job_attempts_total\\{kind="${kind.replace('.', '\\.')}",outcome="succeeded"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

describe.skipIf(!haveRedis)('an api process and three workers on one PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let direct: Database;
  let receiver: WebhookReceiver;
  let api: Node;
  const workers: Node[] = [];
  let teamId: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    receiver = await startWebhookReceiver();
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      BOOTSTRAP_API_KEY: KEY,
      SECRET_KEY: 'workers-secret-key-0123456789abcdef0123',
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
      JOB_LEASE_MS: '2000',
      JOB_POLL_MS: '100',
      JOB_CONCURRENCY: '4',
      WEBHOOK_TIMEOUT_MS: '60000',
      RATE_LIMIT_PER_MINUTE: '100000',
    };
    api = await start({ ...env, PROCESS_ROLE: 'api' }); // first: it migrates and makes the admin key
    workers.push(...(await Promise.all([1, 2, 3].map(() => start({ ...env, PROCESS_ROLE: 'worker' })))));
    direct = await openDatabase({ kind: 'postgres', url: db.url }, { migrate: false });
    teamId = (await direct.prisma.team.findFirstOrThrow({ orderBy: { createdAt: 'asc' } })).id;
    const made = await fetch(`${api.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['import.completed'] }),
    });
    expect(made.status).toBe(201);
    receiver.secret = ((await made.json()) as { secret: string }).secret;
  }, 180_000);

  afterAll(async () => {
    for (const n of [api, ...workers]) if (n && n.proc.child.exitCode === null) n.proc.child.kill('SIGKILL');
    await direct?.close();
    await receiver?.close();
    await db?.drop();
  });

  it('the roles answer as configured: the api process never claims jobs, a worker serves only health and metrics', async () => {
    const w = await fetch(`${workers[0]!.url}/api/v1/webhooks`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(w.status).toBe(404);
    expect(((await w.json()) as { error: string }).error).toContain('PROCESS_ROLE=worker');
    expect((await fetch(`${workers[0]!.url}/readyz`)).status).toBe(200);
    expect(api.proc.out()).toContain('Role                api');
  });

  it('300 jobs spread over three workers each run exactly once', async () => {
    const before = receiver.received.length;
    for (let i = 0; i < 300; i++) {
      await direct.prisma.$transaction((tx) => emitEvent(tx, { teamId, type: 'import.completed', data: { importId: `imp_${i}` } }));
    }
    await until(() => receiver.received.length - before >= 300, '300 deliveries', 120_000);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate, were there one, would arrive now
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(300);
    expect(new Set(got.map((r) => r.id)).size).toBe(300);
    expect(got.every((r) => r.verified)).toBe(true);
    // (a delivery reaches the receiver before its job is marked succeeded)
    await until(async () => (await direct.prisma.job.count({ where: { kind: 'webhook.deliver', status: { in: ['queued', 'running'] } } })) === 0, 'the delivery jobs to end', 60_000);
    const jobs = await direct.prisma.job.findMany({ where: { kind: 'webhook.deliver' } });
    expect(jobs).toHaveLength(300);
    expect(jobs.every((j) => j.status === 'succeeded' && j.attempts === 1)).toBe(true);
    const perWorker = await Promise.all(workers.map((w) => attempts(w, 'webhook.deliver')));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(300);
    expect(perWorker.every((n) => n > 0), `deliveries per worker: ${perWorker.join(', ')}`).toBe(true);
    expect(await attempts(api, 'webhook.deliver')).toBe(0);
    console.log(`deliveries per worker: ${perWorker.join(', ')}`);
  }, 180_000);

  it('a worker killed with SIGKILL mid-job has its job finished by another after the lease expires', async () => {
    const before = receiver.received.length;
    receiver.hang();
    await direct.prisma.$transaction((tx) => emitEvent(tx, { teamId, type: 'import.completed', data: { importId: 'imp_killed' } }));
    await until(() => receiver.received.length > before, 'the delivery to reach the receiver', 30_000);
    const job = await direct.prisma.job.findFirstOrThrow({ where: { kind: 'webhook.deliver', status: 'running' } });
    const holder = workers.find((w) => job.leaseOwner?.startsWith(`${w.pid}-`));
    expect(holder, `lease owner ${job.leaseOwner}`).toBeDefined();
    holder!.proc.child.kill('SIGKILL');
    await holder!.proc.exited;
    receiver.release();
    await until(async () => (await direct.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status === 'succeeded', 'another worker to finish the job', 60_000);
    const done = await direct.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(done.attempts).toBe(2);
    const delivery = await direct.prisma.webhookDelivery.findFirstOrThrow({ where: { event: { payload: { path: ['importId'], equals: 'imp_killed' } } } });
    expect(delivery.status).toBe('succeeded');
    // At least once: the receiver saw the same webhook-id twice (the killed attempt and the finished one) and dedupes on it.
    const seen = receiver.received.slice(before).map((r) => r.id);
    expect(new Set(seen).size).toBe(1);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
