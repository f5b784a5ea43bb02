/**
 * Persona input schemas, shared by GraphQL arguments and the REST bodies of
 * seeds 000 (Autousers) and 002 (EvalStudio). Messages are the ones those
 * APIs document ("Name is required"), so each transport can pass them on.
 */
import { z } from 'zod';
import { listQuery } from '../../infra/pagination.js';
import { HeaderMap } from '../../validation.js';

const str = (label: string, max: number) =>
  z
    .string({ message: `${label} must be a string` })
    .max(max, `${label} must be at most ${max} characters`);

const requiredName = z
  .string({ message: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(200, 'Name must be at most 200 characters');

export const Capabilities = z
  .object({
    detailedDescription: str('capabilities.detailedDescription', 10_000).optional(),
    focusAreas: z.array(str('capabilities.focusAreas[]', 200), { message: 'capabilities.focusAreas must be an array of strings' }).max(50, 'capabilities.focusAreas may hold at most 50 entries').optional(),
  }, { message: 'capabilities must be an object' })
  .strict();

export const PersonaConfig = z
  .object({
    temperature: z.number({ message: 'config.temperature must be a number' }).min(0, 'config.temperature must be between 0 and 2').max(2, 'config.temperature must be between 0 and 2').optional(),
    model: str('config.model', 200).optional(),
    keyboardOnly: z.boolean({ message: 'config.keyboardOnly must be a boolean' }).optional(),
    screenReader: z.boolean({ message: 'config.screenReader must be a boolean' }).optional(),
    networkCondition: z.enum(['fast', 'slow', 'offline', '3g', '4g'], { message: 'config.networkCondition must be one of fast, slow, 3g, 4g, offline' }).optional(),
  }, { message: 'config must be an object' })
  .strict();

const fields = {
  description: str('Description', 2000).nullish(),
  systemPrompt: str('System prompt', 50_000).nullish(),
  role: z.string({ message: 'Role must be a string' }).trim().min(1, 'Role must not be empty').max(200, 'Role must be at most 200 characters').optional(),
  avatar: str('Avatar', 500).nullish(),
  imageUrl: str('Image URL', 500).nullish(),
  status: z.enum(['draft', 'published'], { message: 'Status must be draft or published' }).optional(),
  visibility: z.enum(['private', 'public'], { message: 'Visibility must be private or public' }).optional(),
  capabilities: Capabilities.nullish(),
  config: PersonaConfig.nullish(),
  headers: HeaderMap.nullish(),
};

export const CreatePersonaInput = z.object({ name: requiredName, ...fields });
export type CreatePersonaInput = z.infer<typeof CreatePersonaInput>;

export const UpdatePersonaInput = z.object({ name: requiredName.optional(), ...fields });
export type UpdatePersonaInput = z.infer<typeof UpdatePersonaInput>;

/** Autousers' create body: the persona plus the team it must belong to. */
export const CreateAutouserInput = CreatePersonaInput.extend({
  teamId: z.string({ message: 'teamId is required' }).min(1, 'teamId is required').max(100, 'teamId must be at most 100 characters'),
  systemPrompt: z.string({ message: 'systemPrompt is required' }).min(1, 'systemPrompt is required').max(50_000, 'systemPrompt must be at most 50000 characters'),
}).omit({ imageUrl: true, headers: true });

/** Autousers' list query; keys are the query parameter names, so errors name them. */
export const PersonaListInput = listQuery('an autouser', {});
