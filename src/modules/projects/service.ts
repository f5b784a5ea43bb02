/**
 * EvalStudio projects: a team's namespaces for personas, each with a config
 * (LLM settings, concurrency, style references) layered over the team's
 * workspace defaults, and project images stored in the database.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Prisma, type Image, type Project } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { maskSecret } from '../../infra/crypto.js';
import type { LlmSettings } from '../../infra/ai/choice.js';
import { checkLlmBaseUrl } from '../../infra/ai/client.js';
import { parseInput } from '../../validation.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import { fullRowWith } from '../../infra/db/query.js';
import { CreateProjectInput, ProjectConfigInput, UploadImageInput, WorkspaceConfigInput, type ConfigPatch } from './inputs.js';

const projectNotFound = () => new NotFoundError('Project not found', 'project_not_found');
const imageNotFound = () => new NotFoundError('Image not found', 'image_not_found');
export const DEFAULT_MAX_CONCURRENCY = 3;
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/** What is stored in Workspace.config and Project.config (secrets sealed). */
interface StoredConfig {
  llmSettings?: { provider: string; apiKeySealed?: string | null; baseUrl?: string | null; models?: Record<string, string> | null } | null;
  maxConcurrency?: number | null;
  styleReferenceImageIds?: string[] | null;
}

export interface EffectiveConfig {
  llmSettings: { provider: string; apiKey: string | null; baseUrl: string | null; models: Record<string, string> } | null;
  maxConcurrency: number;
  styleReferenceImageIds: string[];
}


/** A project by full id or by a unique prefix of 8 or more characters. */
export async function resolveProject(ctx: ServiceContext, ref: string): Promise<Project> {
  const teamId = ctx.actor.teamId;
  const exact = await ctx.deps.prisma.project.findFirst({ where: { id: ref, teamId } });
  if (exact) return exact;
  // Only id characters can form a prefix (LIKE wildcards such as % and _ must not match anything).
  if (ref.length < 8 || ref.length > 64 || !/^[0-9a-f-]+$/i.test(ref)) throw projectNotFound();
  const matches = await ctx.deps.prisma.project.findMany({ where: { teamId, id: { startsWith: ref } }, take: 2 });
  if (matches.length === 0) throw projectNotFound();
  if (matches.length > 1) throw new ValidationError('Project id prefix matches more than one project', 'projectId', 'ambiguous_project_id');
  return matches[0]!;
}

export async function listProjects(ctx: ServiceContext): Promise<Project[]> {
  requireScope(ctx, 'persona:read');
  return ctx.deps.prisma.project.findMany({ where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export async function getProject(ctx: ServiceContext, ref: string): Promise<Project> {
  requireScope(ctx, 'persona:read');
  return resolveProject(ctx, ref);
}

export async function createProject(ctx: ServiceContext, raw: unknown): Promise<Project> {
  requireScope(ctx, 'persona:write');
  const { name } = parseInput(CreateProjectInput, raw);
  try {
    return await ctx.deps.prisma.project.create({ data: { teamId: ctx.actor.teamId, name } });
  } catch (e) {
    if (isUniqueViolation(e)) throw new ConflictError('Project with name already exists', 'project_name_taken', 'name');
    throw e;
  }
}

/** Deletes the project and everything in it (personas, images). */
/** `query` (GraphQL's selection) is loaded before the rows go: nothing can be read from them afterwards. */
export async function deleteProject(
  ctx: ServiceContext,
  ref: string,
  query: { include?: Prisma.ProjectInclude; select?: Prisma.ProjectSelect } = {},
): Promise<Project> {
  requireScope(ctx, 'persona:write');
  const { id } = await resolveProject(ctx, ref);
  const project = await ctx.deps.prisma.project.findUniqueOrThrow({ ...fullRowWith('Project', query), where: { id } });
  await ctx.deps.prisma.project.delete({ where: { id } });
  return project;
}

function stored(json: Prisma.JsonValue | null | undefined): StoredConfig {
  return json && typeof json === 'object' && !Array.isArray(json) ? (json as StoredConfig) : {};
}

/**
 * Applies a PUT body to stored config: null clears, omitted keeps, an omitted apiKey keeps the old one.
 * A baseUrl the outbound policy refuses (loopback, private, link-local, metadata…) is a 400 naming
 * llmSettings.baseUrl; the guard checks again at every connection (names can resolve anywhere later).
 */
function applyPatch(ctx: ServiceContext, current: StoredConfig, patch: ConfigPatch): StoredConfig {
  const next: StoredConfig = { ...current };
  if (patch.llmSettings === null) delete next.llmSettings;
  else if (patch.llmSettings) {
    const { apiKey, ...rest } = patch.llmSettings;
    if (rest.baseUrl) checkLlmBaseUrl(ctx.deps.config, rest.baseUrl);
    const previous = current.llmSettings?.apiKeySealed ?? null;
    next.llmSettings = {
      provider: rest.provider,
      baseUrl: rest.baseUrl ?? null,
      models: rest.models ?? null,
      apiKeySealed: apiKey === undefined ? previous : apiKey === null ? null : ctx.deps.secrets.seal(apiKey),
    };
  }
  if (patch.maxConcurrency === null) delete next.maxConcurrency;
  else if (patch.maxConcurrency !== undefined) next.maxConcurrency = patch.maxConcurrency;
  if (patch.styleReferenceImageIds === null) delete next.styleReferenceImageIds;
  else if (patch.styleReferenceImageIds !== undefined) next.styleReferenceImageIds = [...new Set(patch.styleReferenceImageIds)];
  return next;
}

function openKey(ctx: ServiceContext, sealed: string | null | undefined): string | null {
  if (!sealed) return null;
  try {
    return ctx.deps.secrets.open(sealed);
  } catch {
    ctx.deps.log.error('a stored LLM API key cannot be decrypted: was SECRET_KEY changed?');
    return null;
  }
}

function effective(ctx: ServiceContext, layers: StoredConfig[]): EffectiveConfig {
  const pick = <K extends keyof StoredConfig>(k: K) => layers.find((l) => l[k] !== undefined && l[k] !== null)?.[k];
  const llm = pick('llmSettings');
  return {
    llmSettings: llm
      ? { provider: llm.provider, apiKey: openKey(ctx, llm.apiKeySealed), baseUrl: llm.baseUrl ?? null, models: llm.models ?? {} }
      : null,
    maxConcurrency: pick('maxConcurrency') ?? DEFAULT_MAX_CONCURRENCY,
    styleReferenceImageIds: pick('styleReferenceImageIds') ?? [],
  };
}

/** The config as the API shows it: API keys masked. */
export function maskConfig(config: EffectiveConfig) {
  return {
    ...config,
    llmSettings: config.llmSettings && { ...config.llmSettings, apiKey: config.llmSettings.apiKey ? maskSecret(config.llmSettings.apiKey) : null },
  };
}

async function workspaceConfig(ctx: ServiceContext): Promise<StoredConfig> {
  const ws = await ctx.deps.prisma.workspace.findUnique({ where: { teamId: ctx.actor.teamId } });
  return stored(ws?.config);
}

async function checkImageIds(ctx: ServiceContext, ids: string[] | null | undefined, projectId: string | null) {
  if (!ids?.length) return;
  const found = await ctx.deps.prisma.image.findMany({
    where: { id: { in: ids }, teamId: ctx.actor.teamId, ...(projectId ? { OR: [{ projectId }, { projectId: null }] } : {}) },
    select: { id: true },
  });
  const missing = ids.filter((id) => !found.some((f) => f.id === id));
  if (missing.length) throw new ValidationError(`Unknown image ids: ${missing.join(', ')}`, 'styleReferenceImageIds', 'image_not_found');
}

export async function getWorkspace(ctx: ServiceContext): Promise<EffectiveConfig> {
  requireScope(ctx, 'persona:read');
  return effective(ctx, [await workspaceConfig(ctx)]);
}

export async function updateWorkspace(ctx: ServiceContext, raw: unknown): Promise<EffectiveConfig> {
  requireScope(ctx, 'persona:write');
  const patch = parseInput(WorkspaceConfigInput, raw);
  await checkImageIds(ctx, patch.styleReferenceImageIds, null);
  const next = applyPatch(ctx, await workspaceConfig(ctx), patch);
  const json = next as Prisma.InputJsonValue;
  await ctx.deps.prisma.workspace.upsert({
    where: { teamId: ctx.actor.teamId },
    create: { teamId: ctx.actor.teamId, config: json },
    update: { config: json },
  });
  return effective(ctx, [next]);
}

export async function getProjectConfig(ctx: ServiceContext, ref: string): Promise<{ name: string } & EffectiveConfig> {
  requireScope(ctx, 'persona:read');
  const project = await resolveProject(ctx, ref);
  return { name: project.name, ...effective(ctx, [stored(project.config), await workspaceConfig(ctx)]) };
}

export async function updateProjectConfig(ctx: ServiceContext, ref: string, raw: unknown): Promise<{ name: string } & EffectiveConfig> {
  requireScope(ctx, 'persona:write');
  const patch = parseInput(ProjectConfigInput, raw);
  const project = await resolveProject(ctx, ref);
  await checkImageIds(ctx, patch.styleReferenceImageIds, project.id);
  const next = applyPatch(ctx, stored(project.config), patch);
  let updated: Project;
  try {
    updated = await ctx.deps.prisma.project.update({
      where: { id: project.id },
      data: { name: patch.name, config: next as Prisma.InputJsonValue },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new ConflictError('Project with name already exists', 'project_name_taken', 'name');
    throw e;
  }
  return { name: updated.name, ...effective(ctx, [next, await workspaceConfig(ctx)]) };
}

/** Project settings first, then the workspace's: what the AI layer chooses a provider from. */
export async function llmSettingsChain(ctx: ServiceContext, projectId: string | null): Promise<(LlmSettings | null)[]> {
  const layers: StoredConfig[] = [];
  if (projectId) {
    const project = await ctx.deps.prisma.project.findFirst({ where: { id: projectId, teamId: ctx.actor.teamId } });
    layers.push(stored(project?.config));
  }
  layers.push(await workspaceConfig(ctx));
  return layers.map((l) => {
    const s = l.llmSettings;
    return s ? { provider: s.provider, apiKey: openKey(ctx, s.apiKeySealed), baseUrl: s.baseUrl ?? null, models: s.models ?? null } : null;
  });
}

/** The style reference images that apply to a project (its own, else the workspace's). */
export async function styleReferenceImages(ctx: ServiceContext, projectId: string | null) {
  const layers: StoredConfig[] = [];
  if (projectId) {
    const project = await ctx.deps.prisma.project.findFirst({ where: { id: projectId, teamId: ctx.actor.teamId } });
    layers.push(stored(project?.config));
  }
  layers.push(await workspaceConfig(ctx));
  const ids = layers.find((l) => l.styleReferenceImageIds?.length)?.styleReferenceImageIds ?? [];
  if (!ids.length) return [];
  const images = await ctx.deps.prisma.image.findMany({ where: { id: { in: ids }, teamId: ctx.actor.teamId } });
  return images.map((i) => ({ bytes: Buffer.from(i.bytes), contentType: i.contentType, filename: i.id }));
}

const SIGNATURES: { type: string; ext: string; test: (b: Buffer) => boolean }[] = [
  { type: 'image/png', ext: 'png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', ext: 'jpg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/webp', ext: 'webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
  { type: 'image/gif', ext: 'gif', test: (b) => b.subarray(0, 6).toString('latin1').startsWith('GIF8') },
];

export class ImageTooLargeError extends AppError {
  override name = 'ImageTooLargeError';
  constructor() {
    super(`Image is larger than ${MAX_IMAGE_BYTES} bytes`, { code: 'image_too_large', httpStatus: 413, type: 'invalid_request_error', param: 'imageBase64' });
  }
}

export async function storeImage(
  ctx: ServiceContext,
  img: { projectId: string | null; bytes: Buffer; contentType?: string; filename?: string | null; metadata?: Record<string, unknown> },
): Promise<Image> {
  const sig = SIGNATURES.find((s) => s.test(img.bytes));
  if (!sig) throw new ValidationError('Image data must be a PNG, JPEG, WebP or GIF image', 'imageBase64', 'invalid_image');
  if (img.bytes.length > MAX_IMAGE_BYTES) throw new ImageTooLargeError();
  return ctx.deps.prisma.image.create({
    data: {
      id: `${randomUUID()}.${sig.ext}`,
      teamId: ctx.actor.teamId,
      projectId: img.projectId,
      contentType: sig.type,
      filename: img.filename ?? null,
      bytes: new Uint8Array(img.bytes),
      sha256: createHash('sha256').update(img.bytes).digest('hex'),
      metadata: (img.metadata ?? {}) as Prisma.InputJsonValue,
    },
  });
}

export async function uploadProjectImage(ctx: ServiceContext, ref: string, raw: unknown): Promise<Image> {
  requireScope(ctx, 'persona:write');
  const input = parseInput(UploadImageInput, raw);
  const project = await resolveProject(ctx, ref);
  const b64 = input.imageBase64.replace(/^data:[^;,]+;base64,/, '').replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new ValidationError('imageBase64 must be base64-encoded image data', 'imageBase64', 'invalid_image');
  return storeImage(ctx, { projectId: project.id, bytes: Buffer.from(b64, 'base64'), filename: input.filename ?? null, metadata: { source: 'upload' } });
}

export async function getProjectImage(ctx: ServiceContext, ref: string, id: string): Promise<Image> {
  requireScope(ctx, 'persona:read');
  const project = await resolveProject(ctx, ref);
  const image = await ctx.deps.prisma.image.findFirst({ where: { id, projectId: project.id, teamId: ctx.actor.teamId } });
  if (!image) throw imageNotFound();
  return image;
}

export async function deleteProjectImage(ctx: ServiceContext, ref: string, id: string): Promise<void> {
  requireScope(ctx, 'persona:write');
  const project = await resolveProject(ctx, ref);
  const { count } = await ctx.deps.prisma.image.deleteMany({ where: { id, projectId: project.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw imageNotFound();
}
