/**
 * Fixed one-minute windows per API key through rate-limiter-flexible (chosen
 * for its maintained memory and Redis stores with the same API). In-process
 * by default; Redis when REDIS_URL is set, so limits hold across processes.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import { watchRedis } from './redis.js';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  headers: Record<string, string>;
}

const WINDOW_SECONDS = 60;
const MAX_SPENT = 10_000;

function decision(res: RateLimiterRes, limit: number, allowed: boolean): RateLimitDecision {
  const remaining = Math.max(0, res.remainingPoints);
  const resetSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${limit};w=${WINDOW_SECONDS}`,
    RateLimit: `limit=${limit}, remaining=${remaining}, reset=${resetSeconds}`,
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(Math.ceil((Date.now() + res.msBeforeNext) / 1000)),
  };
  if (!allowed) headers['Retry-After'] = String(resetSeconds);
  return { allowed, limit, remaining, resetSeconds, headers };
}

export class RateLimiter {
  private readonly limiters = new Map<number, RateLimiterAbstract>();
  private readonly redis: Redis | null;
  /** Keys this process saw spend their whole budget, until their window resets (see exhausted()). */
  private readonly spent = new Map<string, { resetsAt: number }>();

  constructor(redisUrl: string | null, log?: Logger) {
    this.redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false }) : null;
    if (this.redis && log) watchRedis(this.redis, log, 'rate limits');
  }

  private limiterFor(limit: number): RateLimiterAbstract {
    let limiter = this.limiters.get(limit);
    if (!limiter) {
      const opts = { points: limit, duration: WINDOW_SECONDS, keyPrefix: `pg:rl:${limit}` };
      // While Redis is away, each process keeps counting in memory (rate-limiter-flexible's insurance
      // limiter): limits hold per process instead of failing every request.
      limiter = this.redis
        ? new RateLimiterRedis({ ...opts, storeClient: this.redis, insuranceLimiter: new RateLimiterMemory(opts) })
        : new RateLimiterMemory(opts);
      this.limiters.set(limit, limiter);
    }
    return limiter;
  }

  /** Spends `points` (operations) of the key's budget for this minute. */
  async consume(keyId: string, limit: number, points = 1): Promise<RateLimitDecision> {
    let res: RateLimiterRes;
    let allowed = true;
    try {
      res = await this.limiterFor(limit).consume(keyId, points);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      res = err;
      allowed = false;
    }
    const id = `${limit}:${keyId}`;
    if (res.consumedPoints >= limit) {
      if (this.spent.size >= MAX_SPENT) this.spent.delete(this.spent.keys().next().value!); // the oldest
      this.spent.set(id, { resetsAt: Date.now() + res.msBeforeNext });
    } else this.spent.delete(id);
    return decision(res, limit, allowed);
  }

  /**
   * Without spending anything or asking the store: the refusal if this process saw the key spend this
   * minute's whole budget (null otherwise), so a caller can answer 429 before doing any work for the
   * request (e.g. parsing a GraphQL document). Other processes learn it at their own next consume.
   */
  exhausted(keyId: string, limit: number): RateLimitDecision | null {
    const spent = this.spent.get(`${limit}:${keyId}`);
    if (!spent) return null;
    if (spent.resetsAt <= Date.now()) {
      this.spent.delete(`${limit}:${keyId}`);
      return null;
    }
    return decision(new RateLimiterRes(0, spent.resetsAt - Date.now(), limit), limit, false);
  }

  /** Whether Redis answers (true without Redis: nothing to reach). */
  async ping(): Promise<boolean> {
    if (!this.redis) return true;
    const redis = this.redis;
    try {
      // Without an offline queue a command fails at once while (re)connecting: give the connection a moment first.
      if (redis.status !== 'ready') {
        await new Promise<void>((resolve) => {
          const done = () => (clearTimeout(timer), redis.off('ready', done), resolve());
          const timer = setTimeout(done, 2000);
          redis.once('ready', done);
        });
      }
      return (await Promise.race([redis.ping(), new Promise<string>((r) => setTimeout(() => r('timeout'), 2000).unref())])) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}
