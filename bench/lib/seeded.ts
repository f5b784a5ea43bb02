/**
 * For the one-workload tools (profile.ts, cpu-per-request.ts): a PostgreSQL database that personagraph migrated
 * and the bench's rows seeded into its key's team, a scratch dir, and the requests of one workload on those rows.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BENCH_KEY, createDatabase, startPersonagraph } from './proc.js';
import { seedPostgres } from './seed.js';
import { personagraphWorkloads, type Workload } from '../contenders/personagraph.js';

export async function seededWorkload(database: string, workloadName: string) {
  const db = await createDatabase(database);
  if (!db) throw new Error('needs PostgreSQL (BENCH_POSTGRES_URL)');
  const dir = await mkdtemp(path.join(os.tmpdir(), `personagraph-${database}-`));
  const env = { DATABASE_URL: db.url, DATA_DIR: path.join(dir, 'data') };
  try {
    const first = await startPersonagraph(env);
    const me = (await (await fetch(`${first.url}/api/v1/me`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()) as { team: { id: string } };
    await first.stop();
    const seeded = await seedPostgres(db.url, me.team.id);
    const workload = (personagraphWorkloads(seeded.personaIds) as Record<string, Workload>)[workloadName];
    if (!workload) throw new Error(`no workload ${workloadName}`);
    return { db, dir, env, workload };
  } catch (err) {
    await db.drop();
    throw err;
  }
}
