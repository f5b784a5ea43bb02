/**
 * EvalStudio connector headers (seed 002's `headers`, often credentials such
 * as `Authorization`) are secrets: stored sealed by the vault
 * (src/infra/vault.ts: AES-256-GCM, key id for rotation, bound to the
 * connector's id so a ciphertext copied to another row does not open) in
 * `headersKeyId`/`headersCiphertext`. The `headers` column keeps only what
 * may be shown: the names with values masked like user secrets
 * (`maskSecretValue`: never more than a quarter of a value shows).
 *
 * Rows written before this (plaintext in `headers`, no ciphertext) stay
 * readable: they are sent as they are, shown masked, and sealed by
 * `sealLegacyConnectorHeaders`, which runs at every start (openCore).
 */
import { Prisma, type EvalConnector } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { maskSecretValue } from '../../infra/crypto.js';
import { SecretUnreadableError } from '../../infra/vault.js';

type HeaderColumns = Pick<EvalConnector, 'id' | 'headers' | 'headersKeyId' | 'headersCiphertext'>;

const aad = (connectorId: string) => `evalConnector\0${connectorId}\0headers`;

const stringMap = (v: unknown): Record<string, string> | null =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? (Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as Record<string, string>)
    : null;

const maskAll = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, maskSecretValue(v)]));

export class ConnectorHeadersUnreadableError extends AppError {
  override name = 'ConnectorHeadersUnreadableError';
  constructor() {
    super("the connector's headers cannot be decrypted with the configured keys; set them again", {
      code: 'connector_headers_unreadable',
      httpStatus: 409,
      type: 'conflict',
    });
  }
}

/** The columns to write for `headers` (undefined: leave them; null: none). */
export function sealHeaders(
  deps: Pick<Deps, 'vault'>,
  connectorId: string,
  headers: Record<string, string> | null | undefined,
): { headers: Prisma.InputJsonValue | typeof Prisma.DbNull; headersKeyId: string | null; headersCiphertext: string | null } | undefined {
  if (headers === undefined) return undefined;
  if (headers === null || !Object.keys(headers).length) {
    return headers === null ? { headers: Prisma.DbNull, headersKeyId: null, headersCiphertext: null } : { headers: {}, headersKeyId: null, headersCiphertext: null };
  }
  const sealed = deps.vault.seal(JSON.stringify(headers), aad(connectorId));
  return { headers: maskAll(headers), headersKeyId: sealed.keyId, headersCiphertext: sealed.ciphertext };
}

/** The headers to send. Throws ConnectorHeadersUnreadableError when they do not decrypt. */
export function connectorHeaders(ctx: Pick<ServiceContext, 'deps'>, c: HeaderColumns): Record<string, string> {
  if (!c.headersCiphertext) return stringMap(c.headers) ?? {}; // none, or a row from before encryption
  try {
    return stringMap(JSON.parse(ctx.deps.vault.open(c.headersKeyId ?? '', c.headersCiphertext, aad(c.id)))) ?? {};
  } catch (err) {
    if (!(err instanceof SecretUnreadableError) && !(err instanceof SyntaxError)) throw err;
    ctx.deps.log.warn({ connectorId: c.id }, 'connector headers cannot be decrypted');
    throw new ConnectorHeadersUnreadableError();
  }
}

/** The headers as REST and GraphQL show them: names, masked values. */
export function maskedHeaders(c: HeaderColumns): Record<string, string> | null {
  const shown = stringMap(c.headers);
  if (!shown) return null;
  return c.headersCiphertext ? shown : maskAll(shown);
}

/**
 * For an update that replaces headers whole: a value sent back exactly as it
 * is shown (masked) keeps the stored value, so a client can GET, edit one
 * header and PUT the object back without wiping the others.
 */
export function keepMaskedValues(ctx: Pick<ServiceContext, 'deps'>, current: HeaderColumns, next: Record<string, string> | null | undefined): Record<string, string> | null | undefined {
  if (!next) return next;
  const shown = maskedHeaders(current);
  if (!shown || !Object.entries(next).some(([k, v]) => shown[k] === v)) return next;
  const stored = connectorHeaders(ctx, current);
  return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, shown[k] === v && stored[k] !== undefined ? stored[k] : v]));
}

/** Seals the headers of rows written before encryption (plaintext `headers`, no ciphertext). Idempotent; safe on every start. */
export async function sealLegacyConnectorHeaders(deps: Pick<Deps, 'prisma' | 'vault' | 'log'>): Promise<number> {
  const rows = await deps.prisma.evalConnector.findMany({
    where: { headersCiphertext: null, NOT: { headers: { equals: Prisma.DbNull } } },
    select: { id: true, headers: true },
  });
  let sealed = 0;
  for (const row of rows) {
    const plain = stringMap(row.headers);
    if (!plain || !Object.keys(plain).length) continue;
    const data = sealHeaders(deps, row.id, plain)!;
    // Only if nobody rewrote the row meanwhile.
    const { count } = await deps.prisma.evalConnector.updateMany({ where: { id: row.id, headersCiphertext: null }, data });
    sealed += count;
  }
  if (sealed) deps.log.info({ connectors: sealed }, 'sealed plaintext connector headers');
  return sealed;
}

/** Re-seals every connector's headers not under the vault's current key (secrets:rotate, after SECRET_KEY changed). */
export async function reencryptConnectorHeaders(prisma: Deps['prisma'], vault: Deps['vault']): Promise<{ moved: number; unreadable: string[] }> {
  const rows = await prisma.evalConnector.findMany({
    where: { headersCiphertext: { not: null }, headersKeyId: { not: vault.currentKeyId } },
    select: { id: true, headersKeyId: true, headersCiphertext: true },
  });
  let moved = 0;
  const unreadable: string[] = [];
  for (const row of rows) {
    try {
      const sealed = vault.seal(vault.open(row.headersKeyId ?? '', row.headersCiphertext!, aad(row.id)), aad(row.id));
      const { count } = await prisma.evalConnector.updateMany({
        where: { id: row.id, headersCiphertext: row.headersCiphertext },
        data: { headersKeyId: sealed.keyId, headersCiphertext: sealed.ciphertext },
      });
      moved += count;
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      unreadable.push(`connector ${row.id} headers`);
    }
  }
  return { moved, unreadable };
}
