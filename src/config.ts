/**
 * The only reader of process.env. Every variable is validated once, at start;
 * every problem is reported together and the process exits non-zero.
 * `.env.example` documents each variable.
 */
import path from 'node:path';
import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { parseAllowedHost } from './infra/safe-fetch.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

/** `5s,5m,30m,2h` → milliseconds (units ms, s, m, h, d; a bare number is ms); `none` → []. */
export function parseDurationList(v: string): number[] | null {
  if (v.trim() === 'none') return [];
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(part);
    if (!m) return null;
    out.push(Math.round(Number(m[1]) * unit[m[2] ?? 'ms']!));
  }
  return out;
}

function isAllowedHostEntry(entry: string): boolean {
  try {
    parseAllowedHost(entry);
    return true;
  } catch {
    return false;
  }
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(pglite:.+|postgres(ql)?:\/\/.+)$/.test(v), {
      message: 'must be pglite:memory, pglite:<dir>, postgres://… or postgresql://…',
    })
    .optional(),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\/.+/.test(v), { message: 'must be redis://… or rediss://…' })
    .optional(),
  BOOTSTRAP_API_KEY: z.string().min(24, 'must be at least 24 characters').max(255).optional(),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  SECRET_KEYS_PREVIOUS: z
    .string()
    .refine((v) => v.split(',').every((k) => k.trim().length >= 32), { message: 'each comma-separated key must be at least 32 characters' })
    .optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  MAX_JSON_DEPTH: z.coerce.number().int().min(8).max(1000).default(64),
  IDEMPOTENCY_TTL_HOURS: z.coerce.number().positive().default(24),
  AUTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  KEY_ROTATION_GRACE_HOURS: z.coerce.number().min(0).default(24),
  AUTH_RECHECK_MS: z.coerce.number().int().min(50).max(300_000).default(5000),
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  OPENAI_IMAGE_MODEL: z.string().min(1).default('gpt-image-1'),
  OPENAI_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini'),
  OPENAI_VIDEO_MODEL: z.string().min(1).default('sora-2'),
  AGENT_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  SKILL_REGISTRY_URL: z.string().url('must be a URL').optional(),
  CHAT_HEARTBEAT_MS: z.coerce.number().int().min(50).max(60_000).default(15_000),
  CHAT_HTTP_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  CHAT_HTTP_TOOL_MAX_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024),
  JOB_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  JOB_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  JOB_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  RUN_LEASE_MS: z.coerce.number().int().min(300).max(3_600_000).default(30_000),
  MEDIA_MAX_UPLOAD_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PROCESS_ROLE: z.enum(['all', 'api', 'worker'], { message: 'must be all, api or worker' }).default('all'),
  PUBLIC_BASE_URL: z.string().url('must be a URL such as https://api.example.com').optional(),
  PUBLISH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  PUBLISH_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  ENGAGEMENT_POLL_MS: z.coerce.number().int().min(1000).default(15 * 60_000),
  X_API_BASE_URL: z.string().url().default('https://api.x.com'),
  TIKTOK_API_BASE_URL: z.string().url().default('https://open.tiktokapis.com'),
  INSTAGRAM_API_BASE_URL: z.string().url().default('https://graph.instagram.com/v23.0'),
  PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  OUTBOUND_ALLOWED_HOSTS: z
    .string()
    .refine((v) => v.split(',').every(isAllowedHostEntry), {
      message: 'must be a comma-separated list of host names, addresses or CIDRs (e.g. 127.0.0.1,::1,10.0.0.0/8,hooks.internal)',
    })
    .optional(),
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .refine((v) => parseDurationList(v) !== null, { message: 'must be a comma-separated list of durations such as 5s,5m,30m,2h (or none)' })
    .optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  EMBEDDED_AI: bool.default(true),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(1000).default(15),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(100_000).default(30),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(1_000_000).default(5000),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(100_000).default(50),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(50_000),
  GRAPHQL_DEFAULT_LIST_SIZE: z.coerce.number().int().min(1).max(10_000).default(10),
  GRAPHQL_COST_PER_RATE_UNIT: z.coerce.number().int().min(1).default(1000),
  GRAPHQL_MAX_LIST_ITEMS: z.coerce.number().int().min(1).default(100_000),
  GRAPHQL_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
  GRAPHQL_REFUSAL_RATE_POINTS: z.coerce.number().int().min(1).default(10),
  CORS_ORIGINS: z
    .string()
    .refine((v) => v.split(',').every((o) => /^https?:\/\/[^/\s]+$/.test(o.trim())), {
      message: 'must be a comma-separated list of origins such as https://app.example.com,http://localhost:5173 (scheme and host, no path)',
    })
    .optional(),
  EVALSTUDIO_LOCAL_MODE: bool.default(false),
  EVALSTUDIO_LOCAL_TEAM: z.string().min(1).max(200).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Every environment variable the server reads (the README's configuration table lists each: test/readme.test.ts). */
export const ENV_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export type DatabaseTarget =
  | { kind: 'pglite'; dataDir: string | null }
  | { kind: 'postgres'; url: string };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseTarget;
  redisUrl: string | null;
  bootstrapApiKey: string | null;
  secretKey: string | null;
  /** Older master keys that still decrypt stored secrets after a rotation. */
  previousSecretKeys: string[];
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  /** The deepest nesting of arrays/objects accepted in a JSON body, GraphQL variables or a websocket message (400 past it). */
  maxJsonDepth: number;
  idempotencyTtlMs: number;
  /** How long a resolved API key is trusted without a database look-up (0: never); src/modules/auth/key-cache.ts. */
  authCacheMs: number;
  keyRotationGraceMs: number;
  /** How often the key of every open websocket and stream is checked again (src/modules/auth/live-sessions.ts). */
  authRecheckMs: number;
  wsAuthTimeoutMs: number;
  shutdownTimeoutMs: number;
  openai: { apiKey: string | null; baseURL: string | null; imageModel: string; chatModel: string; videoModel: string };
  embeddedAi: boolean;
  /** Where registry-install finds skills; null: registry installs are refused with a clear error. */
  skillRegistryUrl: string | null;
  /** How often a chat SSE stream sends a heartbeat comment. */
  chatHeartbeatMs: number;
  /** The chat http_fetch tool: time bound and the most response bytes it reads. */
  chatHttpTool: { timeoutMs: number; maxBytes: number };
  /** Upper bound for an agent's provider check (deploy, ping). */
  agentCheckTimeoutMs: number;
  /** Durable jobs: lease (a dead worker's job is claimed again after it), poll interval, jobs run at once (0: this process runs none). */
  jobs: { leaseMs: number; pollMs: number; concurrency: number };
  /** In-memory work (chat runs, src/infra/leases.ts): a run whose process stopped renewing it for this long is ended as interrupted. */
  runLeaseMs: number;
  /** When set, /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  /**
   * What this process does: `all` (serve and run jobs), `api` (serve only; jobs
   * are left to workers) or `worker` (run jobs; HTTP answers /livez, /readyz and
   * /metrics only). Split roles need PostgreSQL (the embedded database is one process's).
   */
  role: 'all' | 'api' | 'worker';
  /** How the outside world reaches this server (no trailing slash); platforms fetch signed media links under it. Null: none. */
  publicBaseUrl: string | null;
  /** Publications: attempts before `failed`, and the first backoff (doubling, with jitter). */
  publishing: { maxAttempts: number; backoffMs: number };
  /** Social platforms: API base URLs (tests point them at local fakes), one request's time bound, the engagement poll interval. */
  platforms: { xBaseUrl: string; tiktokBaseUrl: string; instagramBaseUrl: string; timeoutMs: number; engagementPollMs: number };
  /** The largest media upload (image, audio, video) in bytes; also bounded by BODY_LIMIT_BYTES. */
  mediaMaxUploadBytes: number;
  /** Every outbound request (src/infra/safe-fetch.ts): private addresses refused unless allowed here; metadata always. Operator-set URLs are trusted on their own origin. */
  outbound: { allowPrivateNetworks: boolean; allowedHosts: string[] };
  /** Outbound webhooks: the delay before each retry (attempts = 1 + its length) and the time bound of one attempt. */
  webhooks: { retryScheduleMs: number[]; timeoutMs: number };
  /** What one GraphQL operation may ask for (src/graphql/limits.ts): document size, cost, answer size; cost also sets the rate-limit charge. */
  graphqlLimits: {
    maxDepth: number;
    maxAliases: number;
    maxTokens: number;
    maxDirectives: number;
    maxCost: number;
    /** The page size assumed for a list field without `first`/`last`/`limit` (a connection without them: Pothos' default of 20). */
    defaultListSize: number;
    /** Cost per unit of the per-minute rate limit: an operation pays ceil(cost / costPerRateUnit), at least 1. */
    costPerRateUnit: number;
    /** List items one operation may resolve (all levels together). */
    maxListItems: number;
    maxResponseBytes: number;
    /** What a document refused by a limit spends of the key's per-minute budget (it cost parsing and validating). */
    refusalRatePoints: number;
  };
  /**
   * EvalStudio local mode (EVALSTUDIO_LOCAL_MODE, off by default): requests to the EvalStudio paths
   * (/api/projects…, /api/workspace) that carry no key act for one team (`team`: its id or name; null: the
   * first team) with the EvalStudio scopes only, as the product's documented examples expect of a local tool.
   * Allowed only when HOST is a loopback address. Null: off.
   */
  evalStudioLocal: { team: string | null } | null;
  /** Browser origins allowed to call /graphql with credentials (reflected, Allow-Credentials); empty: `*` without credentials. */
  corsOrigins: string[];
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function databaseTarget(url: string | undefined, dataDir: string): DatabaseTarget {
  if (!url) return { kind: 'pglite', dataDir: path.resolve(dataDir, 'pglite') };
  if (url === 'pglite:memory') return { kind: 'pglite', dataDir: null };
  if (url.startsWith('pglite:')) return { kind: 'pglite', dataDir: path.resolve(url.slice('pglite:'.length)) };
  return { kind: 'postgres', url };
}

/** Whether a HOST to listen on is a loopback address only (`localhost`, 127.0.0.0/8, ::1). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (!ipaddr.isValid(h)) return false;
  return ipaddr.process(h).range() === 'loopback';
}

/** Reads configuration from an environment (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const database = databaseTarget(e.DATABASE_URL, e.DATA_DIR);
  if (e.PROCESS_ROLE !== 'all' && database.kind === 'pglite') {
    throw new ConfigError([`PROCESS_ROLE: ${e.PROCESS_ROLE} needs a shared PostgreSQL database (DATABASE_URL=postgres://…); the embedded database belongs to one process, which must do everything (all)`]);
  }
  if (e.EVALSTUDIO_LOCAL_MODE && !isLoopbackHost(e.HOST)) {
    throw new ConfigError([
      `EVALSTUDIO_LOCAL_MODE: answers EvalStudio paths without an API key, so the server must listen on a loopback address only (HOST=127.0.0.1, ::1 or localhost), not HOST=${e.HOST}`,
    ]);
  }
  if (e.EVALSTUDIO_LOCAL_TEAM && !e.EVALSTUDIO_LOCAL_MODE) {
    throw new ConfigError(['EVALSTUDIO_LOCAL_TEAM: names the team of EvalStudio local mode, which is off (set EVALSTUDIO_LOCAL_MODE=true, or unset it)']);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    database,
    redisUrl: e.REDIS_URL ?? null,
    bootstrapApiKey: e.BOOTSTRAP_API_KEY ?? null,
    secretKey: e.SECRET_KEY ?? null,
    previousSecretKeys: e.SECRET_KEYS_PREVIOUS ? e.SECRET_KEYS_PREVIOUS.split(',').map((k) => k.trim()) : [],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxJsonDepth: e.MAX_JSON_DEPTH,
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_HOURS * 3600_000,
    authCacheMs: e.AUTH_CACHE_MS,
    keyRotationGraceMs: e.KEY_ROTATION_GRACE_HOURS * 3600_000,
    authRecheckMs: e.AUTH_RECHECK_MS,
    wsAuthTimeoutMs: e.WS_AUTH_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    openai: { apiKey: e.OPENAI_API_KEY ?? null, baseURL: e.OPENAI_BASE_URL ?? null, imageModel: e.OPENAI_IMAGE_MODEL, chatModel: e.OPENAI_CHAT_MODEL, videoModel: e.OPENAI_VIDEO_MODEL },
    embeddedAi: e.EMBEDDED_AI,
    skillRegistryUrl: e.SKILL_REGISTRY_URL ?? null,
    chatHeartbeatMs: e.CHAT_HEARTBEAT_MS,
    chatHttpTool: { timeoutMs: e.CHAT_HTTP_TOOL_TIMEOUT_MS, maxBytes: e.CHAT_HTTP_TOOL_MAX_BYTES },
    agentCheckTimeoutMs: e.AGENT_CHECK_TIMEOUT_MS,
    jobs: { leaseMs: e.JOB_LEASE_MS, pollMs: e.JOB_POLL_MS, concurrency: e.JOB_CONCURRENCY },
    runLeaseMs: e.RUN_LEASE_MS,
    mediaMaxUploadBytes: e.MEDIA_MAX_UPLOAD_BYTES,
    outbound: {
      allowPrivateNetworks: e.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
      allowedHosts: e.OUTBOUND_ALLOWED_HOSTS ? e.OUTBOUND_ALLOWED_HOSTS.split(',').map((h) => h.trim()) : [],
    },
    webhooks: {
      retryScheduleMs: parseDurationList(e.WEBHOOK_RETRY_SCHEDULE ?? '5s,5m,30m,2h,5h,10h,10h,10h')!,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    },
    graphqlLimits: {
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      maxCost: e.GRAPHQL_MAX_COST,
      defaultListSize: e.GRAPHQL_DEFAULT_LIST_SIZE,
      costPerRateUnit: e.GRAPHQL_COST_PER_RATE_UNIT,
      maxListItems: e.GRAPHQL_MAX_LIST_ITEMS,
      maxResponseBytes: e.GRAPHQL_MAX_RESPONSE_BYTES,
      refusalRatePoints: e.GRAPHQL_REFUSAL_RATE_POINTS,
    },
    evalStudioLocal: e.EVALSTUDIO_LOCAL_MODE ? { team: e.EVALSTUDIO_LOCAL_TEAM ?? null } : null,
    corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    metricsToken: e.METRICS_TOKEN ?? null,
    role: e.PROCESS_ROLE,
    publicBaseUrl: e.PUBLIC_BASE_URL ? e.PUBLIC_BASE_URL.replace(/\/+$/, '') : null,
    publishing: { maxAttempts: e.PUBLISH_MAX_ATTEMPTS, backoffMs: e.PUBLISH_BACKOFF_MS },
    platforms: {
      xBaseUrl: e.X_API_BASE_URL.replace(/\/+$/, ''),
      tiktokBaseUrl: e.TIKTOK_API_BASE_URL.replace(/\/+$/, ''),
      instagramBaseUrl: e.INSTAGRAM_API_BASE_URL.replace(/\/+$/, ''),
      timeoutMs: e.PLATFORM_TIMEOUT_MS,
      engagementPollMs: e.ENGAGEMENT_POLL_MS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
