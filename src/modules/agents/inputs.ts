/**
 * Agent inputs (REST bodies and GraphQL arguments): creation, tool config
 * and templates. Messages are lower-case, like the rest of the Autonomis API.
 */
import { z } from 'zod';

/** Agent names appear in paths, so they are path-safe. */
export const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PROVIDERS = ['openai', 'embedded'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
/** At most this many agents in one create request. */
export const MAX_AGENTS_PER_REQUEST = 100;

const unknownKeys = (where: string) => (iss: { code?: string; keys?: string[] }) =>
  iss.code === 'unrecognized_keys' ? `unknown ${where} key: ${(iss.keys ?? []).join(', ')}` : undefined;

export const CreateAgentInput = z.strictObject(
  {
    name: z
      .string({ message: 'name is required' })
      .min(1, 'name is required')
      .max(64, 'name must be at most 64 characters')
      .regex(AGENT_NAME, 'name may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit'),
    personaId: z.string({ message: 'personaId must be a string' }).min(1, 'personaId must not be empty').max(100, 'personaId must be at most 100 characters').nullish(),
    provider: z.enum(PROVIDERS, { message: `provider must be one of ${PROVIDERS.join(', ')}` }).nullish(),
    model: z.string({ message: 'model must be a string' }).trim().min(1, 'model must not be empty').max(200, 'model must be at most 200 characters').nullish(),
  },
  { error: unknownKeys('agent') },
);
export type CreateAgentInput = z.infer<typeof CreateAgentInput>;

export const CreateAgentsInput = z
  .array(CreateAgentInput, { message: 'body must be an agent object or an array of them' })
  .min(1, 'at least one agent is required')
  .max(MAX_AGENTS_PER_REQUEST, `at most ${MAX_AGENTS_PER_REQUEST} agents per request`);

const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*(:\d{1,5})?$/i;

export const AgentConfigPatch = z.strictObject(
  {
    tools: z.strictObject(
      {
        files: z.boolean({ message: 'tools.files must be a boolean' }).optional(),
        http: z.strictObject(
          {
            enabled: z.boolean({ message: 'tools.http.enabled must be a boolean' }),
            allowPrivateNetworks: z.boolean({ message: 'tools.http.allowPrivateNetworks must be a boolean' }).optional(),
            allowedHosts: z
              .array(z.string({ message: 'tools.http.allowedHosts must be an array of host names' }).max(260).regex(HOST, 'tools.http.allowedHosts entries must be host names (optionally *.example.com or host:port)'), {
                message: 'tools.http.allowedHosts must be an array of host names',
              })
              .max(100, 'tools.http.allowedHosts may hold at most 100 hosts')
              .optional(),
          },
          { error: unknownKeys('tools.http') },
        ).optional(),
      },
      { error: unknownKeys('tools') },
    ),
  },
  { error: unknownKeys('config') },
);
export type AgentConfigPatch = z.infer<typeof AgentConfigPatch>;
