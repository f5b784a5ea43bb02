/**
 * A process dies mid-run: the app is stopped while its run waits on the
 * agent, its job is left "running" under a dead worker's lease (as a kill
 * leaves it), and a new app on the same database takes the run over and
 * completes it from the stored transcript (no turn repeated).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../src/config.js';
import { createApp, type App } from '../src/app.js';
import { createLogger } from '../src/infra/logger.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { ADMIN_KEY } from './helpers/server.js';
import { startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';

let lg: FakeLangGraph;
let db: TestDatabase | null = null;
let url: string;
let pgliteDir: string | null = null;
const apps: App[] = [];

beforeAll(async () => {
  lg = await startFakeLangGraph();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-eval-restart-'));
  if (testDatabaseKind() === 'pglite') {
    pgliteDir = path.join(dataDir, 'db');
    url = `pglite:${pgliteDir}`;
  } else {
    db = await createTestDatabase();
    url = db.url;
  }
});
afterAll(async () => {
  for (const a of apps) await a.close().catch(() => {});
  await lg?.close();
  await db?.drop();
});

async function start(): Promise<{ app: App; call: (method: string, p: string, body?: unknown) => Promise<{ status: number; body: any }> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-eval-restart-data-'));
  const config = loadConfig({
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    PORT: '0',
    BOOTSTRAP_API_KEY: ADMIN_KEY,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    LOG_LEVEL: 'silent',
    SHUTDOWN_TIMEOUT_MS: '500',
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    JOB_POLL_MS: '50',
    JOB_LEASE_MS: '1000',
    RATE_LIMIT_PER_MINUTE: '100000',
  });
  const app = await createApp(config, createLogger('silent'));
  apps.push(app);
  const { port } = await app.listen();
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { app, call };
}

/** What a killed process leaves behind: its job still "running", leased by a worker that is gone. */
async function leaveJobsAsAfterAKill() {
  const sql = `UPDATE "Job" SET status = 'running', "leaseOwner" = 'dead-worker', "leaseUntil" = now() + interval '1 second' WHERE kind = 'eval.run' AND status <> 'succeeded'`;
  if (pgliteDir) {
    const lite = new PGlite(pgliteDir);
    await lite.query(sql);
    await lite.close();
  } else {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(sql);
    await c.end();
  }
}

it('a run left running by a dead process is completed by the next one', async () => {
  const a = await start();
  const pid = (await a.call('POST', '/api/projects', { name: 'restart' })).body.id;
  const connector = (await a.call('POST', `/api/projects/${pid}/connectors`, { name: 'lg', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } })).body;
  const scenario = (await a.call('POST', `/api/projects/${pid}/scenarios`, { name: 's', instructions: 'Ask for help.', successCriteria: 'thanks message', maxMessages: 4 })).body;
  lg.hold();
  const run = (await a.call('POST', `/api/projects/${pid}/runs/playground`, { scenarioId: scenario.id, connectorId: connector.id })).body;
  expect(run.status).toBe('queued');
  await lg.waitForRuns(1); // mid-run: the simulated user has spoken, the agent has not answered
  const midway = (await a.call('GET', `/api/projects/${pid}/runs/${run.id}`)).body;
  expect(midway.status).toBe('running');
  expect(midway.messages.map((m: any) => m.role)).toEqual(['system', 'user']);

  await a.app.close();
  lg.release();
  await leaveJobsAsAfterAKill();

  const b = await start();
  let done;
  for (const end = Date.now() + 20_000; ; ) {
    done = (await b.call('GET', `/api/projects/${pid}/runs/${run.id}`)).body;
    if (done.status === 'completed' || done.status === 'error') break;
    if (Date.now() > end) throw new Error(`run still ${done.status}; jobs: ${JSON.stringify(await b.app.deps.prisma.job.findMany({ where: { kind: "eval.run" } }))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(done.status, done.error).toBe('completed');
  expect(done.result.success).toBe(true);
  expect(done.startedAt).toBe(midway.startedAt);
  // The stored turn was continued, not written again.
  expect(done.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant']);
  expect(done.messages[1].content).toBe(midway.messages[1].content);
  expect(lg.threads.get(done.threadId)!.map((m) => m.type)).toEqual(['human', 'ai']);
});
