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
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('AgentUser', 'secrets', (t) =>
  t.field({ type: [Secret], resolve: (user, _args, ctx) => secrets.listSecrets(ctx, user.id) }),
);

const SecretInput = builder.inputType('SecretInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    value: t.string({ required: false, description: 'null deletes the secret.' }),
  }),
});

builder.mutationFields((t) => ({
  setSecrets: t.field({
    type: [Secret],
    errors: mutationErrors,
    args: { user: t.arg.id({ required: true }), secrets: t.arg({ type: [SecretInput], required: true }) },
    resolve: (_root, args, ctx) =>
      secrets.putSecrets(ctx, String(args.user), Object.fromEntries(args.secrets.map((s) => [s.name, s.value ?? null]))),
  }),
  deleteSecret: t.boolean({
    errors: mutationErrors,
    args: { user: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => (await secrets.deleteSecret(ctx, String(args.user), args.name), true),
  }),
}));
