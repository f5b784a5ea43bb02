/**
 * `personagraph export` / `import`: a team's data as JSON lines, every model
 * that belongs to a team (directly by `teamId`, or through its parent, e.g.
 * chat run events through their run), read from the Prisma datamodel so a
 * model added later is included without touching this file.
 *
 *   line 1   {"format":"personagraph-export","version":1,"exportedAt","team":{id,name,createdAt},"models":[…]}
 *   then     {"model":"<Model>","row":{…}}   in dependency order (parents first)
 *
 * Bytes are {"$bytes":"<base64>"}, dates ISO strings. API keys are left out
 * unless asked for (their hashes would let the old keys in); idempotency
 * records never travel (they are per-server replay state). Import keeps ids,
 * so it refuses a team that already exists on the target. It also keeps
 * counters (a chat message's `seq`), so it moves each column's sequence past
 * the imported values: what is written after an import orders after it.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Prisma } from '../generated/prisma/client.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { PrismaClient } from '../infra/db/client.js';

interface Field {
  name: string;
  kind: string;
  type: string;
  isList: boolean;
  relationFromFields?: readonly string[];
}
interface Model {
  fields: readonly Field[];
  primaryKey: { fields: readonly string[] } | null;
}

const models = getDatamodel().datamodel.models as unknown as Record<string, Model>;
const NEVER = new Set(['IdempotencyRecord', 'Team']);

export class TransferError extends Error {
  override name = 'TransferError';
}

/** How each model is scoped to a team: by its own teamId, or through a parent relation. */
function scopes(withKeys: boolean): Map<string, (teamId: string) => Record<string, unknown>> {
  const out = new Map<string, (teamId: string) => Record<string, unknown>>();
  const direct = (name: string) => models[name]!.fields.some((f) => f.name === 'teamId' && f.kind === 'scalar');
  for (const name of Object.keys(models)) {
    if (NEVER.has(name) || (name === 'ApiKey' && !withKeys)) continue;
    if (direct(name)) out.set(name, (teamId) => ({ teamId }));
  }
  // Children without a teamId of their own: through a required parent that is scoped.
  let added = true;
  while (added) {
    added = false;
    for (const [name, model] of Object.entries(models)) {
      if (out.has(name) || NEVER.has(name)) continue;
      const via = model.fields.find((f) => f.kind === 'object' && f.relationFromFields?.length && out.has(f.type));
      if (via) {
        const parent = out.get(via.type)!;
        out.set(name, (teamId) => ({ [via.name]: parent(teamId) }));
        added = true;
      }
    }
  }
  return out;
}

/** Parents before children (a model after every model its foreign keys point to). */
function dependencyOrder(names: string[]): string[] {
  const set = new Set(names);
  const done: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string, path: Set<string>) => {
    if (seen.has(name)) return;
    if (path.has(name)) return; // a cycle (none today): keep going, import sorts it out by FK order within the model
    path.add(name);
    for (const f of models[name]!.fields) {
      if (f.kind === 'object' && f.relationFromFields?.length && set.has(f.type) && f.type !== name) visit(f.type, path);
    }
    path.delete(name);
    seen.add(name);
    done.push(name);
  };
  for (const n of [...names].sort()) visit(n, new Set());
  return done;
}

const delegate = (prisma: PrismaClient, model: string) =>
  (prisma as unknown as Record<string, { findMany(a: unknown): Promise<Record<string, unknown>[]>; count(a: unknown): Promise<number>; createMany(a: unknown): Promise<unknown> }>)[
    model[0]!.toLowerCase() + model.slice(1)
  ]!;

function encode(model: string, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of models[model]!.fields) {
    if (f.kind === 'object' || !(f.name in row)) continue;
    const v = row[f.name];
    if (f.type === 'Bytes' && v instanceof Uint8Array) out[f.name] = { $bytes: Buffer.from(v).toString('base64') };
    else if (v instanceof Date) out[f.name] = v.toISOString();
    else out[f.name] = v;
  }
  return out;
}

function decode(model: string, row: Record<string, unknown>): Record<string, unknown> {
  const m = models[model];
  if (!m) throw new TransferError(`unknown model ${model} in the file (exported by a newer version?)`);
  const out: Record<string, unknown> = {};
  for (const f of m.fields) {
    if (f.kind === 'object' || !(f.name in row)) continue;
    const v = row[f.name];
    if (v === null && f.type === 'Json') out[f.name] = Prisma.DbNull;
    else if (f.type === 'Bytes' && v && typeof v === 'object' && '$bytes' in v) out[f.name] = new Uint8Array(Buffer.from(String((v as { $bytes: string }).$bytes), 'base64'));
    else if (f.type === 'DateTime' && typeof v === 'string') out[f.name] = new Date(v);
    else out[f.name] = v;
  }
  return out;
}

/**
 * Every column that draws from a sequence (`@default(autoincrement())`, e.g. ChatMessage.seq) continues after
 * the largest value now in its table: rows imported with their own values do not advance the sequence, and the
 * next row written would otherwise get a number below them (a new chat turn listed before the imported history).
 */
async function advanceSequences(tx: Prisma.TransactionClient): Promise<void> {
  const serials = await tx.$queryRaw<{ tbl: string; col: string; seq: string }[]>`
    SELECT c.table_name AS tbl, c.column_name AS col, pg_get_serial_sequence(format('%I.%I', c.table_schema, c.table_name), c.column_name) AS seq
    FROM information_schema.columns c
    WHERE c.table_schema = current_schema() AND c.column_default LIKE 'nextval(%'`;
  for (const { tbl, col, seq } of serials) {
    if (!seq) continue;
    const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
    // Never backwards: the sequence may already be past the largest value (rows of other teams, deleted rows).
    await tx.$queryRawUnsafe(
      `SELECT setval($1::regclass, GREATEST((SELECT COALESCE(max(${ident(col)}), 0) FROM ${ident(tbl)}), (SELECT last_value FROM ${seq})), true)`,
      seq,
    );
  }
}

export interface Progress {
  start(total: number): void;
  tick(n?: number): void;
  stop(): void;
}

const PAGE = 500;

export async function exportTeam(
  prisma: PrismaClient,
  teamId: string,
  write: (line: string) => Promise<void> | void,
  opts: { withKeys?: boolean; progress?: Progress } = {},
): Promise<Record<string, number>> {
  const team = await prisma.team.findUnique({ where: { id: teamId } });
  if (!team) throw new TransferError(`no team ${teamId}`);
  const scoped = scopes(!!opts.withKeys);
  const order = dependencyOrder([...scoped.keys()]);
  const counts: Record<string, number> = {};
  let total = 0;
  for (const name of order) total += counts[name] = await delegate(prisma, name).count({ where: scoped.get(name)!(teamId) });
  opts.progress?.start(total);
  await write(JSON.stringify({ format: 'personagraph-export', version: 1, exportedAt: new Date().toISOString(), team: encode('Team', team), models: order, counts }));
  for (const name of order) {
    const pk = models[name]!.primaryKey?.fields ?? models[name]!.fields.filter((f) => f.name === 'id').map((f) => f.name);
    const orderBy = pk.map((k) => ({ [k]: 'asc' }));
    for (let skip = 0; ; skip += PAGE) {
      const rows = await delegate(prisma, name).findMany({ where: scoped.get(name)!(teamId), orderBy, skip, take: PAGE });
      for (const row of rows) await write(JSON.stringify({ model: name, row: encode(name, row) }));
      opts.progress?.tick(rows.length);
      if (rows.length < PAGE) break;
    }
  }
  opts.progress?.stop();
  return counts;
}

export async function importTeam(prisma: PrismaClient, file: string, opts: { progress?: Progress } = {}): Promise<{ team: { id: string; name: string }; counts: Record<string, number> }> {
  type Header = { format?: string; version?: number; team?: Record<string, unknown>; models?: string[]; counts?: Record<string, number> };
  let header: Header | null = null;
  const counts: Record<string, number> = {};
  let pending: { model: string; rows: Record<string, unknown>[] } | null = null;
  let lineNo = 0;
  const flush = async (tx: Prisma.TransactionClient) => {
    if (!pending?.rows.length) return;
    await delegate(tx as unknown as PrismaClient, pending.model).createMany({ data: pending.rows });
    opts.progress?.tick(pending.rows.length);
    pending.rows = [];
  };
  // One transaction: a file that fails half-way leaves nothing behind.
  return prisma.$transaction(
    async (tx) => {
      // Opened here, right before it is read: a readline interface emits lines from the moment it exists,
      // and those emitted while the transaction was still starting would be lost (seen: "the file is empty").
      const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      for await (const line of lines) {
        lineNo++;
        if (!line.trim()) continue;
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new TransferError(`line ${lineNo} is not JSON`);
        }
        if (!header) {
          if (parsed.format !== 'personagraph-export' || parsed.version !== 1 || !parsed.team) {
            throw new TransferError('not a personagraph export (the first line must be its header, format personagraph-export version 1)');
          }
          header = parsed as unknown as Header;
          const team = decode('Team', header!.team!);
          if (await tx.team.findUnique({ where: { id: String(team.id) } })) throw new TransferError(`team ${String(team.id)} already exists here; import into a server without it`);
          await tx.team.create({ data: team as Prisma.TeamCreateInput });
          opts.progress?.start(Object.values(header!.counts ?? {}).reduce((a, b) => a + b, 0));
          continue;
        }
        const model = String(parsed.model ?? '');
        if (!models[model] || NEVER.has(model)) throw new TransferError(`line ${lineNo}: unknown or untransferable model "${model}"`);
        if (pending && pending.model !== model) await flush(tx);
        pending = pending?.model === model ? pending : { model, rows: [] };
        pending.rows.push(decode(model, (parsed.row ?? {}) as Record<string, unknown>));
        counts[model] = (counts[model] ?? 0) + 1;
        if (pending.rows.length >= PAGE) await flush(tx);
      }
      if (!header) throw new TransferError('the file is empty');
      await flush(tx);
      await advanceSequences(tx);
      opts.progress?.stop();
      const t = header.team!;
      return { team: { id: String(t.id), name: String(t.name) }, counts };
    },
    { timeout: 10 * 60_000, maxWait: 60_000 },
  );
}
