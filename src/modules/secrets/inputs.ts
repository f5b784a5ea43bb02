import { z } from 'zod';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
export const MAX_SECRET_BYTES = 32 * 1024;
export const MAX_SECRETS_PER_USER = 200;

/** PUT /secrets: { NAME: "value" | null } — null deletes the secret. */
export const PutSecretsInput = z
  .record(
    z.string(),
    z
      .string({ message: 'secret values must be strings (or null to delete)' })
      .min(1, 'secret values must not be empty')
      .refine((v) => Buffer.byteLength(v) <= MAX_SECRET_BYTES, `secret values must be at most ${MAX_SECRET_BYTES} bytes`)
      .nullable(),
    { message: 'body must be an object of secret names to values' },
  )
  .refine((m) => Object.keys(m).every((k) => SECRET_NAME.test(k)), 'secret names must match [A-Za-z_][A-Za-z0-9_]{0,127}')
  .refine((m) => Object.keys(m).length > 0, 'body must name at least one secret')
  .refine((m) => Object.keys(m).length <= MAX_SECRETS_PER_USER, `at most ${MAX_SECRETS_PER_USER} secrets at once`);
