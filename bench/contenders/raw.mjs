/**
 * The physical limit: node:http + pg (a pool of 10, named prepared
 * statements), one statement per request, no framework, no auth, the answer
 * already in its canonical JSON shape (W2 straight from PostgreSQL's json_agg).
 *   DATABASE_URL=… PORT=… node bench/contenders/raw.mjs
 */
import http from 'node:http';
import pg from 'pg';
import { W2_SQL } from './raw-sql.mjs';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const W1 = {
  name: 'w1',
  text: `SELECT id, name, description, "systemPrompt", role, status, visibility, "createdAt" FROM "Persona" WHERE id = $1`,
};
const W2 = { name: 'w2', text: W2_SQL };
const W3_ONE = {
  name: 'w3one',
  text: `INSERT INTO "Persona" (id, "teamId", name, description, "systemPrompt", "updatedAt") VALUES (gen_random_uuid()::text, $1, $2, $3, $4, now())
         RETURNING name, description, "systemPrompt", role, status`,
};
const W3_MANY = {
  name: 'w3many',
  text: `INSERT INTO "Persona" (id, "teamId", name, description, "systemPrompt", "updatedAt")
         SELECT gen_random_uuid()::text, $1, x.e->>'name', x.e->>'description', x.e->>'systemPrompt', now()
           FROM json_array_elements($2::json) WITH ORDINALITY AS x(e, n)
          ORDER BY x.n
         RETURNING name, description, "systemPrompt", role, status`,
};

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const server = http.createServer(async (req, res) => {
  try {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.startsWith('/w1/')) {
      const { rows } = await pool.query({ ...W1, values: [decodeURIComponent(url.slice(4))] });
      const p = rows[0];
      if (!p) return send(res, 404, '{"error":"not found"}');
      p.createdAt = p.createdAt.toISOString();
      return send(res, 200, JSON.stringify(p));
    }
    if (req.method === 'GET' && url.startsWith('/w2/')) {
      const { rows } = await pool.query({ ...W2, values: [decodeURIComponent(url.slice(4))] });
      return send(res, 200, rows[0].json);
    }
    if (req.method === 'POST' && url === '/w3/one') {
      const b = await readJson(req);
      const { rows } = await pool.query({ ...W3_ONE, values: [b.teamId, b.name, b.description, b.systemPrompt] });
      return send(res, 200, JSON.stringify(rows[0]));
    }
    if (req.method === 'POST' && url === '/w3/many') {
      const b = await readJson(req);
      // One statement: atomic on its own, so no BEGIN/COMMIT round trips.
      const { rows } = await pool.query({ ...W3_MANY, values: [b.teamId, JSON.stringify(b.personas)] });
      return send(res, 200, JSON.stringify(rows));
    }
    send(res, 404, '{"error":"no such path"}');
  } catch (err) {
    send(res, 500, JSON.stringify({ error: String(err?.message ?? err) }));
  }
});

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
