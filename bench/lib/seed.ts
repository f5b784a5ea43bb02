/**
 * The benchmark's data set, written with plain SQL into a database that
 * personagraph has migrated and bootstrapped (its bench key's team owns it):
 *  - 100,000 personas (W1, W4 point lookups; W3 writes more);
 *  - 100 profiles × 10 batches × 3 content items (W2, three levels).
 * Every row has a distinct createdAt so "newest first" is one order for all.
 */
import pg from 'pg';

export const SEED = { personas: 100_000, profiles: 100, batchesPerProfile: 10, itemsPerBatch: 3 };

export interface Seeded {
  teamId: string;
  personaIds: string[];
}

/** Seeds through any client that speaks SQL (node-postgres here, PGlite for the embedded database). */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: any[] }>;
}

export async function seed(client: SqlClient, teamId: string, size: typeof SEED = SEED): Promise<Seeded> {
  const t = teamId;
  const SEED = size;
  await client.query(
    `INSERT INTO "Persona" (id, "teamId", name, description, "systemPrompt", role, status, visibility, "createdAt", "updatedAt")
     SELECT md5('persona' || g)::uuid::text, $1, 'Persona ' || g,
            'A ' || (ARRAY['patient','curious','impatient','skeptical','cheerful'])[1 + g % 5] || ' shopper who compares prices before buying (' || g || ').',
            'You are persona number ' || g || '. Speak briefly, ask one question at a time, and never reveal you are simulated.',
            'autouser', (ARRAY['published','draft'])[1 + g % 2], 'private',
            timestamptz '2026-01-01' + g * interval '1 second', timestamptz '2026-01-01' + g * interval '1 second'
       FROM generate_series(1, ${SEED.personas}) g`,
    [t],
  );
  await client.query(
    `INSERT INTO "Profile" (id, "teamId", name, niche, description, "contentDirections", "createdAt", "updatedAt")
     SELECT 'prof_bench_' || lpad(g::text, 4, '0'), $1, 'Profile ' || g, (ARRAY['travel','food','fitness','tech'])[1 + g % 4],
            'Brand voice number ' || g, '[]', timestamptz '2026-02-01' + g * interval '1 minute', timestamptz '2026-02-01' + g * interval '1 minute'
       FROM generate_series(1, ${SEED.profiles}) g`,
    [t],
  );
  await client.query(
    `INSERT INTO "Batch" (id, "teamId", "profileId", count, options, status, completed, failed, "createdAt", "updatedAt", "finishedAt")
     SELECT 'batch_bench_' || lpad(p::text, 4, '0') || '_' || lpad(b::text, 2, '0'), $1, 'prof_bench_' || lpad(p::text, 4, '0'),
            ${SEED.itemsPerBatch}, '{}', 'completed', ${SEED.itemsPerBatch}, 0,
            timestamptz '2026-03-01' + (p * 100 + b) * interval '1 second', timestamptz '2026-03-01' + (p * 100 + b) * interval '1 second',
            timestamptz '2026-03-01' + (p * 100 + b) * interval '1 second'
       FROM generate_series(1, ${SEED.profiles}) p, generate_series(1, ${SEED.batchesPerProfile}) b`,
    [t],
  );
  await client.query(
    `INSERT INTO "ContentItem" (id, "teamId", "batchId", position, "profileId", status, prompt, caption, metadata, "createdAt", "updatedAt")
     SELECT 'ci_bench_' || lpad(p::text, 4, '0') || '_' || lpad(b::text, 2, '0') || '_' || i, $1,
            'batch_bench_' || lpad(p::text, 4, '0') || '_' || lpad(b::text, 2, '0'), i, 'prof_bench_' || lpad(p::text, 4, '0'),
            (ARRAY['pending_review','approved','rejected'])[1 + i], 'Sunset over the harbour, shot ' || i,
            'Golden hour never gets old. Post ' || p || '.' || b || '.' || i || ' #travel #sunset', '{}',
            timestamptz '2026-04-01' + (p * 1000 + b * 10 + i) * interval '1 second', timestamptz '2026-04-01' + (p * 1000 + b * 10 + i) * interval '1 second'
       FROM generate_series(1, ${SEED.profiles}) p, generate_series(1, ${SEED.batchesPerProfile}) b, generate_series(0, ${SEED.itemsPerBatch - 1}) i`,
    [t],
  );
  await client.query('ANALYZE "Persona", "Profile", "Batch", "ContentItem"');
  const { rows } = await client.query(`SELECT id FROM "Persona" WHERE "teamId" = $1`, [t]);
  return { teamId: t, personaIds: shuffle(rows.map((r) => r.id as string)) };
}

/** Deterministic shuffle (the same order every run), so every contender is asked for the same ids. */
export function shuffle<T>(xs: T[], seed = 42): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Seeds a PostgreSQL database at `url` for the team `teamId`. */
export async function seedPostgres(url: string, teamId: string): Promise<Seeded> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await seed(client, teamId);
  } finally {
    await client.end();
  }
}
