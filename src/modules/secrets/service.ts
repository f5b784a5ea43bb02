/**
 * Users' secrets (Autonomis): encrypted at rest by the vault (src/infra/vault.ts),
 * listed only as names with masked values and the hosts each may be sent to.
 * Plaintext leaves this module only through `secretValues` / `secretGrants`,
 * for the agent runtime's tools, and is never logged.
 *
 * `allowedHosts`: the hosts an agent tool may send the value to (exact host,
 * `*.example.com` for subdomains, or an address). Empty, the default, means
 * the value is never sent anywhere by a tool; a plain-string PUT keeps the
 * list a secret already has.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { maskSecretValue } from '../../infra/crypto.js';
import { SecretUnreadableError, type SecretVault } from '../../infra/vault.js';
import type { PrismaClient } from '../../infra/db/client.js';
import { parseInput } from '../../validation.js';
import { resolveUser } from '../users/service.js';
import { hostMatches } from '../../infra/safe-fetch.js';
import { MAX_SECRETS_PER_USER, PutSecretsInput, SECRET_NAME } from './inputs.js';

export interface MaskedSecret {
  name: string;
  /** Like `sk-1...cdef`; null when the stored value cannot be decrypted with the configured keys. */
  value: string | null;
  readable: boolean;
  /** Where agent tools may send the value; empty: nowhere. */
  allowedHosts: string[];
  updatedAt: Date;
}

/** What binds a ciphertext to its row: a value moved to another owner or name will not decrypt. */
const aad = (userId: string, name: string) => `${userId}\0${name}`;

function masked(vault: SecretVault, row: { userId: string; name: string; keyId: string; ciphertext: string; allowedHosts: string[]; updatedAt: Date }): MaskedSecret {
  const shown = { name: row.name, allowedHosts: row.allowedHosts, updatedAt: row.updatedAt };
  try {
    return { ...shown, value: maskSecretValue(vault.open(row.keyId, row.ciphertext, aad(row.userId, row.name))), readable: true };
  } catch (err) {
    if (!(err instanceof SecretUnreadableError)) throw err;
    return { ...shown, value: null, readable: false };
  }
}

export async function listSecrets(ctx: ServiceContext, userRef: string): Promise<MaskedSecret[]> {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, userRef);
  const rows = await ctx.deps.prisma.secret.findMany({ where: { userId: user.id }, orderBy: { name: 'asc' } });
  return rows.map((r) => masked(ctx.deps.vault, r));
}

/** Sets the given secrets (null deletes one) in one transaction; answers the masked list. */
export async function putSecrets(ctx: ServiceContext, userRef: string, raw: unknown): Promise<MaskedSecret[]> {
  requireScope(ctx, 'secrets:write');
  const input = parseInput(PutSecretsInput, raw);
  const user = await resolveUser(ctx, userRef);
  await ctx.deps.prisma.$transaction(async (tx) => {
    for (const [name, entry] of Object.entries(input)) {
      if (entry === null) {
        await tx.secret.deleteMany({ where: { userId: user.id, name } });
        continue;
      }
      const { value, allowedHosts } = typeof entry === 'string' ? { value: entry, allowedHosts: undefined } : entry;
      if (value === undefined) {
        // Only the hosts change: the secret must exist.
        const { count } = await tx.secret.updateMany({ where: { userId: user.id, name }, data: { allowedHosts } });
        if (count === 0) throw new ValidationError(`secret ${name} does not exist: give its value with its allowedHosts`, `${name}.value`, 'secret_value_required');
        continue;
      }
      const sealed = ctx.deps.vault.seal(value, aad(user.id, name));
      await tx.secret.upsert({
        where: { userId_name: { userId: user.id, name } },
        create: { teamId: ctx.actor.teamId, userId: user.id, name, ...sealed, allowedHosts: allowedHosts ?? [] },
        update: { ...sealed, ...(allowedHosts ? { allowedHosts } : {}) },
      });
    }
    const count = await tx.secret.count({ where: { userId: user.id } });
    if (count > MAX_SECRETS_PER_USER) {
      throw new ValidationError(`a user may keep at most ${MAX_SECRETS_PER_USER} secrets`, null, 'too_many_secrets');
    }
  });
  return listSecrets(ctx, user.id);
}

export async function deleteSecret(ctx: ServiceContext, userRef: string, name: string): Promise<void> {
  requireScope(ctx, 'secrets:write');
  const user = await resolveUser(ctx, userRef);
  if (!SECRET_NAME.test(name)) throw new NotFoundError('secret not found', 'secret_not_found');
  const { count } = await ctx.deps.prisma.secret.deleteMany({ where: { userId: user.id, name } });
  if (count === 0) throw new NotFoundError('secret not found', 'secret_not_found');
}

export class SecretsUnavailableError extends AppError {
  override name = 'SecretsUnavailableError';
  constructor(names: string[]) {
    super(`these secrets cannot be decrypted with the configured keys; set them again: ${names.join(', ')}`, {
      code: 'secret_unreadable',
      httpStatus: 409,
      type: 'conflict',
    });
  }
}

/**
 * The plaintext values, for the agent runtime only (tool calls). A value that
 * does not decrypt (tampered, moved, or its key is gone) is an error naming
 * the secret, never a wrong value.
 */
export async function secretValues(ctx: ServiceContext, userId: string, names?: string[]): Promise<Record<string, string>> {
  const grants = await secretGrants(ctx, userId, names);
  return Object.fromEntries(Object.entries(grants).map(([name, g]) => [name, g.value]));
}

export interface SecretGrant {
  value: string;
  allowedHosts: string[];
}

/** Whether a secret may be sent to `host`: it must match one of the secret's allowed hosts (none: never). */
export function secretAllowsHost(grant: Pick<SecretGrant, 'allowedHosts'>, host: string): boolean {
  return grant.allowedHosts.some((pattern) => hostMatches(host, pattern));
}

/** The plaintext values with the hosts each may be sent to (agent tools). Same failure rules as `secretValues`. */
export async function secretGrants(ctx: ServiceContext, userId: string, names?: string[]): Promise<Record<string, SecretGrant>> {
  const rows = await ctx.deps.prisma.secret.findMany({
    where: { userId, teamId: ctx.actor.teamId, ...(names ? { name: { in: names } } : {}) },
  });
  const out: Record<string, SecretGrant> = {};
  const unreadable: string[] = [];
  for (const row of rows) {
    try {
      out[row.name] = { value: ctx.deps.vault.open(row.keyId, row.ciphertext, aad(row.userId, row.name)), allowedHosts: row.allowedHosts };
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      unreadable.push(row.name);
    }
  }
  if (unreadable.length) {
    ctx.deps.log.warn({ userId, secrets: unreadable, requestId: ctx.requestId }, 'stored secrets cannot be decrypted');
    throw new SecretsUnavailableError(unreadable);
  }
  return out;
}

/** Re-encrypts every secret not under the current key (after SECRET_KEY changed). */
export async function reencryptAll(prisma: PrismaClient, vault: SecretVault): Promise<{ moved: number; unreadable: string[] }> {
  const rows = await prisma.secret.findMany({ where: { keyId: { not: vault.currentKeyId } } });
  let moved = 0;
  const unreadable: string[] = [];
  for (const row of rows) {
    try {
      const plain = vault.open(row.keyId, row.ciphertext, aad(row.userId, row.name));
      const sealed = vault.seal(plain, aad(row.userId, row.name));
      const { count } = await prisma.secret.updateMany({ where: { id: row.id, keyId: row.keyId, ciphertext: row.ciphertext }, data: sealed });
      moved += count;
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      unreadable.push(`${row.userId}/${row.name}`);
    }
  }
  return { moved, unreadable };
}
