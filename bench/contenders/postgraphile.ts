/**
 * PostGraphile 4 and 5 as benchmark contenders for W1–W3: the GraphQL
 * documents a PostGraphile client sends for each workload against the schema
 * PostGraphile generates from personagraph's tables (default inflection), and
 * how the answers map to the workload's canonical JSON.
 *
 * The servers: bench/contenders/postgraphile4-server.cjs and
 * postgraphile5-server.mjs (DATABASE_URL, PORT; they print `listening on <port>`).
 *
 * The team W3 writes into comes in through `setTeam(teamId)` (on each
 * contender, or the module-level `setTeam` for both), called once after the
 * seed and before the first W3 request. W3 writes the same personas as every
 * other contender (`w3Persona(i, k)` from ./personagraph.js), so the
 * canonical answers compare equal; the id is a client-side
 * `crypto.randomUUID()` and `updatedAt` is sent (Prisma's columns have no
 * database default for either).
 *
 * Differences between the two generated schemas that matter here:
 *  - v4 exposes the primary key as `id` (`personaById(id:)`); v5's Amber
 *    preset renames it `rowId` (`personaByRowId(rowId:)`) because `id` is the
 *    global Node ID there. The documents alias it back to `id`.
 *  - v5 only offers orderings backed by an index (CREATED_AT_DESC exists on
 *    Profile and Batch through their (teamId|profileId, createdAt) indexes).
 *  - Both return `timestamp(3)` (no time zone, UTC by Prisma's convention)
 *    without an offset; normalize reads it as UTC.
 *
 * Transactions (W3 batch: ten aliased createPersona in one request), read
 * in the source and confirmed by postgraphile.check.ts (a trigger records
 * each row's top-level txid; a second batch makes the tenth fail on a
 * duplicate id):
 *  - v4 (postgraphile/build/postgraphile/withPostGraphileContext.js) runs a
 *    whole mutation operation in one BEGIN … COMMIT on one connection, each
 *    mutation field inside a SAVEPOINT (graphile-build-pg
 *    PgMutationCreatePlugin): 42 statements for the batch (BEGIN, 10 ×
 *    SAVEPOINT/INSERT/SELECT/RELEASE, COMMIT), one txid for all ten rows.
 *    A failing field is rolled back to its savepoint and the transaction
 *    still COMMITs the rest: one transaction, but NOT all-or-nothing (nine
 *    rows stay; the response carries data and an error).
 *  - v5 (@dataplan/pg executor.executeMutation: "We don't explicitly need a
 *    transaction for mutations") runs each mutation field on a pooled client
 *    in autocommit (no BEGIN at all without pgSettings): 10 statements, ten
 *    separate transactions; the nine before the failing one stay.
 *  So for PostGraphile, W3 batch measures "10 rows in one request", not an
 *  atomic 10-row transaction.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { w3Persona, W3_BATCH_SIZE } from './personagraph.js';

export interface HttpRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Workload {
  /** i = request counter; ids = persona ids to choose from (W1). */
  request(i: number, ids: string[]): HttpRequest;
  /** The parsed response body → the workload's canonical JSON. */
  normalize(json: unknown): unknown;
}

export interface Contender {
  name: 'PostGraphile 4' | 'PostGraphile 5';
  /** Absolute path of the server script. */
  script: string;
  w1: Workload;
  w2: Workload;
  w3create: Workload;
  w3batch: Workload;
  /** The team W3 writes into; call before the first W3 request. */
  setTeam(teamId: string): void;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** A fresh headers object per request: autocannon writes Content-Length into the one it is given. */
const gql = (query: string, variables?: Record<string, unknown>): HttpRequest => ({
  method: 'POST',
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(variables ? { query, variables } : { query }),
});

/** What the schema of one PostGraphile version calls things. */
interface Dialect {
  /** The primary key column as a field (and as an input field). */
  pk: string;
  /** The root field looking a persona up by primary key (its argument is named like `pk`). */
  personaByPk: string;
  /** The orderBy value for the primary key, descending. */
  pkDesc: string;
}

/** Timestamps come back without an offset (timestamp(3) columns hold UTC). */
const iso = (x: string) => new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(x) ? x : `${x}Z`).toISOString();

/** The response's data, or an Error carrying its GraphQL errors. */
function dataOf(json: unknown): any {
  const j = json as { data?: any; errors?: { message: string }[] } | null;
  if (!j || j.errors?.length || !j.data) throw new Error(`PostGraphile answered with errors: ${JSON.stringify(j?.errors ?? j).slice(0, 500)}`);
  return j.data;
}

const WRITTEN = 'name description systemPrompt role status';
const written = (p: any) => ({ name: p.name, description: p.description, systemPrompt: p.systemPrompt, role: p.role, status: p.status });

function makeContender(name: Contender['name'], script: string, d: Dialect): Contender {
  let teamId: string | null = null;
  const team = () => {
    if (teamId === null) throw new Error(`${name}: call setTeam(teamId) before the W3 workloads`);
    return teamId;
  };
  /** A PersonaInput for W3 request i, row k. */
  const personaInput = (i: number, k = 0) => ({
    [d.pk]: randomUUID(),
    teamId: team(),
    ...w3Persona(i, k),
    updatedAt: new Date().toISOString(),
  });

  const W1 = `query W1($id: String!) { persona: ${d.personaByPk}(${d.pk}: $id) { id: ${d.pk} name description systemPrompt role status visibility createdAt } }`;
  const W2 = `query W2 {
  allProfiles(first: 100, orderBy: [CREATED_AT_DESC, ${d.pkDesc}]) {
    nodes {
      id: ${d.pk} name niche
      batchesByProfileId(first: 10, orderBy: [CREATED_AT_DESC, ${d.pkDesc}]) {
        nodes {
          id: ${d.pk} status count
          contentItemsByBatchId(orderBy: [POSITION_ASC]) { nodes { id: ${d.pk} position status caption } }
        }
      }
    }
  }
}`;
  const W3_ONE = `mutation W3($persona: PersonaInput!) { createPersona(input: { persona: $persona }) { persona { ${WRITTEN} } } }`;
  const rows = Array.from({ length: W3_BATCH_SIZE }, (_, k) => k);
  const W3_MANY = `mutation W3Many(${rows.map((k) => `$p${k}: PersonaInput!`).join(', ')}) {
${rows.map((k) => `  p${k}: createPersona(input: { persona: $p${k} }) { persona { ${WRITTEN} } }`).join('\n')}
}`;

  return {
    name,
    script,
    setTeam(id) {
      teamId = id;
    },
    w1: {
      request: (i, ids) => gql(W1, { id: ids[i % ids.length] }),
      normalize(json) {
        const p = dataOf(json).persona;
        if (!p) return null;
        return { id: p.id, name: p.name, description: p.description, systemPrompt: p.systemPrompt, role: p.role, status: p.status, visibility: p.visibility, createdAt: iso(p.createdAt) };
      },
    },
    w2: {
      request: () => gql(W2),
      normalize: (json) =>
        dataOf(json).allProfiles.nodes.map((p: any) => ({
          id: p.id,
          name: p.name,
          niche: p.niche,
          batches: p.batchesByProfileId.nodes.map((b: any) => ({
            id: b.id,
            status: b.status,
            count: b.count,
            items: b.contentItemsByBatchId.nodes.map((c: any) => ({ id: c.id, position: c.position, status: c.status, caption: c.caption })),
          })),
        })),
    },
    w3create: {
      request: (i) => gql(W3_ONE, { persona: personaInput(i) }),
      normalize: (json) => written(dataOf(json).createPersona.persona),
    },
    w3batch: {
      request: (i) => gql(W3_MANY, Object.fromEntries(rows.map((k) => [`p${k}`, personaInput(i, k)]))),
      normalize(json) {
        const data = dataOf(json);
        return rows.map((k) => written(data[`p${k}`].persona));
      },
    },
  };
}

export const postgraphile4: Contender = makeContender('PostGraphile 4', path.join(here, 'postgraphile4-server.cjs'), {
  pk: 'id',
  personaByPk: 'personaById',
  pkDesc: 'ID_DESC',
});

export const postgraphile5: Contender = makeContender('PostGraphile 5', path.join(here, 'postgraphile5-server.mjs'), {
  pk: 'rowId',
  personaByPk: 'personaByRowId',
  pkDesc: 'ROW_ID_DESC',
});

/** Sets the W3 team on both contenders. */
export function setTeam(teamId: string): void {
  postgraphile4.setTeam(teamId);
  postgraphile5.setTeam(teamId);
}
