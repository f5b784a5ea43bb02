/**
 * Open sockets and streams end when their key stops being valid.
 *
 * Every long-lived connection (a graphql-ws socket, one per key it
 * authenticated; a GraphQL SSE response; a REST event stream) is registered
 * here with the sha256 of the key that opened it and a `close` callback. The
 * key is checked again (authenticateHash, through the key cache):
 * - at once, for the sessions of a team, when its credentials change: revoke
 *   or rotate an API key, rotate an agent key, delete an agent or a user.
 *   `credentialsChanged` (key-cache.ts) publishes on the pubsub (`auth.credentials`), so with
 *   Redis every process hears it, forgets its key cache and checks again;
 * - every AUTH_RECHECK_MS for every session, which covers what no event
 *   announces (a key expiring, a rotation's grace period ending) and a missed
 *   broadcast (then within AUTH_RECHECK_MS + AUTH_CACHE_MS).
 * A key that no longer authenticates closes its sessions (graphql-ws: 4401;
 * SSE: the stream ends). A failure to check (the database unreachable) closes
 * nothing; the next round tries again.
 */
import type { ServerResponse } from 'node:http';
import type { Actor, Deps } from '../../context.js';
import { AuthenticationError } from '../../errors.js';
import { sha256Hex } from '../../infra/crypto.js';
import { forgetKeys } from './key-cache.js';
import { authenticateHash } from './service.js';

/** The close reason sockets and streams are given (graphql-ws close 4401). */
export const REVOKED_REASON = 'API key revoked, expired or deleted';

interface Session {
  hash: string;
  teamId: string;
  close(reason: string): void;
}

export class LiveSessions {
  private readonly sessions = new Set<Session>();
  private timer: NodeJS.Timeout | null = null;
  private events: AsyncIterator<unknown> | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: Deps) {}

  start(): void {
    this.timer = setInterval(() => void this.recheck(), this.deps.config.authRecheckMs);
    this.timer.unref();
    const events = this.deps.pubsub.subscribe('auth.credentials')[Symbol.asyncIterator]();
    this.events = events;
    void (async () => {
      for (;;) {
        let next: IteratorResult<{ teamId: string }>;
        try {
          next = await events.next();
        } catch (err) {
          this.deps.log.warn({ err }, 'credentials broadcast stopped; open sessions are still checked every AUTH_RECHECK_MS');
          return;
        }
        if (next.done) return;
        forgetKeys(this.deps); // the change may have been made by another process
        void this.recheck(next.value.teamId);
      }
    })();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.events?.return?.(undefined);
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Registers a connection opened with `presented` (the key as sent); returns the function that forgets it. */
  register(presented: string, actor: Actor, close: (reason: string) => void): () => void {
    const session: Session = { hash: sha256Hex(presented), teamId: actor.teamId, close };
    this.sessions.add(session);
    return () => void this.sessions.delete(session);
  }

  /**
   * For a streamed HTTP response: ends it when the key stops being valid; an
   * event stream gets a last `event: error` first, saying why.
   */
  watchResponse(presented: string, actor: Actor, res: ServerResponse): () => void {
    const forget = this.register(presented, actor, (reason) => {
      if (res.writableEnded || res.destroyed) return;
      // A producer may still write once before it hears 'close': that write must not become an unhandled error.
      res.on('error', () => {});
      const sse = String(res.getHeader('content-type') ?? '').startsWith('text/event-stream');
      res.end(sse ? `event: error\ndata: ${JSON.stringify({ error: reason, code: 'invalid_api_key', status: 401 })}\n\n` : undefined);
    });
    res.once('close', forget);
    return forget;
  }

  /** Checks the key of every session (of one team) again and closes those whose key no longer authenticates. */
  recheck(teamId?: string): Promise<void> {
    // One round at a time; a broadcast during a round is answered by another round right after it.
    const round = (this.running ?? Promise.resolve())
      .then(() => this.round(teamId))
      .catch((err: unknown) => this.deps.log.warn({ err }, 'could not check open connections'));
    this.running = round;
    void round.then(() => {
      if (this.running === round) this.running = null;
    });
    return round;
  }

  private async round(teamId?: string): Promise<void> {
    const byKey = new Map<string, Session[]>();
    for (const s of this.sessions) {
      if (teamId && s.teamId !== teamId) continue;
      const list = byKey.get(s.hash);
      if (list) list.push(s);
      else byKey.set(s.hash, [s]);
    }
    for (const [hash, list] of byKey) {
      try {
        await authenticateHash(this.deps, hash);
      } catch (err) {
        if (!(err instanceof AuthenticationError)) {
          this.deps.log.warn({ err }, 'could not check the key of an open connection; trying again next round');
          continue;
        }
        for (const s of list) {
          this.sessions.delete(s);
          try {
            s.close(REVOKED_REASON);
          } catch (closeErr) {
            this.deps.log.warn({ err: closeErr }, 'could not close a connection whose key was revoked');
          }
        }
      }
    }
  }
}
