/**
 * Resolved keys, kept for a few seconds (AUTH_CACHE_MS, default 5000; 0
 * turns it off) so a busy client costs no SQL per request for its key. A
 * revoke, rotation, agent-key change or deletion calls `credentialsChanged`:
 * this process forgets every entry at once, and the broadcast makes every
 * other process that shares the pubsub (Redis) do the same and check its open
 * sockets and streams again (live-sessions.ts); a process that misses it (the
 * CLI, a Redis outage) sees the change within AUTH_CACHE_MS. An entry never outlives its key's expiresAt.
 * Failed look-ups are not kept: a new key works at once.
 */
import type { Actor, Deps } from '../../context.js';

interface Entry {
  actor: Actor;
  /** The api key's row id (null for an agent key): its lastUsedAt is written at most once a minute. */
  keyId: string | null;
  expiresAt: number | null;
  cachedAt: number;
  lastUsedAt: number;
}

const MAX_ENTRIES = 10_000;
const caches = new WeakMap<Deps, Map<string, Entry>>();

function cacheOf(deps: Deps): Map<string, Entry> {
  let c = caches.get(deps);
  if (!c) caches.set(deps, (c = new Map()));
  return c;
}

export function cachedKey(deps: Deps, hash: string, now: number): Entry | null {
  const ttl = deps.config.authCacheMs;
  if (!ttl) return null;
  const c = cacheOf(deps);
  const e = c.get(hash);
  if (!e) return null;
  if (now - e.cachedAt > ttl || (e.expiresAt !== null && e.expiresAt <= now)) {
    c.delete(hash);
    return null;
  }
  return e;
}

export function rememberKey(deps: Deps, hash: string, entry: Omit<Entry, 'cachedAt'>, now: number): void {
  if (!deps.config.authCacheMs) return;
  const c = cacheOf(deps);
  if (c.size >= MAX_ENTRIES) c.delete(c.keys().next().value!); // the oldest
  c.set(hash, { ...entry, cachedAt: now });
}

/** After a key, agent or user changed: every process forgets its cached keys and checks the team's open sessions. */
export function credentialsChanged(deps: Deps, teamId: string): void {
  forgetKeys(deps);
  deps.pubsub.publish('auth.credentials', { teamId });
}

/** After any change to keys: the next request of every key reads the database again. */
export function forgetKeys(deps: Deps): void {
  caches.get(deps)?.clear();
}
