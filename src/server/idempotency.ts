/**
 * Idempotency-Key for REST writes and GraphQL mutations. Scoped to
 * (team, key) as seed 000 documents, so a retry made with another key of the
 * team (say, after a rotation) replays too; the first response (status, headers, body, errors included)
 * is stored durably and replayed byte for byte for the TTL (24 h). The same key
 * with another request → 409 idempotency_key_reused; while the first is still
 * running → 409 idempotency_key_in_use. The unique index makes concurrent
 * duplicates race safely: exactly one of them runs.
 */
import { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../infra/db/client.js';
import { ConflictError, ValidationError } from '../errors.js';
import { sha256Hex } from '../infra/crypto.js';

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

export class IdempotencyStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs: number,
  ) {}

  /** `apiKeyId` is recorded with the first request; the scope is the team. */
  async begin(scope: { teamId: string; apiKeyId: string }, key: string, hash: string): Promise<Begin> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const rec = await this.prisma.idempotencyRecord.create({
          data: { ...scope, key, requestHash: hash, state: 'in_progress', expiresAt: new Date(Date.now() + this.ttlMs) },
        });
        return { kind: 'new', recordId: rec.id };
      } catch (e) {
        if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002')) throw e;
      }
      const existing = await this.prisma.idempotencyRecord.findUnique({
        where: { teamId_key: { teamId: scope.teamId, key } },
      });
      if (!existing) continue; // removed between our insert and read: try again
      const now = Date.now();
      if (existing.expiresAt.getTime() <= now) {
        await this.prisma.idempotencyRecord.deleteMany({ where: { id: existing.id, expiresAt: { lte: new Date(now) } } });
        continue;
      }
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
