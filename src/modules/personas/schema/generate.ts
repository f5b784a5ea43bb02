/** Mutation.generatePersonas: a project's personas written from a description (REST POST /api/projects/:projectId/personas/generate). */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import * as personas from '../service.js';
import type { GeneratedPersonas as GeneratedPersonasPayload } from '../service.js';

const GeneratedPersonas = builder.objectRef<GeneratedPersonasPayload>('GeneratedPersonas').implement({
  authScopes: readableWith.personas,
  description: 'Personas created from a description, and what wrote them.',
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'embedded (the offline generator, no language model) or openai.' }),
    model: t.exposeString('model'),
    personas: t.prismaField({ type: ['Persona'], resolve: (_q, g) => g.personas }),
  }),
});

builder.mutationField('generatePersonas', (t) =>
  t.field({
    type: GeneratedPersonas,
    errors: mutationErrors,
    description: `Writes 1 to ${personas.MAX_GENERATED_PERSONAS} personas (default 5) for the product or assistant described and creates them in the project, all or none. A generated name already taken gets a numeric suffix.`,
    args: {
      projectId: t.arg.id({ required: true }),
      description: t.arg.string({ required: true }),
      count: t.arg.int({ required: false }),
    },
    resolve: (_r, { projectId, description, count }, ctx) => personas.generatePersonas(ctx, String(projectId), { description, ...(count == null ? {} : { count }) }),
  }),
);
