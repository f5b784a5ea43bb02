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
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { resolveAgent } from '../agents/service.js';
import { tierLimits } from '../users/service.js';
import { normalizePath, normalizePrefix } from './paths.js';

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

type Tx = Parameters<Parameters<ServiceContext['deps']['prisma']['$transaction']>[0]>[0];
type Db = ServiceContext['deps']['prisma'] | Tx;
type AgentWithTier = { id: string; user: { tier: string } };

interface Budget {
  tier: string;
  fileBytes: number;
  workspaceBytes: number;
  /** What is left of the workspace for this path (the file it replaces counts as free). */
  left: number;
  /** The server's own cap on a request body (BODY_LIMIT_BYTES), when it is lower than the plan's. */
  serverBytes: number;
}

/** How many bytes this file may have: the plan's per-file size and what is left of the workspace. */
async function budget(ctx: ServiceContext, db: Db, agent: AgentWithTier, path: string): Promise<Budget> {
  const limits = tierLimits(agent.user.tier);
  const [used, existing] = await Promise.all([
    db.agentFile.aggregate({ where: { agentId: agent.id }, _sum: { size: true } }),
    db.agentFile.findUnique({ where: { agentId_path: { agentId: agent.id, path } }, select: { size: true } }),
  ]);
  const left = limits.workspaceBytes - (used._sum.size ?? 0) + (existing?.size ?? 0);
  return { tier: agent.user.tier, fileBytes: limits.fileBytes, workspaceBytes: limits.workspaceBytes, left: Math.max(0, left), serverBytes: ctx.deps.config.bodyLimitBytes };
}

const allowedBytes = (b: Budget, viaRequest: boolean) => Math.min(b.fileBytes, b.left, viaRequest ? b.serverBytes : Infinity);

/** The error naming the limit that `size` (null: unknown, the body ran past `allowed`) breaks. */
function tooLarge(b: Budget, size: number | null, viaRequest: boolean): FileTooLargeError {
  const past = size ?? allowedBytes(b, viaRequest) + 1;
  if (past > b.fileBytes) {
    return new FileTooLargeError(`file is larger than the ${b.tier} tier's limit of ${b.fileBytes} bytes per file`, 'file_too_large');
  }
  if (viaRequest && past > b.serverBytes) {
    return new FileTooLargeError(`file is larger than this server's upload limit of ${b.serverBytes} bytes`, 'payload_too_large');
  }
  return new FileTooLargeError(`workspace is full: the ${b.tier} tier allows ${b.workspaceBytes} bytes per agent workspace`, 'workspace_full');
}

/**
 * Writes the file under a lock on the agent row, re-checking the plan with the
 * real size, so two uploads at once cannot together overfill a workspace.
 */
async function store(ctx: ServiceContext, agent: AgentWithTier, path: string, bytes: Buffer, contentType: string, viaRequest: boolean) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const data = { contentType, size: bytes.length, sha256, bytes: new Uint8Array(bytes) };
  return ctx.deps.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Agent" WHERE id = ${agent.id} FOR UPDATE`;
    const b = await budget(ctx, tx, agent, path);
    if (bytes.length > allowedBytes(b, viaRequest)) throw tooLarge(b, bytes.length, viaRequest);
    const existing = await tx.agentFile.findUnique({ where: { agentId_path: { agentId: agent.id, path } }, select: { id: true } });
    const file = await tx.agentFile.upsert({
      where: { agentId_path: { agentId: agent.id, path } },
      create: { teamId: ctx.actor.teamId, agentId: agent.id, path, ...data },
      update: data,
      select: infoSelect,
    });
    return { file, created: !existing };
  });
}

type FileRef = { user: string; agent: string; path: string };

/**
 * PUT: checks the path, then Content-Length against the plan before reading
 * a byte, then reads at most what the plan allows (413 as soon as it passes).
 */
export async function putFile(
  ctx: ServiceContext,
  ref: FileRef,
  body: { contentLength: number | null; contentType: string | undefined; read: (limit: number) => Promise<Buffer> },
): Promise<{ file: FileInfo; created: boolean }> {
  requireScope(ctx, 'agent:write');
  const path = normalizePath(ref.path);
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  const b = await budget(ctx, ctx.deps.prisma, agent, path);
  const allowed = allowedBytes(b, true);
  if (body.contentLength !== null && body.contentLength > allowed) throw tooLarge(b, body.contentLength, true);
  let bytes: Buffer;
  try {
    bytes = await body.read(allowed);
  } catch (err) {
    if (err instanceof AppError && err.httpStatus === 413) throw tooLarge(b, null, true);
    throw err;
  }
  return store(ctx, agent, path, bytes, contentTypeOf(body.contentType), true);
}

/** PUT or DELETE on the workspace itself (…/files with no path): a write that names no file. */
export function refuseWorkspaceWrite(ctx: ServiceContext): never {
  requireScope(ctx, 'agent:write');
  throw new ValidationError('invalid file path: it names no file', 'path', 'invalid_path');
}

export async function getFile(ctx: ServiceContext, ref: FileRef): Promise<AgentFile> {
  requireScope(ctx, 'agent:read');
  const path = normalizePath(ref.path);
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  const file = await ctx.deps.prisma.agentFile.findUnique({ where: { agentId_path: { agentId: agent.id, path } } });
  if (!file) throw fileNotFound();
  return file;
}

export async function deleteFile(ctx: ServiceContext, ref: FileRef): Promise<void> {
  requireScope(ctx, 'agent:write');
  const path = normalizePath(ref.path);
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  const { count } = await ctx.deps.prisma.agentFile.deleteMany({ where: { agentId: agent.id, path } });
  if (count === 0) throw fileNotFound();
}

/** GraphQL Agent.files: the agent is already resolved (and in the caller's team) by the parent field. */
export async function listFiles(ctx: ServiceContext, agentId: string, prefix?: string): Promise<FileInfo[]> {
  requireScope(ctx, 'agent:read');
  return listAgentFiles(ctx, agentId, prefix);
}

/** GET …/files: the workspace listing (metadata only). */
export async function listFilesOf(ctx: ServiceContext, ref: { user: string; agent: string }, prefix?: string): Promise<FileInfo[]> {
  requireScope(ctx, 'agent:read');
  const agent = await resolveAgent(ctx, ref.user, ref.agent);
  return listAgentFiles(ctx, agent.id, prefix);
}

// --- For the agent runtime's tools (the agent is already resolved and authorised) ---

export async function listAgentFiles(ctx: ServiceContext, agentId: string, prefix?: string): Promise<FileInfo[]> {
  const p = normalizePrefix(prefix);
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

export async function writeAgentFile(
  ctx: ServiceContext,
  agentId: string,
  path: string,
  bytes: Buffer,
  contentType = 'text/plain; charset=utf-8',
): Promise<{ file: FileInfo; created: boolean }> {
  const p = normalizePath(path);
  const agent = await ctx.deps.prisma.agent.findFirst({ where: { id: agentId, teamId: ctx.actor.teamId }, select: { id: true, user: { select: { tier: true } } } });
  if (!agent) throw new NotFoundError('agent not found', 'agent_not_found');
  return store(ctx, agent, p, bytes, contentTypeOf(contentType), false);
}
