/**
 * Personas: one model for Autousers (seed 000) and EvalStudio (seed 002).
 * Team-owned, optionally inside a project; built-in system personas are
 * readable by every team and writable by none. Another team's persona is
 * "not found", never "forbidden".
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type Persona } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import { fullRowWith } from '../../infra/db/query.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import * as projects from '../projects/service.js';
import { CreateAutouserInput, CreatePersonaInput, PersonaListInput, UpdatePersonaInput } from './inputs.js';
import type { PersonaEventKind } from './events.js';
import { SYSTEM_PERSONAS } from './system-personas.js';

export class PersonaReadOnlyError extends AppError {
  override name = 'PersonaReadOnlyError';
  constructor() {
    super('System personas are read-only', { code: 'persona_read_only', httpStatus: 403, type: 'authorization_error' });
  }
}

const notFound = () => new NotFoundError('Persona not found', 'persona_not_found');
const duplicate = () => new ConflictError('Persona with name already exists', 'persona_name_taken', 'name');

/** Where a persona lives: a project (EvalStudio paths) or the team at large (Autousers, GraphQL). */
export interface PersonaScope {
  projectId?: string | null;
}

/** The persona visibility rule, as a Prisma filter. */
export function visibleTo(ctx: ServiceContext): Prisma.PersonaWhereInput {
  return { OR: [{ teamId: ctx.actor.teamId }, { isSystem: true }] };
}

function json(v: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull | undefined {
  if (v === undefined) return undefined;
  if (v === null) return Prisma.DbNull;
  return v as Prisma.InputJsonValue;
}

async function publish(ctx: ServiceContext, kind: PersonaEventKind, persona: Persona) {
  ctx.deps.pubsub.publish('persona.changed', ctx.actor.teamId, {
    kind,
    personaId: persona.id,
    projectId: persona.projectId,
  });
}


/** Pothos' selection for the caller's GraphQL query; spread into Prisma calls so nested reads are planned. */
export type PrismaQuery = { include?: Prisma.PersonaInclude; select?: Prisma.PersonaSelect };

export async function getPersona(
  ctx: ServiceContext,
  id: string,
  scope: PersonaScope = {},
  query: PrismaQuery = {},
): Promise<Persona> {
  requireScope(ctx, 'persona:read');
  if (!scope.projectId && !fullRowWith('Persona', query).include) {
    // The hot path (GraphQL persona(id), GET /api/v1/autousers/:id): one prepared statement, no Prisma.
    const [found] = await ctx.deps.sql.rows<Persona>('persona_by_id', 'SELECT * FROM "Persona" WHERE id = $1 AND ("teamId" = $2 OR "isSystem")', [id, ctx.actor.teamId]);
    if (!found) throw notFound();
    return found;
  }
  const projectId = scope.projectId ? (await projects.resolveProject(ctx, scope.projectId)).id : undefined;
  const persona = await ctx.deps.prisma.persona.findFirst({
    ...query,
    where: { AND: [{ id }, visibleTo(ctx), projectId ? { projectId } : {}] },
  });
  if (!persona) throw notFound();
  return persona;
}

export interface PersonaFilter {
  projectId?: string | null;
  search?: string | null;
  includeSystem?: boolean | null;
  status?: string | null;
}

/** The GraphQL connection's rows: Pothos supplies cursor, take, skip and the nested selection. */
export async function findPersonas(ctx: ServiceContext, filter: PersonaFilter, query: Prisma.PersonaFindManyArgs): Promise<Persona[]> {
  requireScope(ctx, 'persona:read');
  const and: Prisma.PersonaWhereInput[] = [
    filter.includeSystem === false ? { teamId: ctx.actor.teamId } : visibleTo(ctx),
  ];
  if (filter.projectId) and.push({ projectId: (await projects.resolveProject(ctx, filter.projectId)).id });
  if (filter.status) and.push({ status: filter.status });
  if (filter.search) {
    and.push({
      OR: [
        { name: { contains: filter.search, mode: 'insensitive' } },
        { description: { contains: filter.search, mode: 'insensitive' } },
      ],
    });
  }
  return ctx.deps.prisma.persona.findMany({ ...query, where: { AND: and } });
}

/** Every persona of a project, oldest first (EvalStudio's plain array). */
export async function listProjectPersonas(ctx: ServiceContext, projectRef: string): Promise<Persona[]> {
  requireScope(ctx, 'persona:read');
  const project = await projects.resolveProject(ctx, projectRef);
  return ctx.deps.prisma.persona.findMany({
    where: { teamId: ctx.actor.teamId, projectId: project.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

/**
 * Autousers' list: the team's personas outside projects plus the system
 * library, newest first, `limit` at a time after the `starting_after` id.
 */
export async function listAutousers(ctx: ServiceContext, raw: unknown): Promise<Page<Persona>> {
  requireScope(ctx, 'persona:read');
  const input = parseInput(PersonaListInput, raw);
  const where: Prisma.PersonaWhereInput = { OR: [{ teamId: ctx.actor.teamId, projectId: null }, { isSystem: true }] };
  return keysetPage(input, 'an autouser', {
    anchor: (id) => ctx.deps.prisma.persona.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.persona.findMany({ where, ...page }),
  });
}

const COLUMNS = ['id', 'teamId', 'projectId', 'name', 'description', 'systemPrompt', 'role', 'avatar', 'imageUrl', 'status', 'visibility', 'capabilities', 'config', 'headers'] as const;
const jsonParam = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

/** One persona's column values, in COLUMNS order (the defaults Prisma's schema gives). */
function row(ctx: ServiceContext, projectId: string | null, input: CreatePersonaInput): unknown[] {
  return [
    randomUUID(),
    ctx.actor.teamId,
    projectId,
    input.name,
    input.description ?? null,
    input.systemPrompt ?? null,
    input.role ?? 'autouser',
    input.avatar ?? null,
    input.imageUrl ?? null,
    input.status ?? 'published',
    input.visibility ?? 'private',
    jsonParam(input.capabilities),
    jsonParam(input.config),
    jsonParam(input.headers),
  ];
}

/**
 * Inserts personas in one statement (all or none) and returns them in order.
 * Plain SQL, prepared once per batch size: creating personas is a hot path,
 * and Prisma's create costs several times the INSERT.
 */
async function insertRows(ctx: ServiceContext, rows: unknown[][]): Promise<Persona[]> {
  const n = COLUMNS.length;
  const values = rows.map((_, r) => `(${COLUMNS.map((_, c) => `$${r * n + c + 1}`).join(', ')}, now())`).join(', ');
  const text = `INSERT INTO "Persona" (${COLUMNS.map((c) => `"${c}"`).join(', ')}, "updatedAt") VALUES ${values} RETURNING *`;
  const inserted = await ctx.deps.sql.rows<Persona>(`persona_insert_${rows.length}`, text, rows.flat());
  const byId = new Map(inserted.map((p) => [p.id, p]));
  return rows.map((r) => byId.get(r[0] as string)!);
}

async function insert(ctx: ServiceContext, projectId: string | null, input: CreatePersonaInput): Promise<Persona> {
  try {
    // Names are unique within a project; the unique index settles concurrent duplicates.
    const persona = (await insertRows(ctx, [row(ctx, projectId, input)]))[0]!;
    await publish(ctx, 'created', persona);
    return persona;
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function createPersona(ctx: ServiceContext, raw: unknown, scope: PersonaScope = {}): Promise<Persona> {
  requireScope(ctx, 'persona:write');
  const input = parseInput(CreatePersonaInput, raw);
  const projectId = scope.projectId ? (await projects.resolveProject(ctx, scope.projectId)).id : null;
  return insert(ctx, projectId, input);
}

/** The most personas one createPersonas call writes. */
export const MAX_BULK_PERSONAS = 100;

/**
 * Creates several personas in one statement, so all of them or none are
 * written (a duplicate name in a project refuses the whole call); returned
 * in the order given.
 */
export async function createPersonas(ctx: ServiceContext, raw: unknown[], scope: PersonaScope = {}): Promise<Persona[]> {
  requireScope(ctx, 'persona:write');
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_BULK_PERSONAS) {
    throw new ValidationError(`inputs must hold 1 to ${MAX_BULK_PERSONAS} personas`, 'inputs');
  }
  const inputs = raw.map((r, i) => {
    try {
      return parseInput(CreatePersonaInput, r);
    } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError(`inputs[${i}]: ${err.message}`, `inputs.${i}.${err.param ?? ''}`.replace(/\.$/, ''));
      throw err;
    }
  });
  // Each input's projectId wins over the call's; each project is resolved once.
  const wanted = inputs.map((_, i) => (raw[i] as { projectId?: string | null }).projectId ?? scope.projectId ?? null);
  const resolved = new Map<string, string>();
  for (const p of new Set(wanted)) if (p) resolved.set(p, (await projects.resolveProject(ctx, p)).id);
  const projectIds = wanted.map((p) => (p ? resolved.get(p)! : null));
  const keys = inputs.map((input, i) => (projectIds[i] ? `${projectIds[i]}\u0000${input.name}` : null)).filter(Boolean);
  if (new Set(keys).size !== keys.length) throw duplicate();
  try {
    const created = await insertRows(ctx, inputs.map((input, i) => row(ctx, projectIds[i]!, input)));
    for (const persona of created) await publish(ctx, 'created', persona);
    return created;
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

/** Autousers' create: the body names the team, which must be the caller's. */
export async function createAutouser(ctx: ServiceContext, raw: unknown): Promise<Persona> {
  requireScope(ctx, 'persona:write');
  const { teamId, ...input } = parseInput(CreateAutouserInput, raw);
  if (teamId !== ctx.actor.teamId) {
    throw new ValidationError('teamId must be the id of the team that owns this API key', 'teamId', 'invalid_team');
  }
  return insert(ctx, null, input);
}

async function findWritable(ctx: ServiceContext, id: string, scope: PersonaScope, query: PrismaQuery = {}): Promise<Persona> {
  const persona = await getPersona(ctx, id, scope, fullRowWith('Persona', query));
  if (persona.isSystem) throw new PersonaReadOnlyError();
  return persona;
}

export async function updatePersona(ctx: ServiceContext, id: string, raw: unknown, scope: PersonaScope = {}): Promise<Persona> {
  requireScope(ctx, 'persona:write');
  const input = parseInput(UpdatePersonaInput, raw);
  const current = await findWritable(ctx, id, scope);
  try {
    const persona = await ctx.deps.prisma.persona.update({
      where: { id: current.id },
      data: {
        name: input.name,
        description: input.description,
        systemPrompt: input.systemPrompt,
        role: input.role,
        avatar: input.avatar,
        imageUrl: input.imageUrl,
        status: input.status,
        visibility: input.visibility,
        capabilities: json(input.capabilities),
        config: json(input.config),
        headers: json(input.headers),
      },
    });
    await publish(ctx, 'updated', persona);
    return persona;
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

/** `query` (GraphQL's selection) is loaded before the row goes: nothing can be read from it afterwards. */
export async function deletePersona(ctx: ServiceContext, id: string, scope: PersonaScope = {}, query: PrismaQuery = {}): Promise<Persona> {
  requireScope(ctx, 'persona:write');
  const persona = await findWritable(ctx, id, scope, query);
  const { count } = await ctx.deps.prisma.persona.deleteMany({ where: { id: persona.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw notFound(); // deleted concurrently
  await publish(ctx, 'deleted', persona);
  return persona;
}

/**
 * Draws a portrait from the persona's system prompt with the configured image
 * provider (project settings, then workspace, then OPENAI_API_KEY, else the
 * embedded provider), stores it as a project image and points imageUrl at it.
 */
export async function generatePersonaImage(ctx: ServiceContext, id: string, scope: PersonaScope = {}): Promise<Persona> {
  requireScope(ctx, 'persona:write');
  const persona = await findWritable(ctx, id, scope);
  if (!persona.systemPrompt?.trim()) {
    throw new ValidationError('Persona has no system prompt', 'systemPrompt', 'persona_without_prompt');
  }
  const settings = await projects.llmSettingsChain(ctx, persona.projectId);
  const provider = ctx.deps.ai.forImages(settings);
  const styleReferences = await projects.styleReferenceImages(ctx, persona.projectId);
  const prompt =
    `Head-and-shoulders portrait photo of the person described below, neutral background, natural light.\n` +
    `Name: ${persona.name}\n${persona.description ? `Summary: ${persona.description}\n` : ''}` +
    `Description: ${persona.systemPrompt}`;
  const image = await provider.generateImage({ prompt, styleReferences });
  const stored = await projects.storeImage(ctx, {
    projectId: persona.projectId,
    bytes: image.bytes,
    contentType: image.contentType,
    filename: `${persona.name}.png`,
    metadata: { ...image.metadata, personaId: persona.id },
  });
  const updated = await ctx.deps.prisma.persona.update({ where: { id: persona.id }, data: { imageUrl: stored.id } });
  await publish(ctx, 'updated', updated);
  return updated;
}

/** Keeps the built-in library in the database, by fixed id. */
export async function syncSystemPersonas(prisma: ServiceContext['deps']['prisma']): Promise<void> {
  for (const p of SYSTEM_PERSONAS) {
    const data = {
      name: p.name,
      role: p.role,
      description: p.description,
      systemPrompt: p.systemPrompt,
      capabilities: p.capabilities as unknown as Prisma.InputJsonValue,
      config: p.config as unknown as Prisma.InputJsonValue,
      isSystem: true,
      status: 'published',
      visibility: 'public',
      teamId: null,
      projectId: null,
    };
    await prisma.persona.upsert({ where: { id: p.id }, create: { id: p.id, ...data }, update: data });
  }
}

/** Subscribing to persona events needs the same scope as reading personas. */
export function assertCanWatch(ctx: ServiceContext): void {
  requireScope(ctx, 'persona:read');
}

/** Personas generated from a description (generate.ts): embedded offline generator or the project's OpenAI provider. */
export { generatePersonas, GeneratePersonasInput, GeneratedPersonasBody, MAX_GENERATED_PERSONAS, type GeneratedPersonas } from './generate.js';
export { EMBEDDED_PERSONA_MODEL } from './persona-generator.js';
