/**
 * Idempotency-Key for REST writes and GraphQL mutations. Unique per
 * (team, key) as seed 000 documents; the first response (status, headers,
 * body, errors included) is stored durably and replayed byte for byte for the
 * TTL (24 h). The same key with another request → 409 idempotency_key_reused;
 * while the first is still running → 409 idempotency_key_in_use. The unique
 * index makes concurrent duplicates race safely: exactly one of them runs.
 *
 * A record is bound to the rights of the key that made it: its key id and
 * scopes are stored with it, and the response is replayed only to that same
 * key, or to another key of the team that holds every scope it held (its
 * rotation successor does, as the successor inherits its scopes). Any other
 * key of the team gets 403 idempotency_key_forbidden naming the scopes it
 * lacks, and the request is not run a second time. A record made by an agent
 * key replays to that agent's key only. The one flow that uses this store, for
 * REST and GraphQL over HTTP alike, is step 8 of src/server/pipeline.ts: after
 * authentication, the rate limit, REST's route scope and the body.
 */
import { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../infra/db/client.js';
import { AppError, ConflictError, ValidationError } from '../errors.js';
import { sha256Hex } from '../infra/crypto.js';
import type { Logger } from '../infra/logger.js';

export const MAX_KEY_LENGTH = 255;
/** A request that has run this long without finishing is taken to have died with its process. */
const IN_PROGRESS_LEASE_MS = 5 * 60_000;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Begin = { kind: 'new'; recordId: string } | { kind: 'replay'; response: StoredResponse };

export function validateKey(key: string): string {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new ValidationError(`Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`, 'Idempotency-Key', 'invalid_idempotency_key');
  }
  return key;
}

export function requestHash(method: string, path: string, body: Buffer): string {
  return sha256Hex(Buffer.concat([Buffer.from(`${method} ${path}\n`), body]));
}

/** Who sends a request with an Idempotency-Key: its team, its key's id and scopes. */
export interface IdempotencyCaller {
  teamId: string;
  apiKeyId: string;
  scopes: Iterable<string>;
}

function isAgentKeyId(id: string): boolean {
  return id.startsWith('agent:');
}

/** Same key, or a key of the team (not an agent key) holding every scope the creating key held; else 403. */
function assertMayReplay(caller: IdempotencyCaller, rec: { apiKeyId: string; apiKeyScopes: string[] }): void {
  if (caller.apiKeyId === rec.apiKeyId) return;
  const used = 'This Idempotency-Key was already used by another key of this team';
  const refuse = (why: string) =>
    new AppError(`${used}; ${why}`, { code: 'idempotency_key_forbidden', httpStatus: 403, type: 'authorization_error', param: 'Idempotency-Key' });
  // No recorded scopes: a record older than the binding. An agent key's rights are its agent, not its scope.
  if (!rec.apiKeyScopes.length || isAgentKeyId(rec.apiKeyId) || isAgentKeyId(caller.apiKeyId)) {
    throw refuse('its response is replayed to that key only');
  }
  const held = new Set(caller.scopes);
  const lacking = rec.apiKeyScopes.filter((s) => !held.has(s));
  if (lacking.length) {
    throw refuse(`its response is replayed only to a key holding every scope that key held, and this key lacks: ${lacking.join(', ')}`);
  }
}

export class IdempotencyStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs: number,
  ) {}

  /** Unique per team; the caller's key id and scopes are recorded with the first request and bound to it. */
  async begin(caller: IdempotencyCaller, key: string, hash: string): Promise<Begin> {
    const { teamId, apiKeyId } = caller;
    const apiKeyScopes = [...caller.scopes].sort();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const rec = await this.prisma.idempotencyRecord.create({
          data: { teamId, apiKeyId, apiKeyScopes, key, requestHash: hash, state: 'in_progress', expiresAt: new Date(Date.now() + this.ttlMs) },
        });
        return { kind: 'new', recordId: rec.id };
      } catch (e) {
        if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002')) throw e;
      }
      const existing = await this.prisma.idempotencyRecord.findUnique({
        where: { teamId_key: { teamId, key } },
      });
      if (!existing) continue; // removed between our insert and read: try again
      const now = Date.now();
      if (existing.expiresAt.getTime() <= now) {
        await this.prisma.idempotencyRecord.deleteMany({ where: { id: existing.id, expiresAt: { lte: new Date(now) } } });
        continue;
      }
      assertMayReplay(caller, existing);
      if (existing.requestHash !== hash) {
        throw new ConflictError(
          'This Idempotency-Key was already used with a different request',
          'idempotency_key_reused',
          'Idempotency-Key',
        );
      }
      if (existing.state === 'complete') {
        return {
          kind: 'replay',
          response: {
            status: existing.responseStatus ?? 200,
            headers: (existing.responseHeaders ?? {}) as Record<string, string>,
            body: existing.responseBody ?? '',
          },
        };
      }
      if (now - existing.createdAt.getTime() > IN_PROGRESS_LEASE_MS) {
        const taken = await this.prisma.idempotencyRecord.updateMany({
          where: { id: existing.id, state: 'in_progress', createdAt: existing.createdAt },
          data: { createdAt: new Date(now) },
        });
        if (taken.count === 1) return { kind: 'new', recordId: existing.id };
      }
      throw new ConflictError(
        'A request with this Idempotency-Key is still being processed',
        'idempotency_key_in_use',
        'Idempotency-Key',
      );
    }
    throw new ConflictError('A request with this Idempotency-Key is still being processed', 'idempotency_key_in_use', 'Idempotency-Key');
  }

  async complete(recordId: string, response: StoredResponse): Promise<void> {
    await this.prisma.idempotencyRecord.update({
      where: { id: recordId },
      data: {
        state: 'complete',
        responseStatus: response.status,
        responseHeaders: response.headers,
        responseBody: response.body,
      },
    });
  }

  /** Forgets a record whose request could not produce a response at all (so a retry may run). */
  async abandon(recordId: string): Promise<void> {
    await this.prisma.idempotencyRecord.deleteMany({ where: { id: recordId, state: 'in_progress' } });
  }

  async purgeExpired(): Promise<number> {
    const { count } = await this.prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lte: new Date() } } });
    return count;
  }
}

/** Expired replays are dropped hourly (and lazily when their key comes back); returns the function that stops it. */
export function purgeHourly(store: IdempotencyStore, log: Logger): () => void {
  const purge = () =>
    store
      .purgeExpired()
      .then((n) => n && log.info({ purged: n }, 'purged expired idempotency records'))
      .catch((err: unknown) => log.warn({ err }, 'could not purge idempotency records'));
  const timer = setInterval(purge, 3600_000).unref();
  return () => clearInterval(timer);
}
