/**
 * graphql-ws on /graphql, through the same envelop plugins as HTTP (rate
 * limits, masking, parse/validate caches). The client authenticates in
 * `connection_init` ({"authorization":"Bearer …"} or {"apiKey":"…"}), with
 * the upgrade request's headers, or per operation in `extensions.headers`
 * (as GraphiQL sends its headers editor). Bad credentials close with 4401; no
 * connection_init within WS_AUTH_TIMEOUT_MS closes with 4408, and a
 * connection with no authenticated operation by then with 4401. Every key a
 * socket authenticated with is registered with LiveSessions: when it is
 * revoked, rotated past its grace period, expires, or its agent or user is
 * deleted, the socket is closed with 4401 (src/modules/auth/live-sessions.ts);
 * each new operation checks the connection's key again. A burst of messages
 * to one socket goes out in one write (`coalesceWrites`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { Actor, Deps } from '../context.js';
import { AuthenticationError } from '../errors.js';
import { authenticate, presentedKey } from '../modules/auth/service.js';
import { REVOKED_REASON, type LiveSessions } from '../modules/auth/live-sessions.js';
import type { GraphQLServer } from './yoga.js';
import { guardJsonMessages } from '../server/request-text.js';

type ConnectionExtra = Extra & {
  actor?: Actor;
  /** The connection's key as sent, checked again for each operation. */
  presented?: string;
  requestId?: string;
  authDeadline?: NodeJS.Timeout;
  /** The keys this socket authenticated with (connection and operations), each registered with LiveSessions. */
  watched?: Map<string, () => void>;
};

/** Bytes a socket may have waiting before a send waits for them to drain. */
const HIGH_WATER = 64 * 1024;

/**
 * One system call per socket for a burst of messages, not one per message. graphql-ws waits for each
 * message's write to complete before it sends that subscriber's next one, so a batch of tokens published
 * together went out as one write per token per socket (40 % of the server's CPU in a 1,000-subscriber fan-out).
 * Here the socket's writes are held (corked) from the first message of a turn until the work queued in that
 * turn is done (process.nextTick), then go out together, in order; a send resolves at once, unless the socket
 * has more than HIGH_WATER bytes waiting: then once they drain, or the socket closes. A slow client still
 * holds back only its own subscriptions (shared-subscriptions.ts queues for it).
 */
function coalesceWrites(ws: WebSocket, socket: Duplex): void {
  const send = ws.send.bind(ws);
  let held = false;
  const release = () => {
    held = false;
    socket.uncork();
  };
  const drained = (done: () => void) => {
    const settle = () => (socket.off('drain', settle), socket.off('close', settle), done());
    socket.on('drain', settle).on('close', settle);
  };
  type Done = (err?: Error) => void;
  ws.send = ((data: string, options?: object | Done, callback?: Done) => {
    const cb = typeof options === 'function' ? (options as Done) : callback;
    if (!held) (held = true), socket.cork(), process.nextTick(release);
    send(data, typeof options === 'object' ? options : {});
    if (!cb) return;
    // A socket already gone emits no more 'close': its send settles now (graphql-ws then ends its subscriptions).
    if (ws.bufferedAmount <= HIGH_WATER || socket.destroyed) cb();
    else drained(() => cb());
  }) as WebSocket['send'];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function createWebSocketServer(deps: Deps, yoga: GraphQLServer, newRequestId: () => string, sessions?: LiveSessions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.config.bodyLimitBytes });

  /** Closes the socket (4401) once this key stops being valid. */
  function watch(extra: ConnectionExtra, presented: string, actor: Actor) {
    if (!sessions || extra.watched?.has(presented)) return;
    if (!extra.watched) {
      const watched = (extra.watched = new Map());
      extra.socket.once('close', () => watched.forEach((forget) => forget()));
    }
    extra.watched.set(presented, sessions.register(presented, actor, (reason) => extra.socket.close(4401, reason)));
  }

  const disposable = useServer<Record<string, unknown> | undefined, { actor?: Actor; requestId?: string }>(
    {
      connectionInitWaitTimeout: deps.config.wsAuthTimeoutMs,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const req = ctx.extra.request;
        const extra = ctx.extra as ConnectionExtra;
        extra.requestId = newRequestId();
        const presented =
          presentedKey({ authorization: str(params.authorization) ?? str(params.Authorization), apiKey: str(params.apiKey) }) ??
          presentedKey({ authorization: str(req.headers.authorization), apiKey: str(req.headers['x-api-key']) });
        if (!presented) {
          // Clients such as GraphiQL send the key with each operation (extensions.headers);
          // a connection that has not authenticated an operation in time is closed.
          extra.authDeadline = setTimeout(() => {
            if (!extra.actor) extra.socket.close(4401, 'Unauthorized');
          }, deps.config.wsAuthTimeoutMs);
          extra.socket.once('close', () => clearTimeout(extra.authDeadline));
          return true;
        }
        try {
          extra.actor = await authenticate(deps, presented);
          extra.presented = presented;
          watch(extra, presented, extra.actor);
          return true;
        } catch (err) {
          if (!(err instanceof AuthenticationError)) deps.log.error({ err }, 'websocket authentication failed unexpectedly');
          ctx.extra.socket.close(4401, 'Unauthorized');
          return false;
        }
      },
      execute: (args: ExecutionArgs) => (args.rootValue as { execute: typeof import('graphql').execute }).execute(args),
      subscribe: (args: ExecutionArgs) => (args.rootValue as { subscribe: typeof import('graphql').subscribe }).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const extra = ctx.extra as ConnectionExtra;
        // Operation-level credentials (GraphiQL puts its headers editor here) win over the connection's.
        const headers = (payload.extensions?.headers ?? {}) as Record<string, unknown>;
        const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), str(v)]));
        const presented = presentedKey({ authorization: lower.authorization, apiKey: lower['x-api-key'] });
        let actor = extra.actor;
        let reason = 'Unauthorized';
        if (!presented && extra.presented) {
          // The connection's key may have been revoked since connection_init.
          try {
            actor = extra.actor = await authenticate(deps, extra.presented);
          } catch (err) {
            if (!(err instanceof AuthenticationError)) throw err;
            actor = undefined;
            reason = REVOKED_REASON;
          }
        }
        if (presented) {
          try {
            actor = await authenticate(deps, presented);
          } catch (err) {
            if (!(err instanceof AuthenticationError)) throw err;
            actor = undefined;
          }
          if (actor && !extra.actor) {
            extra.actor = actor;
            clearTimeout(extra.authDeadline);
          }
          if (actor) watch(extra, presented, actor);
        }
        if (!actor) {
          extra.socket.close(4401, reason);
          // graphql-ws wants at least one error here; the close code is what clients act on.
          return [new GraphQLError('Invalid or missing API key', { extensions: { code: 'invalid_api_key' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: extra.request,
          socket: extra.socket,
          params: payload,
          actor,
          requestId: extra.requestId!,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err as import('graphql').GraphQLError];
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
  );

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
        guardJsonMessages(ws, deps.config.maxJsonDepth); // deep or non-UTF-8 messages close with 4400 before graphql-ws parses them
        coalesceWrites(ws, socket);
        wss.emit('connection', ws, req);
      });
    },
    /** Closes every socket with 1001 (going away). */
    async close() {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    clientCount: () => wss.clients.size,
  };
}
