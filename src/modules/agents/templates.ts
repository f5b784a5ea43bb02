/**
 * Agent templates: SOUL.md, USER.md, TOOLS.md, HEARTBEAT.md.
 *
 * The effective template of an agent is, per name, the first of these that is set (TEMPLATE_SOURCES):
 *   SOUL.md:  1. the agent's override (PUT …/agents/{agent}/templates)
 *             2. the system prompt of the persona the agent embodies
 *             3. the user's default (PUT …/agent-templates)
 *             4. the built-in template below
 *   others:   the agent's override, else the user's default, else the built-in.
 * So a user-level SOUL.md is the soul of the user's agents that embody no persona: it never silently replaces
 * the persona an agent embodies (only that agent's own override does). Each effective template names its
 * `source` and the set sources it `shadowed` (GET …/agents/{agent}/templates?effective=true, Agent.templates).
 *
 * The chat's system prompt (`composeSystemPrompt`) is composed in this order,
 * sections separated by a blank line, empty sections left out:
 *   1. SOUL.md       who the agent is
 *   2. USER.md       who it works for
 *   3. TOOLS.md      how it uses its tools
 *   4. Skills        "## Skills" and one "- name: description" line per installed skill
 *   5. HEARTBEAT.md  what it does on its own, and its standing reminders
 */
import type { Agent, AgentUser, Persona } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { ValidationError } from '../../errors.js';

export const TEMPLATE_NAMES = ['SOUL.md', 'USER.md', 'TOOLS.md', 'HEARTBEAT.md'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
/** Bytes (UTF-8) one template may hold. */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

export type TemplateSource = 'agent' | 'user' | 'persona' | 'built-in';
/** Where each template may come from, first wins (see the top of this file). */
export const TEMPLATE_SOURCES: Record<TemplateName, readonly TemplateSource[]> = {
  'SOUL.md': ['agent', 'persona', 'user', 'built-in'],
  'USER.md': ['agent', 'user', 'built-in'],
  'TOOLS.md': ['agent', 'user', 'built-in'],
  'HEARTBEAT.md': ['agent', 'user', 'built-in'],
};
/** A template as it applies: its content, the source it came from, and the set sources it took precedence over (never `built-in`). */
export interface EffectiveTemplate {
  content: string;
  source: TemplateSource;
  shadowed: TemplateSource[];
}
export type EffectiveTemplates = Record<TemplateName, EffectiveTemplate>;
export type StoredTemplates = Partial<Record<TemplateName, string>>;

export const BUILT_IN_TEMPLATES: Record<TemplateName, string> = {
  'SOUL.md': [
    '# SOUL',
    'You are a capable, honest assistant. Be direct and concise; say so when you do not know something,',
    'and never invent facts, sources or results of actions you did not take.',
  ].join('\n'),
  'USER.md': [
    '# USER',
    'You work for the user who owns this agent. Respect their time: answer the question asked,',
    'ask one clarifying question when a request is ambiguous, and keep their data private.',
  ].join('\n'),
  'TOOLS.md': [
    '# TOOLS',
    'Use a tool only when it helps answer the request. Say what you are doing before a tool call,',
    'report what the tool returned faithfully, and never reveal secret values a tool used.',
  ].join('\n'),
  'HEARTBEAT.md': [
    '# HEARTBEAT',
    'Stay within your role. When a task is finished, say so plainly and stop.',
  ].join('\n'),
};

export function isTemplateName(s: string): s is TemplateName {
  return (TEMPLATE_NAMES as readonly string[]).includes(s);
}

/** The stored map (AgentUser.templates / Agent.templates), keeping only valid entries. */
export function storedTemplates(json: unknown): StoredTemplates {
  const out: StoredTemplates = {};
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    for (const [k, v] of Object.entries(json)) if (isTemplateName(k) && typeof v === 'string') out[k] = v;
  }
  return out;
}

/**
 * Validates a PUT body: an object of template names to a string (set) or
 * null (remove); unknown names, other types and templates over 64 KB are 400.
 */
export function parseTemplatePatch(raw: unknown): Partial<Record<TemplateName, string | null>> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError(`body must be an object of template names (${TEMPLATE_NAMES.join(', ')}) to their content`);
  }
  const entries = Object.entries(raw);
  if (!entries.length) throw new ValidationError(`body must name at least one template (${TEMPLATE_NAMES.join(', ')})`);
  const patch: Partial<Record<TemplateName, string | null>> = {};
  for (const [name, value] of entries) {
    if (!isTemplateName(name)) throw new ValidationError(`unknown template: ${name} (valid: ${TEMPLATE_NAMES.join(', ')})`, name);
    if (value !== null && typeof value !== 'string') throw new ValidationError(`${name} must be a string, or null to remove it`, name);
    if (value !== null && Buffer.byteLength(value, 'utf8') > MAX_TEMPLATE_BYTES) {
      throw new ValidationError(`${name} must be at most ${MAX_TEMPLATE_BYTES} bytes`, name);
    }
    patch[name] = value;
  }
  return patch;
}

export function applyTemplatePatch(current: unknown, patch: Partial<Record<TemplateName, string | null>>): StoredTemplates {
  const next = storedTemplates(current);
  for (const [name, value] of Object.entries(patch) as [TemplateName, string | null][]) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

type AgentWithContext = Agent & { user?: AgentUser; persona?: Persona | null };

async function withContext(ctx: ServiceContext, agent: AgentWithContext): Promise<{ user: AgentUser; persona: Persona | null }> {
  const user = agent.user ?? (await ctx.deps.prisma.agentUser.findUniqueOrThrow({ where: { id: agent.userId } }));
  const persona =
    agent.persona !== undefined ? agent.persona : agent.personaId ? await ctx.deps.prisma.persona.findUnique({ where: { id: agent.personaId } }) : null;
  return { user, persona };
}

/** Per name: the first set source of TEMPLATE_SOURCES (agent override; for SOUL.md the persona; user default; built-in). */
export async function effectiveTemplates(ctx: ServiceContext, agent: AgentWithContext): Promise<EffectiveTemplates> {
  const { user, persona } = await withContext(ctx, agent);
  const own = storedTemplates(agent.templates);
  const defaults = storedTemplates(user.templates);
  const candidate = (name: TemplateName, source: TemplateSource): string | undefined => {
    if (source === 'agent') return own[name];
    if (source === 'user') return defaults[name];
    if (source === 'persona') return persona?.systemPrompt?.trim() ? persona.systemPrompt : undefined;
    return BUILT_IN_TEMPLATES[name];
  };
  const out = {} as EffectiveTemplates;
  for (const name of TEMPLATE_NAMES) {
    const set = TEMPLATE_SOURCES[name].filter((source) => candidate(name, source) !== undefined);
    const source = set[0]!; // built-in is always set
    out[name] = { content: candidate(name, source)!, source, shadowed: set.slice(1).filter((s) => s !== 'built-in') };
  }
  return out;
}

/** The chat's system prompt, in the order documented at the top of this file. */
export async function composeSystemPrompt(
  ctx: ServiceContext,
  agent: AgentWithContext,
  extras: { skills: { name: string; description: string }[] },
): Promise<string> {
  const t = await effectiveTemplates(ctx, agent);
  const skills = extras.skills.length
    ? ['## Skills', ...extras.skills.map((s) => `- ${s.name}: ${s.description.replace(/\s+/g, ' ').trim()}`)].join('\n')
    : '';
  return [t['SOUL.md'].content, t['USER.md'].content, t['TOOLS.md'].content, skills, t['HEARTBEAT.md'].content]
    .map((s) => s.trim())
    .filter(Boolean)
    .join('\n\n');
}
