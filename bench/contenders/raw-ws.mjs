/**
 * The W5 physical limit: a plain `ws` server that speaks just enough of the
 * graphql-ws protocol (graphql-transport-ws) for the same subscriber code
 * that reads personagraph: `connection_init` → `connection_ack`, `ping` →
 * `pong`, `subscribe` (remembered with its id and `variables.r`, the run it
 * is for), `complete`. No GraphQL, no auth, no database.
 *
 * `POST /broadcast {"runs": {"<run id>": ["tok0 ", "tok1 ", …], …}}` answers
 * 202 at once, then for every run streams its tokens to that run's
 * subscribers as graphql-ws `next` frames of the same shape as
 * personagraph's `chatRunEvents { seq type delta }` (then a `done` event and
 * `complete`), every frame serialised once per run and sent to each
 * subscriber as is, as fast as backpressure allows (a socket with more than
 * 64 KiB buffered is waited for). Runs are interleaved token by token.
 * `GET /subscribers` answers how many subscriptions are open.
 *
 *   PORT=… node bench/contenders/raw-ws.mjs
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

const HIGH_WATER = 64 * 1024;
/** run id → Map<socket, subscription id> */
const subscriptions = new Map();
let open = 0;

function unsubscribe(ws, id) {
  for (const [run, subs] of subscriptions) {
    if (subs.get(ws) === id) {
      subs.delete(ws);
      open--;
      if (!subs.size) subscriptions.delete(run);
    }
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/subscribers') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ subscribers: open }));
  }
  if (req.method === 'POST' && req.url === '/broadcast') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { runs } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"accepted":true}');
      void broadcast(runs);
    });
    return;
  }
  res.writeHead(404);
  res.end();
});

/** One `next` frame, as graphql-ws serialises it (JSON.stringify of the message). */
const nextFrame = (id, event) => JSON.stringify({ id, type: 'next', payload: { data: { chatRunEvents: event } } });

function drained(ws) {
  return new Promise((resolve) => {
    const socket = ws._socket;
    if (!socket || ws.bufferedAmount <= HIGH_WATER || ws.readyState !== ws.OPEN) return resolve();
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

async function broadcast(runs) {
  // Pre-serialise: per run, one frame per event (subscribers to a run share the subscription id, the run id).
  const plans = Object.entries(runs).map(([run, tokens]) => {
    const subs = [...(subscriptions.get(run) ?? new Map()).entries()];
    const frames = tokens.map((t, i) => {
      return subs.length && subs.every(([, id]) => id === subs[0][1]) ? nextFrame(subs[0][1], { seq: i + 1, type: 'delta', delta: t }) : null;
    });
    return { run, subs, tokens, frames };
  });
  const longest = Math.max(0, ...plans.map((p) => p.tokens.length));
  for (let i = 0; i <= longest; i++) {
    const waits = [];
    for (const p of plans) {
      if (i > p.tokens.length) continue;
      const last = i === p.tokens.length;
      for (const [ws, id] of p.subs) {
        if (ws.readyState !== ws.OPEN) continue;
        if (last) {
          ws.send(nextFrame(id, { seq: i + 1, type: 'done', delta: null }));
          ws.send(JSON.stringify({ id, type: 'complete' }));
        } else {
          ws.send(p.frames[i] ?? nextFrame(id, { seq: i + 1, type: 'delta', delta: p.tokens[i] }));
        }
        if (ws.bufferedAmount > HIGH_WATER) waits.push(drained(ws));
      }
    }
    if (waits.length) await Promise.all(waits);
    else if (i % 16 === 15) await new Promise((r) => setImmediate(r));
  }
  for (const p of plans) {
    const subs = subscriptions.get(p.run);
    if (!subs) continue;
    for (const [ws, id] of p.subs) if (subs.get(ws) === id) (subs.delete(ws), open--);
    if (!subs.size) subscriptions.delete(p.run);
  }
}

const wss = new WebSocketServer({ server, path: '/graphql', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const mine = new Set();
  ws.on('message', (data) => {
    let msg;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return ws.close(4400, 'Invalid message');
    }
    switch (msg.type) {
      case 'connection_init':
        return ws.send('{"type":"connection_ack"}');
      case 'ping':
        return ws.send('{"type":"pong"}');
      case 'subscribe': {
        const run = String(msg.payload?.variables?.r ?? '');
        if (!subscriptions.has(run)) subscriptions.set(run, new Map());
        subscriptions.get(run).set(ws, msg.id);
        mine.add(msg.id);
        open++;
        return;
      }
      case 'complete':
        mine.delete(msg.id);
        return unsubscribe(ws, msg.id);
    }
  });
  ws.on('close', () => {
    for (const id of mine) unsubscribe(ws, id);
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`raw-ws is listening on ${server.address().port}`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
