import { z } from 'zod';
import { parseAllowedHost } from '../../infra/safe-fetch.js';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_SECRET_BYTES = 32 * 1024;
export const MAX_SECRETS_PER_USER = 200;
export const MAX_ALLOWED_HOSTS = 20;

const SecretValue = z
  .string({ message: 'secret values must be strings (or null to delete)' })
  .min(1, 'secret values must not be empty')
  .refine((v) => Buffer.byteLength(v) <= MAX_SECRET_BYTES, `secret values must be at most ${MAX_SECRET_BYTES} bytes`);

/** A host a secret may be sent to: `api.example.com`, `*.example.com` (subdomains) or an address; stored lower-case. */
const AllowedHost = z
  .string({ message: 'allowedHosts must be an array of host names' })
  .trim()
  .toLowerCase()
  .refine((h) => {
    if (!h || h.includes('/')) return false;
    try {
      parseAllowedHost(h);
      return true;
    } catch {
      return false;
    }
  }, 'allowedHosts entries must be host names such as api.example.com or *.example.com, or addresses (no scheme, port, path or CIDR)');

export const AllowedHosts = z
  .array(AllowedHost, { message: 'allowedHosts must be an array of host names' })
  .max(MAX_ALLOWED_HOSTS, `allowedHosts may list at most ${MAX_ALLOWED_HOSTS} hosts`)
  .transform((hosts) => [...new Set(hosts)]);

/**
 * One secret in PUT /secrets: a value (its allowed hosts unchanged; none for a
 * new secret), null to delete, or `{value?, allowedHosts?}` to set either or both.
 */
const SecretObject = z
  .object({ value: SecretValue.optional(), allowedHosts: AllowedHosts.optional() })
  .strict()
  .refine((e) => e.value !== undefined || e.allowedHosts !== undefined, 'a secret object must give value or allowedHosts');

/** Chooses the shape by the JSON type, so a 400 names what is wrong inside an object (`NAME.allowedHosts`). */
const SecretEntry = z.unknown().transform((v, ctx): string | null | z.infer<typeof SecretObject> => {
  const schema = v === null ? z.null() : typeof v === 'object' && !Array.isArray(v) ? SecretObject : SecretValue;
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
  return z.NEVER;
});
export type SecretEntry = z.infer<typeof SecretEntry>;

/** PUT /secrets: { NAME: "value" | null | {value?, allowedHosts?} } — null deletes the secret. */
export const PutSecretsInput = z
  .record(z.string(), SecretEntry, { message: 'body must be an object of secret names to values' })
  .refine((m) => Object.keys(m).every((k) => SECRET_NAME.test(k)), 'secret names must match [A-Za-z_][A-Za-z0-9_]{0,127}')
  .refine((m) => Object.keys(m).length > 0, 'body must name at least one secret')
  .refine((m) => Object.keys(m).length <= MAX_SECRETS_PER_USER, `at most ${MAX_SECRETS_PER_USER} secrets at once`);
