/**
 * Agents' workspace files: bytes kept as uploaded with their content type,
 * under normalised paths (paths.ts), within the user's plan (file and
 * workspace sizes answer 413 before the body is buffered). The agent runtime's
 * file tools use the same functions, so the same rules hold for them.
 */
import { createHash } from 'node:crypto';
import type { AgentFile } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError } from '../../errors.js';
import { resolveAgent } from '../agents/lookup.js';
import { tierLimits } from '../users/tiers.js';
import { normalizePath } from './paths.js';

export type FileInfo = Pick<AgentFile, 'path' | 'size' | 'contentType' | 'sha256' | 'createdAt' | 'updatedAt'>;
const infoSelect = { path: true, size: true, contentType: true, sha256: true, createdAt: true, updatedAt: true } as const;

const fileNotFound = () => new NotFoundError('file not found', 'file_not_found');

export class FileTooLargeError extends AppError {
  override name = 'FileTooLargeError';
  constructor(message: string, code: string) {
    super(message, { code, httpStatus: 413, type: 'invalid_request_error', param: 'body' });
  }
}

const DEFAULT_TYPE = 'application/octet-stream';

function contentTypeOf(header: string | undefined | null): string {
  const t = (header ?? '').trim();
  return t && t.length <= 255 && /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(t) ? t : DEFAULT_TYPE;
}

/** How many bytes this file may have: the plan's per-file size and what is left of the workspace. */
async function budget(ctx: ServiceContext, agent: { id: string; user: { tier: string } }, path: string) {
  const limits = tierLimits(agent.user.tier);
  const [used, existing] = await Promise.all([
    ctx.deps.prisma.agentFile.aggregate({ where: { agentId: agent.id }, _sum: { size: true } }),
    ctx.deps.prisma.agentFile.findUnique({ where: { agentId_path: { agentId: agent.id, path } }, select: { size: true } }),
  ]);
  const left = limits.workspaceBytes - (used._sum.size ?? 0) + (existing?.size ?? 0);
  return { limits, left, tier: agent.user.tier };
}

function tooLarge(b: Awaited<ReturnType<typeof budget>>, size: number | null): FileTooLargeError {
  if (size === null || size > b.limits.fileBytes) {
    return new FileTooLargeError(`file is larger than the ${b.tier} tier's limit of ${b.limits.fileBytes} bytes per file`, 'file_too_large');
  }
  return new FileTooLargeError(`workspace is full: the ${b.tier} tier allows ${b.limits.workspaceBytes} bytes per agent workspace`, 'workspace_full');
}

async function store(ctx: ServiceContext, agentId: string, path: string, bytes: Buffer, contentType: string) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const data = { contentType, size: bytes.length, sha256, bytes: new Uint8Array(bytes) };
  const existing = await ctx.deps.prisma.agentFile.findUnique({ where: { agentId_path: { agentId, path } }, select: { id: true } });
  const file = await ctx.deps.prisma.agentFile.upsert({
    where: { agentId_path: { agentId, path } },
    create: { teamId: ctx.actor.teamId, agentId, path, ...data },
    update: data,
    select: infoSelect,
  });
  return { file, created: !existing };
}

/**
 * PUT: checks the path, then Content-Length against the plan before reading
 * a byte, then reads at most what the plan allows (413 as soon as it passes).
 */
export async function putFile(
  ctx: ServiceContext,
  ref: { user: string; agent: string; path: string },
  body: { contentLength: number | null; contentType: string | undefined; read: (limit: number) => Promise<Buffer> },
): Promise<{ file: FileInfo; created: boolean }> {
  requireScope(ctx, 'agent:write');
  const path = normalizePath(ref.path);
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  const b = await budget(ctx, agent, path);
  const allowed = Math.min(b.limits.fileBytes, Math.max(0, b.left));
  if (body.contentLength !== null && body.contentLength > allowed) throw tooLarge(b, body.contentLength);
  let bytes: Buffer;
  try {
    bytes = await body.read(allowed);
  } catch (err) {
    if (err instanceof AppError && err.httpStatus === 413) throw tooLarge(b, null);
    throw err;
  }
  return store(ctx, agent.id, path, bytes, contentTypeOf(body.contentType));
}

export async function getFile(ctx: ServiceContext, ref: { user: string; agent: string; path: string }): Promise<AgentFile> {
  requireScope(ctx, 'agent:read');
  const path = normalizePath(ref.path);
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  const file = await ctx.deps.prisma.agentFile.findUnique({ where: { agentId_path: { agentId: agent.id, path } } });
  if (!file) throw fileNotFound();
  return file;
}

export async function deleteFile(ctx: ServiceContext, ref: { user: string; agent: string; path: string }): Promise<void> {
  requireScope(ctx, 'agent:write');
  const path = normalizePath(ref.path);
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  const { count } = await ctx.deps.prisma.agentFile.deleteMany({ where: { agentId: agent.id, path } });
  if (count === 0) throw fileNotFound();
}

export async function listFiles(ctx: ServiceContext, agentId: string, prefix?: string): Promise<FileInfo[]> {
  requireScope(ctx, 'agent:read');
  return listAgentFiles(ctx, agentId, prefix);
}

// --- For the agent runtime's tools (the agent is already resolved and authorised) ---

export async function listAgentFiles(ctx: ServiceContext, agentId: string, prefix?: string): Promise<FileInfo[]> {
  // A prefix may name a directory ("docs/"): normalise the rest, keep the slash.
  const trimmed = prefix?.replace(/\/+$/, '') ?? '';
  const p = trimmed ? normalizePath(trimmed) + (prefix!.endsWith('/') ? '/' : '') : null;
  return ctx.deps.prisma.agentFile.findMany({
    where: { agentId, teamId: ctx.actor.teamId, ...(p ? { path: { startsWith: p } } : {}) },
    select: infoSelect,
    orderBy: { path: 'asc' },
  });
}

export async function readAgentFile(ctx: ServiceContext, agentId: string, path: string): Promise<AgentFile> {
  const file = await ctx.deps.prisma.agentFile.findFirst({ where: { agentId, teamId: ctx.actor.teamId, path: normalizePath(path) } });
  if (!file) throw fileNotFound();
  return file;
}

export async function writeAgentFile(ctx: ServiceContext, agentId: string, path: string, bytes: Buffer, contentType = 'text/plain; charset=utf-8') {
  const p = normalizePath(path);
  const agent = await ctx.deps.prisma.agent.findFirstOrThrow({ where: { id: agentId, teamId: ctx.actor.teamId }, include: { user: true } });
  const b = await budget(ctx, agent, p);
  if (bytes.length > Math.min(b.limits.fileBytes, b.left)) throw tooLarge(b, bytes.length);
  return store(ctx, agentId, p, bytes, contentTypeOf(contentType));
}
