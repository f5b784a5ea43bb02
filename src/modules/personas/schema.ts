/** Personas in the graph: the type, its queries, mutations and the change subscription. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import * as personas from './service.js';
import type { PersonaEvent as PersonaEventPayload } from './events.js';

export const PersonaStatus = builder.enumType('PersonaStatus', { values: ['draft', 'published'] as const });
export const PersonaVisibility = builder.enumType('PersonaVisibility', { values: ['private', 'public'] as const });

export const Persona = builder.prismaObject('Persona', {
  authScopes: readableWith.personas,
  description: 'An AI persona: a description and system prompt an LLM can play (Autousers and EvalStudio alike).',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    systemPrompt: t.exposeString('systemPrompt', { nullable: true }),
    role: t.exposeString('role'),
    avatar: t.exposeString('avatar', { nullable: true }),
    imageUrl: t.exposeString('imageUrl', { nullable: true, description: 'Id of the stored portrait image.' }),
    status: t.field({ type: PersonaStatus, resolve: (p) => p.status as 'draft' | 'published' }),
    visibility: t.field({ type: PersonaVisibility, resolve: (p) => p.visibility as 'private' | 'public' }),
    isSystem: t.exposeBoolean('isSystem', { description: 'Built-in, public and read-only.' }),
    capabilities: t.expose('capabilities', { type: 'JSON', nullable: true }),
    config: t.expose('config', { type: 'JSON', nullable: true }),
    headers: t.expose('headers', { type: 'JSON', nullable: true, description: 'HTTP headers merged over connector headers.' }),
    teamId: t.exposeString('teamId', { nullable: true }),
    project: t.relation('project', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Persona', (ctx, id) => personas.getPersona(ctx, id));

const PersonaFilter = builder.inputType('PersonaFilter', {
  fields: (t) => ({
    projectId: t.id({ required: false, description: 'Only this project’s personas (full id or 8+ character prefix).' }),
    search: t.string({ required: false, description: 'Case-insensitive match on name or description.' }),
    status: t.field({ type: PersonaStatus, required: false }),
    includeSystem: t.boolean({ required: false, description: 'Include the built-in library (default true).' }),
  }),
});

const personaFields = (t: any, required: boolean) => ({
  name: t.string({ required }),
  description: t.string({ required: false }),
  systemPrompt: t.string({ required: false }),
  role: t.string({ required: false }),
  avatar: t.string({ required: false }),
  imageUrl: t.string({ required: false }),
  status: t.field({ type: PersonaStatus, required: false }),
  visibility: t.field({ type: PersonaVisibility, required: false }),
  capabilities: t.field({ type: 'JSON', required: false, description: '{ detailedDescription, focusAreas[] }' }),
  config: t.field({ type: 'JSON', required: false, description: '{ temperature, model, keyboardOnly, screenReader, networkCondition }' }),
  headers: t.field({ type: 'JSON', required: false, description: 'A map of header name to string value.' }),
});

const CreatePersonaInput = builder.inputType('CreatePersonaInput', {
  fields: (t) => ({
    projectId: t.id({ required: false, description: 'Put the persona in this project.' }),
    ...personaFields(t, true),
  }),
});

const UpdatePersonaInput = builder.inputType('UpdatePersonaInput', {
  description: 'Only the given fields change; null clears an optional field.',
  fields: (t) => personaFields(t, false),
});

builder.queryFields((t) => ({
  persona: t.prismaField({
    type: 'Persona',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) =>
      personas.getPersona(ctx, String(id), {}, query).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))),
  }),
  personas: t.prismaConnection({
    type: 'Persona',
    cursor: 'id',
    args: { filter: t.arg({ type: PersonaFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => personas.findPersonas(ctx, filter ?? {}, query),
  }, { authScopes: readableWith.personas }, { authScopes: readableWith.personas }),
}));

const byId = (t: any) => ({ id: t.arg.id({ required: true }) });

builder.mutationFields((t) => ({
  createPersona: t.prismaField({
    type: 'Persona',
    errors: mutationErrors,
    args: { input: t.arg({ type: CreatePersonaInput, required: true }) },
    resolve: (_q, _root, { input }, ctx) => {
      const { projectId, ...fields } = input;
      return personas.createPersona(ctx, fields, { projectId: projectId ? String(projectId) : null });
    },
  }),
  createPersonas: t.prismaField({
    type: ['Persona'],
    errors: mutationErrors,
    description: `Creates 1 to ${personas.MAX_BULK_PERSONAS} personas in one transaction: all of them or none (a bad input or a taken name refuses the call). In the order given.`,
    args: {
      inputs: t.arg({ type: [CreatePersonaInput], required: true }),
      projectId: t.arg.id({ required: false, description: 'The project of every input that names none.' }),
    },
    resolve: (_q, _root, { inputs, projectId }, ctx) =>
      personas.createPersonas(ctx, inputs, { projectId: projectId ? String(projectId) : null }),
  }),
  updatePersona: t.prismaField({
    type: 'Persona',
    errors: mutationErrors,
    args: { ...byId(t), input: t.arg({ type: UpdatePersonaInput, required: true }) },
    resolve: (_q, _root, { id, input }, ctx) => personas.updatePersona(ctx, String(id), input),
  }),
  deletePersona: t.prismaField({
    type: 'Persona',
    errors: mutationErrors,
    description: 'Deletes the persona and returns it as it was.',
    args: byId(t),
    resolve: (query, _root, { id }, ctx) => personas.deletePersona(ctx, String(id), {}, query),
  }),
  generatePersonaImage: t.prismaField({
    type: 'Persona',
    errors: mutationErrors,
    description: 'Draws a portrait from the system prompt and stores it; imageUrl holds its id.',
    args: byId(t),
    resolve: (_q, _root, { id }, ctx) => personas.generatePersonaImage(ctx, String(id)),
  }),
}));

const PersonaEventKind = builder.enumType('PersonaEventKind', { values: ['created', 'updated', 'deleted'] as const });

const PersonaEvent = builder.objectRef<PersonaEventPayload>('PersonaEvent').implement({
  authScopes: readableWith.personas,
  description: 'A persona was created, updated or deleted.',
  fields: (t) => ({
    kind: t.field({ type: PersonaEventKind, resolve: (e) => e.kind }),
    personaId: t.exposeID('personaId'),
    projectId: t.exposeID('projectId', { nullable: true }),
  }),
});

builder.objectField(PersonaEvent, 'persona', (t) =>
  t.prismaField({
    type: 'Persona',
    nullable: true,
    description: 'The persona as it is now (null once deleted).',
    resolve: (query, event, _args, ctx) =>
      personas.getPersona(ctx, event.personaId, {}, query).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))),
  }),
);

builder.subscriptionField('personaChanged', (t) =>
  t.field({
    type: PersonaEvent,
    description: 'Persona changes in the caller’s team, optionally in one project.',
    args: { projectId: t.arg.id({ required: false }) },
    subscribe: async function* (_root, { projectId }, ctx) {
      personas.assertCanWatch(ctx);
      for await (const event of ctx.deps.pubsub.subscribe('persona.changed', ctx.actor.teamId)) {
        if (!projectId || event.projectId === String(projectId)) yield event;
      }
    },
    resolve: (event) => event,
  }),
);
import './schema/generate.js';
