/**
 * Operations endpoints, outside the API families and without a key:
 *   GET /livez    the process is up and serving (200 always)
 *   GET /readyz   it can do work: database answers, migrations applied, Redis answers (when configured);
 *                 503 with Retry-After and the failing checks otherwise (a load balancer takes it out of rotation)
 *   GET /metrics  Prometheus text format (src/infra/metrics.ts); with METRICS_TOKEN set, only with
 *                 `Authorization: Bearer <token>`
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import type { Deps } from '../context.js';
import { safeEqual } from '../infra/crypto.js';
import type { RateLimiter } from '../infra/rate-limit.js';

export const OPS_PATHS = new Set(['/livez', '/readyz', '/metrics']);

const MIGRATIONS_DIR = path.join(projectRoot, 'prisma/migrations');
let expectedMigrations: Promise<string[]> | null = null;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(deps: Deps, rateLimiter: RateLimiter): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const checks: Record<string, string> = {};
  try {
    await within(2000, deps.prisma.$queryRaw`SELECT 1`);
    checks.database = 'ok';
    expectedMigrations ??= readdir(MIGRATIONS_DIR, { withFileTypes: true }).then((d) => d.filter((e) => e.isDirectory()).map((e) => e.name));
    const expected = await expectedMigrations;
    const applied = await within(2000, deps.prisma.$queryRaw<{ migration_name: string }[]>`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL`);
    const have = new Set(applied.map((r) => r.migration_name));
    const missing = expected.filter((m) => !have.has(m));
    checks.migrations = missing.length ? `missing: ${missing.join(', ')}` : 'ok';
  } catch {
    checks.database = 'unreachable';
  }
  if (deps.config.redisUrl) checks.redis = (await rateLimiter.ping().catch(() => false)) ? 'ok' : 'unreachable';
  return { ready: Object.values(checks).every((v) => v === 'ok'), checks };
}

export async function handleOps(deps: Deps, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: `Method ${req.method} is not allowed on ${pathname}` }, { Allow: 'GET, HEAD' });
  if (pathname === '/livez') return json(res, 200, { status: 'alive' });
  if (pathname === '/readyz') {
    const { ready, checks } = await readiness(deps, deps.rateLimiter);
    return ready ? json(res, 200, { status: 'ready', checks }) : json(res, 503, { status: 'not ready', checks }, { 'Retry-After': '5' });
  }
  const token = deps.config.metricsToken;
  if (token) {
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!safeEqual(given, token)) return json(res, 401, { error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
  }
  const body = await deps.metrics.registry.metrics();
  res.writeHead(200, { 'Content-Type': deps.metrics.registry.contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}
