/**
 * REST paths for personas: Autousers (seed 000) and EvalStudio's project
 * personas (seed 002). Thin: parse, call the service, shape the body.
 */
import * as inputs from './inputs.js';
import type { Persona } from '../../generated/prisma/client.js';
import { created, noContent, ok, type Route } from '../../rest/route.js';
import { listBody, pageOf, queryObject } from '../../rest/list.js';
import * as personas from './service.js';
import * as bodies from './responses.js';

/** Autousers' create response: exactly the documented fields. */
export function autouserSummary(p: Persona) {
  return {
    id: p.id,
    name: p.name,
    role: p.role,
    isSystem: p.isSystem,
    status: p.status,
    visibility: p.visibility,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
    teamId: p.teamId,
  };
}

/** Autousers' full record, for reads and updates. */
export function autouser(p: Persona) {
  return {
    ...autouserSummary(p),
    description: p.description,
    systemPrompt: p.systemPrompt,
    avatar: p.avatar,
    imageUrl: p.imageUrl,
    capabilities: p.capabilities,
    config: p.config,
  };
}

/** EvalStudio's persona: unset optional fields are left out, as its examples show. */
export function evalPersona(p: Persona) {
  const out: Record<string, unknown> = { id: p.id, name: p.name };
  if (p.description !== null) out.description = p.description;
  if (p.systemPrompt !== null) out.systemPrompt = p.systemPrompt;
  if (p.imageUrl !== null) out.imageUrl = p.imageUrl;
  if (p.headers !== null) out.headers = p.headers;
  out.createdAt = p.createdAt.toISOString();
  out.updatedAt = p.updatedAt.toISOString();
  return out;
}

export const autouserRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/autousers',
    scope: 'persona:write',
    response: bodies.AutouserSummaryBody,
    responses: { 201: 'Created' },
    body: inputs.CreateAutouserInput,
    summary: 'Create an autouser persona',
    handler: async ({ ctx, body }) => created(autouserSummary(await personas.createAutouser(ctx, body))),
  },
  {
    method: 'GET',
    path: '/api/v1/autousers',
    scope: 'persona:read',
    response: pageOf(bodies.AutouserBody),
    query: inputs.PersonaListInput,
    summary: 'List autousers (yours and the system library), newest first',
    handler: async ({ ctx, query }) => ok(listBody(await personas.listAutousers(ctx, queryObject(query)), autouser)),
  },
  {
    method: 'GET',
    path: '/api/v1/autousers/:id',
    scope: 'persona:read',
    response: bodies.AutouserBody,
    summary: 'Get an autouser',
    handler: async ({ ctx, params }) => ok(autouser(await personas.getPersona(ctx, params.id!))),
  },
  {
    method: 'PATCH',
    path: '/api/v1/autousers/:id',
    scope: 'persona:write',
    response: bodies.AutouserBody,
    body: inputs.UpdatePersonaInput,
    summary: 'Update an autouser (only the given fields)',
    handler: async ({ ctx, params, body }) => ok(autouser(await personas.updatePersona(ctx, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: '/api/v1/autousers/:id',
    scope: 'persona:write',
    response: bodies.AutouserDeletedBody,
    summary: 'Delete an autouser',
    handler: async ({ ctx, params }) => {
      const p = await personas.deletePersona(ctx, params.id!);
      return ok({ id: p.id, deleted: true });
    },
  },
];

const base = '/api/projects/:projectId/personas';

export const evalStudioPersonaRoutes: Route[] = [
  {
    method: 'GET',
    path: base,
    scope: 'persona:read',
    response: bodies.EvalPersonaListBody,
    summary: 'List personas',
    handler: async ({ ctx, params }) => ok((await personas.listProjectPersonas(ctx, params.projectId!)).map(evalPersona)),
  },
  {
    method: 'POST',
    path: base,
    scope: 'persona:write',
    response: bodies.EvalPersonaBody,
    responses: { 201: 'Created' },
    body: inputs.CreatePersonaInput,
    summary: 'Create a persona',
    handler: async ({ ctx, params, body }) =>
      created(evalPersona(await personas.createPersona(ctx, body, { projectId: params.projectId! }))),
  },
  {
    method: 'GET',
    path: `${base}/:id`,
    scope: 'persona:read',
    response: bodies.EvalPersonaBody,
    summary: 'Get a persona by ID',
    handler: async ({ ctx, params }) => ok(evalPersona(await personas.getPersona(ctx, params.id!, { projectId: params.projectId! }))),
  },
  {
    method: 'PUT',
    path: `${base}/:id`,
    scope: 'persona:write',
    response: bodies.EvalPersonaBody,
    body: inputs.UpdatePersonaInput,
    summary: 'Update a persona (only the given fields)',
    handler: async ({ ctx, params, body }) =>
      ok(evalPersona(await personas.updatePersona(ctx, params.id!, body, { projectId: params.projectId! }))),
  },
  {
    method: 'DELETE',
    path: `${base}/:id`,
    scope: 'persona:write',
    responses: { 204: 'No content' },
    summary: 'Delete a persona',
    handler: async ({ ctx, params }) => {
      await personas.deletePersona(ctx, params.id!, { projectId: params.projectId! });
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${base}/:id/generate-image`,
    scope: 'persona:write',
    response: bodies.EvalPersonaBody,
    summary: 'Generate an AI portrait',
    handler: async ({ ctx, params }) =>
      ok(evalPersona(await personas.generatePersonaImage(ctx, params.id!, { projectId: params.projectId! }))),
  },
];

// evals: comparison, generation, export
export const evalStudioPersonaGenerationRoutes: Route[] = [
  {
    method: 'POST',
    path: `${base}/generate`,
    scope: 'persona:write',
    body: personas.GeneratePersonasInput,
    response: personas.GeneratedPersonasBody,
    responses: { 201: 'The personas created, with the provider and model that wrote them' },
    summary: `Generate personas from a description ({description, count: 1–${personas.MAX_GENERATED_PERSONAS}, default 5}) and create them in the project`,
    handler: async ({ ctx, params, body }) => {
      const out = await personas.generatePersonas(ctx, params.projectId!, body);
      return created({ provider: out.provider, model: out.model, personas: out.personas.map(evalPersona) });
    },
  },
];
