/**
 * Skills: a user's custom SKILL.md uploads, and skills installed from a
 * registry (SKILL_REGISTRY_URL) whose content must match the sha256 the
 * registry publishes; the installed content's hash is pinned. Skills apply to
 * all of the user's agents; their names and descriptions go into the system
 * prompt (src/modules/agents/templates.ts).
 *
 * Registry protocol: GET {registry}/skills/{slug} → {slug, version, sha256,
 * content?, url?}; the content is inline or fetched from `url`.
 */
import { createHash } from 'node:crypto';
import type { Skill } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { OutboundFailed, OutboundRefused, safeFetch, trustOrigins, type SafeResponse } from '../../infra/safe-fetch.js';
import { resolveUser, TierLimitError, tierLimits } from '../users/service.js';
import { writeLog } from '../logs/service.js';
import { MAX_SKILL_BYTES, decodeSkillText, parseSkillMd } from './skill-md.js';
import { clipText } from '../../infra/unicode.js';

const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const REGISTRY_TIMEOUT_MS = 10_000;

const skillNotFound = () => new NotFoundError('skill not found', 'skill_not_found');

export class RegistryError extends AppError {
  override name = 'RegistryError';
  constructor(message: string, httpStatus: number, code: string) {
    super(message, { code, httpStatus, type: httpStatus >= 500 ? 'api_error' : 'invalid_request_error' });
  }
}

function checkSlug(slug: string): string {
  if (!SLUG.test(slug)) throw new ValidationError('skill id must be 1–64 of a-z, 0-9, ".", "_" and "-", starting with a letter or digit', 'id', 'invalid_skill_id');
  return slug;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function save(
  ctx: ServiceContext,
  user: { id: string; tier: string },
  slug: string,
  content: string,
  source: { source: 'custom' | 'registry'; registryUrl?: string; version?: string | null },
): Promise<{ skill: Skill; created: boolean }> {
  const doc = parseSkillMd(content);
  const existing = await ctx.deps.prisma.skill.findUnique({ where: { userId_slug: { userId: user.id, slug } }, select: { id: true } });
  if (!existing) {
    const limits = tierLimits(user.tier);
    const count = await ctx.deps.prisma.skill.count({ where: { userId: user.id } });
    if (count >= limits.skills) throw new TierLimitError('skills', user.tier, `${limits.skills} skills`);
  }
  const data = {
    name: doc.name,
    description: doc.description,
    content,
    sha256: sha256(content),
    source: source.source,
    registryUrl: source.registryUrl ?? null,
    version: source.version ?? doc.version,
  };
  const skill = await ctx.deps.prisma.skill.upsert({
    where: { userId_slug: { userId: user.id, slug } },
    create: { teamId: ctx.actor.teamId, userId: user.id, slug, ...data },
    update: data,
  });
  return { skill, created: !existing };
}

/** What a SKILL.md upload may be sent as (no Content-Type is taken as Markdown too). */
const SKILL_TYPES = new Set(['text/markdown', 'text/x-markdown', 'text/plain']);

export class UnsupportedSkillTypeError extends AppError {
  override name = 'UnsupportedSkillTypeError';
  constructor(got: string) {
    super(`a skill file must be sent as text/markdown or text/plain, not ${got}`, { code: 'unsupported_content_type', httpStatus: 415, type: 'invalid_request_error', param: 'Content-Type' });
  }
}

export async function uploadSkill(
  ctx: ServiceContext,
  userRef: string,
  slug: string,
  body: { contentType: string | undefined; read: (limit: number) => Promise<Buffer> },
): Promise<{ skill: Skill; created: boolean }> {
  requireScope(ctx, 'agent:write');
  checkSlug(slug);
  const type = body.contentType?.split(';')[0]!.trim().toLowerCase();
  if (type && !SKILL_TYPES.has(type)) throw new UnsupportedSkillTypeError(clipText(type, 100));
  const user = await resolveUser(ctx, userRef);
  const text = decodeSkillText(await body.read(MAX_SKILL_BYTES));
  const result = await save(ctx, user, slug, text, { source: 'custom' });
  await writeLog(ctx, { userId: user.id, level: 'info', message: `skill ${slug} ${result.created ? 'uploaded' : 'replaced'}`, data: { sha256: result.skill.sha256 } });
  return result;
}

export async function deleteSkill(ctx: ServiceContext, userRef: string, slug: string): Promise<void> {
  requireScope(ctx, 'agent:write');
  const user = await resolveUser(ctx, userRef);
  const { count } = await ctx.deps.prisma.skill.deleteMany({ where: { userId: user.id, slug } });
  if (count === 0) throw skillNotFound();
  await writeLog(ctx, { userId: user.id, level: 'info', message: `skill ${slug} removed` });
}

export async function listSkills(ctx: ServiceContext, userId: string): Promise<Skill[]> {
  requireScope(ctx, 'agent:read');
  return ctx.deps.prisma.skill.findMany({ where: { userId, teamId: ctx.actor.teamId }, orderBy: { slug: 'asc' } });
}

/** Plain SQL: a chat's first token waits for it (the prompt lists the skills). */
const USER_SKILLS = `SELECT name, description FROM "Skill" WHERE "userId" = $1 AND "teamId" = $2 ORDER BY slug ASC`;

/** For the system prompt: every skill of the user, by name. */
export async function userSkills(ctx: ServiceContext, userId: string): Promise<{ name: string; description: string }[]> {
  return ctx.deps.sql.rows('user_skills', USER_SKILLS, [userId, ctx.actor.teamId]);
}

/**
 * One registry request through the outbound guard. The registry's own origin
 * (SKILL_REGISTRY_URL, the operator's setting) is trusted even on a private
 * address; a content URL elsewhere, and every redirect hop, must pass the
 * outbound policy (OUTBOUND_ALLOW_PRIVATE_NETWORKS / OUTBOUND_ALLOWED_HOSTS).
 */
async function registryGet(ctx: ServiceContext, url: string, accept: string, maxBytes: number): Promise<SafeResponse> {
  const registry = ctx.deps.config.skillRegistryUrl;
  try {
    return await safeFetch(url, {
      headers: { accept },
      timeoutMs: REGISTRY_TIMEOUT_MS,
      maxBytes,
      policy: trustOrigins(ctx.deps.config.outbound, [registry]),
    });
  } catch (e) {
    if (e instanceof OutboundRefused) throw new RegistryError(`the skill registry's URL was refused: ${e.message.replace(/^refused: /, '')}`, 422, 'registry_url_refused');
    if (e instanceof OutboundFailed && e.reason === 'too_large') throw new RegistryError(`the registry's skill is larger than ${maxBytes} bytes`, 422, 'registry_skill_too_large');
    if (e instanceof OutboundFailed && e.reason === 'broken') throw new RegistryError('the skill registry broke off its answer', 502, 'registry_unreachable');
    throw new RegistryError('the skill registry could not be reached', 502, 'registry_unreachable');
  }
}

export async function installFromRegistry(ctx: ServiceContext, userRef: string, slug: string): Promise<{ skill: Skill; created: boolean }> {
  requireScope(ctx, 'agent:write');
  checkSlug(slug);
  const user = await resolveUser(ctx, userRef);
  const registry = ctx.deps.config.skillRegistryUrl;
  if (!registry) throw new ValidationError('no skill registry is configured (set SKILL_REGISTRY_URL)', null, 'registry_not_configured');
  const entryUrl = `${registry.replace(/\/+$/, '')}/skills/${encodeURIComponent(slug)}`;
  const res = await registryGet(ctx, entryUrl, 'application/json', 1024 * 1024);
  if (res.status === 404) throw new NotFoundError('skill not found in registry', 'registry_skill_not_found');
  if (res.status < 200 || res.status > 299) throw new RegistryError(`the skill registry answered ${res.status}`, 502, 'registry_error');
  let entry: { sha256?: unknown; version?: unknown; content?: unknown; url?: unknown };
  try {
    entry = JSON.parse(res.text());
  } catch {
    throw new RegistryError('the skill registry answered with malformed JSON', 502, 'registry_error');
  }
  if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(entry.sha256)) {
    throw new RegistryError('the skill registry published no sha256 for this skill', 502, 'registry_error');
  }
  let bytes: Buffer;
  if (typeof entry.content === 'string') bytes = Buffer.from(entry.content, 'utf8');
  else if (typeof entry.url === 'string') {
    let contentUrl: string;
    try {
      contentUrl = new URL(entry.url, entryUrl).toString();
    } catch {
      throw new RegistryError("the skill registry gave an invalid url for the skill's content", 502, 'registry_error');
    }
    const c = await registryGet(ctx, contentUrl, 'text/markdown, text/plain', MAX_SKILL_BYTES);
    if (c.status < 200 || c.status > 299) throw new RegistryError(`the skill registry answered ${c.status} for the skill's content`, 502, 'registry_error');
    bytes = c.body;
  } else throw new RegistryError('the skill registry gave neither content nor a url', 502, 'registry_error');
  if (bytes.length > MAX_SKILL_BYTES) throw new RegistryError(`the registry's skill is larger than ${MAX_SKILL_BYTES} bytes`, 422, 'registry_skill_too_large');

  // The hash is checked on the bytes as received, before anything else is made of them.
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== entry.sha256.toLowerCase()) {
    await writeLog(ctx, { userId: user.id, level: 'warn', message: `refused skill ${slug}: content does not match the registry's sha256`, data: { published: entry.sha256, actual } });
    throw new RegistryError("skill content does not match the registry's published sha256", 422, 'registry_hash_mismatch');
  }
  const content = decodeSkillText(bytes);
  const version = typeof entry.version === 'string' || typeof entry.version === 'number' ? String(entry.version) : null;
  const result = await save(ctx, user, slug, content, { source: 'registry', registryUrl: registry, version });
  await writeLog(ctx, { userId: user.id, level: 'info', message: `skill ${slug} installed from the registry`, data: { version, sha256: actual } });
  return result;
}
