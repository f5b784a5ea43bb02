/** Secrets in the graph: masked values on AgentUser, and mutations to set or delete them. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import * as secrets from './service.js';

const Secret = builder.objectRef<secrets.MaskedSecret>('Secret').implement({
  authScopes: readableWith.secrets,
  description: 'A user secret. The value is always masked; the agent runtime alone sees plaintext.',
  fields: (t) => ({
    name: t.exposeString('name'),
    value: t.exposeString('value', { nullable: true, description: 'Masked, like sk-1...cdef; null when it cannot be decrypted.' }),
    readable: t.exposeBoolean('readable'),
    allowedHosts: t.exposeStringList('allowedHosts', { description: 'Hosts agent tools may send the value to (exact, or *.example.com); empty: none.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('AgentUser', 'secrets', (t) =>
  t.field({ type: [Secret], resolve: (user, _args, ctx) => secrets.listSecrets(ctx, user.id) }),
);

const SecretInput = builder.inputType('SecretInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    value: t.string({ required: false, description: 'null (or omitted without allowedHosts) deletes the secret; omitted with allowedHosts keeps the value.' }),
    allowedHosts: t.stringList({ required: false, description: 'Hosts agent tools may send the value to (exact, or *.example.com); omitted keeps them (none for a new secret).' }),
  }),
});

builder.mutationFields((t) => ({
  setSecrets: t.field({
    type: [Secret],
    errors: mutationErrors,
    args: { user: t.arg.id({ required: true }), secrets: t.arg({ type: [SecretInput], required: true }) },
    resolve: (_root, args, ctx) =>
      secrets.putSecrets(
        ctx,
        String(args.user),
        Object.fromEntries(
          args.secrets.map((s) => [
            s.name,
            s.allowedHosts == null ? (s.value ?? null) : s.value === null ? null : { ...(s.value !== undefined ? { value: s.value } : {}), allowedHosts: s.allowedHosts },
          ]),
        ),
      ),
  }),
  deleteSecret: t.boolean({
    errors: mutationErrors,
    args: { user: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => (await secrets.deleteSecret(ctx, String(args.user), args.name), true),
  }),
}));
