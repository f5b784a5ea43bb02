/** Seed 003's secrets paths: names with masked values only. */
import * as inputs from './inputs.js';
import { noContent, ok, type Route } from '../../rest/route.js';
import * as secrets from './service.js';
import { SecretListBody } from './responses.js';

const view = (s: secrets.MaskedSecret) => ({ name: s.name, value: s.value, readable: s.readable, allowedHosts: s.allowedHosts, updatedAt: s.updatedAt.toISOString() });

export const secretRoutes: Route[] = [
  {
    method: 'PUT',
    path: '/api/v1/users/:user/secrets',
    scope: 'secrets:write',
    response: SecretListBody,
    body: inputs.PutSecretsInput,
    summary: 'Add or update secrets ({NAME: value}, or {NAME: {value?, allowedHosts?}}; null deletes)',
    handler: async ({ ctx, params, body }) => ok((await secrets.putSecrets(ctx, params.user!, body)).map(view)),
  },
  {
    method: 'GET',
    path: '/api/v1/users/:user/secrets',
    scope: 'agent:read',
    response: SecretListBody,
    summary: 'List secret names (values are masked)',
    handler: async ({ ctx, params }) => ok((await secrets.listSecrets(ctx, params.user!)).map(view)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:user/secrets/:key',
    scope: 'secrets:write',
    responses: { 204: 'No content' },
    summary: 'Delete a secret',
    handler: async ({ ctx, params }) => {
      await secrets.deleteSecret(ctx, params.user!, params.key!);
      return noContent();
    },
  },
];
