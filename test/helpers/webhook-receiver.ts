/**
 * A customer's webhook endpoint on a loopback port: verifies each request's
 * Standard Webhooks signature with the official `standardwebhooks` library
 * (as a customer would: 401 when it does not verify), dedupes by
 * `webhook-id`, records everything it got, and can be told to fail the next
 * N requests with a status or to hang until released.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The signature verified with the secret the receiver holds. */
  verified: boolean;
  verifyError: string | null;
  /** The verified payload (`{type, timestamp, data}`), else null. */
  payload: { type: string; timestamp: string; data: any } | null;
  /** The status the receiver answered (null while hanging or never answered). */
  answered: number | null;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** The secret to verify with (set it to the `secret` the create call returned). */
  secret: string | null;
  /** The next `n` requests answer `status` (default 500) with a short body. */
  failNext(n: number, status?: number): void;
  /** Requests from now on get no answer until `release()`. */
  hang(): void;
  /** Stops hanging: held requests get a 200 (if their client still listens) and new ones are answered again. */
  release(): void;
  /** Waits until at least `count` requests arrived (default bound 10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  /** Distinct webhook-ids, in the order first seen (what a deduping customer processes). */
  uniqueIds(): string[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: { host?: string } = {}): Promise<WebhookReceiver> {
  const host = opts.host ?? '127.0.0.1';
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const held: { res: http.ServerResponse; rec: Received }[] = [];
  const waiters: (() => void)[] = [];
  let failures: { left: number; status: number } = { left: 0, status: 500 };
  let hanging = false;

  const receiver: WebhookReceiver = {
    url: '',
    received,
    secret: null,
    failNext(n, status = 500) {
      failures = { left: n, status };
    },
    hang() {
      hanging = true;
    },
    release() {
      hanging = false;
      for (const { res, rec } of held.splice(0)) {
        if (!res.destroyed) {
          rec.answered = 200;
          res.writeHead(200).end('ok');
        }
      }
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the receiver got ${received.length} of ${count} requests`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => (clearTimeout(t), r()));
        });
      }
      return received;
    },
    uniqueIds() {
      return [...new Set(received.map((r) => r.id))];
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const h = (name: string) => String(req.headers[name] ?? '');
      const rec: Received = {
        id: h('webhook-id'),
        timestamp: h('webhook-timestamp'),
        signature: h('webhook-signature'),
        headers: req.headers,
        body,
        verified: false,
        verifyError: null,
        payload: null,
        answered: null,
        at: Date.now(),
      };
      try {
        if (!receiver.secret) throw new Error('the receiver has no secret');
        rec.payload = new Webhook(receiver.secret).verify(body, {
          'webhook-id': rec.id,
          'webhook-timestamp': rec.timestamp,
          'webhook-signature': rec.signature,
        }) as Received['payload'];
        rec.verified = true;
      } catch (e) {
        rec.verifyError = (e as Error).message;
      }
      received.push(rec);
      for (const w of waiters.splice(0)) w();
      if (hanging) {
        held.push({ res, rec });
        return;
      }
      if (failures.left > 0) {
        failures.left--;
        rec.answered = failures.status;
        res.writeHead(failures.status, { 'content-type': 'text/plain' }).end(`failing on purpose (${failures.status})`);
        return;
      }
      if (!rec.verified) {
        rec.answered = 401;
        res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid signature');
        return;
      }
      rec.answered = 200;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received: rec.id }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/hooks`;
  return receiver;
}
