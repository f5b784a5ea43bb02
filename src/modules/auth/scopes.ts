/** Every scope a key can hold. The first nine are AutoPersonas' (seed 001). */
export const SCOPES = [
  'character:read',
  'character:write',
  'content:read',
  'content:write',
  'content:generate',
  'publishing:write',
  'analytics:read',
  'profile:read',
  'profile:write',
  'persona:read',
  'persona:write',
  'agent:read',
  'agent:write',
  'agent:chat',
  'secrets:write',
  'webhook:read',
  'webhook:write',
  'eval:read',
  'eval:write',
  'admin',
  'platform',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

/** A team's first admin key holds every scope but `platform`, which only the bootstrap key has. */
export const TEAM_ADMIN_SCOPES: Scope[] = SCOPES.filter((s) => s !== 'platform');
