/** Waiting on EvalStudio runs through the API, as the eval tests do. */
import { expect } from 'vitest';
import type { TestServer } from './server.js';

/** Upper bound for a run to end: sized for a loaded machine (a run ends in well under a second when all is well). */
export const RUN_WAIT_MS = 120_000;

/** Polls GET /api/projects/:pid/runs/:id until the run's status is one of `done`; returns the run. */
export async function waitRun(s: Pick<TestServer, 'request'>, pid: string, id: string, done = ['completed', 'error']): Promise<any> {
  const end = Date.now() + RUN_WAIT_MS;
  for (;;) {
    const r = await s.request('GET', `/api/projects/${pid}/runs/${id}`);
    expect(r.status, r.text).toBe(200);
    if (done.includes(r.body.status)) return r.body;
    if (Date.now() > end) throw new Error(`run ${id} still ${r.body.status}`);
    await new Promise((res) => setTimeout(res, 40));
  }
}
