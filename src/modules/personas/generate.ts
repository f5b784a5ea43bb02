/**
 * Generating a project's personas from a description of the product or
 * assistant under test: `count` (1–20) personas with a name, description and
 * system prompt, created together (all or none) in the project. The provider
 * is the project's, by the AI layer's rule (llmSettings of the project, then
 * the workspace, then OPENAI_API_KEY, else the embedded generator); the model
 * is llmSettings.models.persona, else models.evaluation, else
 * OPENAI_CHAT_MODEL. The answer says which provider and model wrote them.
 * A generated name already taken in the project gets a numeric suffix.
 */
import { z } from 'zod';
import type { Persona } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { parseInput } from '../../validation.js';
import * as projects from '../projects/service.js';
import { EMBEDDED_PERSONA_MODEL, embeddedPersonas, openAiPersonas, type PersonaDraft } from './persona-generator.js';
import { EvalPersonaBody } from './responses.js';
import { createPersonas } from './service.js';

export const MAX_GENERATED_PERSONAS = 20;
export const MAX_GENERATION_DESCRIPTION = 4000;

export const GeneratePersonasInput = z.object({
  description: z
    .string({ message: 'Description is required' })
    .trim()
    .min(1, 'Description is required')
    .max(MAX_GENERATION_DESCRIPTION, `Description must be at most ${MAX_GENERATION_DESCRIPTION} characters`),
  count: z
    .number({ message: `count must be an integer from 1 to ${MAX_GENERATED_PERSONAS}` })
    .int(`count must be an integer from 1 to ${MAX_GENERATED_PERSONAS}`)
    .min(1, `count must be an integer from 1 to ${MAX_GENERATED_PERSONAS}`)
    .max(MAX_GENERATED_PERSONAS, `count must be an integer from 1 to ${MAX_GENERATED_PERSONAS}`)
    .default(5),
});

export interface GeneratedPersonas {
  /** `embedded` (the offline generator) or `openai`. */
  provider: 'embedded' | 'openai';
  model: string;
  personas: Persona[];
}

/** Names free in the project: a taken one (or one repeated in the batch) gets "-2", "-3" … */
function uniqueNames(drafts: PersonaDraft[], taken: Set<string>): PersonaDraft[] {
  return drafts.map((d) => {
    const base = d.name.slice(0, 190);
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base}-${n}`;
    taken.add(name.toLowerCase());
    return { ...d, name };
  });
}

export async function generatePersonas(ctx: ServiceContext, projectRef: string, raw: unknown): Promise<GeneratedPersonas> {
  requireScope(ctx, 'persona:write');
  const { description, count } = parseInput(GeneratePersonasInput, raw);
  const project = await projects.resolveProject(ctx, projectRef);
  const backend = ctx.deps.ai.forText(await projects.llmSettingsChain(ctx, project.id), {
    model: (models) => models?.persona ?? models?.evaluation,
    embedded: EMBEDDED_PERSONA_MODEL,
  });
  const { drafts, model } = backend.kind === 'embedded' ? { drafts: embeddedPersonas(description, count), model: backend.model } : await openAiPersonas(backend, description, count);
  const existing = await ctx.deps.prisma.persona.findMany({ where: { teamId: ctx.actor.teamId, projectId: project.id }, select: { name: true } });
  const named = uniqueNames(drafts, new Set(existing.map((p) => p.name.toLowerCase())));
  const personas = await createPersonas(
    ctx,
    named.map((d) => ({ name: d.name, description: d.description || null, systemPrompt: d.systemPrompt, ...(d.config ? { config: d.config } : {}) })),
    { projectId: project.id },
  );
  return { provider: backend.kind, model, personas };
}

/** The REST body (the OpenAPI document's response schema): who wrote them, and the personas as EvalStudio shows them. */
export const GeneratedPersonasBody = z.object({
  provider: z.enum(['embedded', 'openai']).describe('embedded: the offline generator (no language model)'),
  model: z.string(),
  personas: z.array(EvalPersonaBody),
});
