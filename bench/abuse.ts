/**
 * One team's abuse beside another team's work: requests per second of an
 * ordinary GraphQL query from team B alone, then the same while team A sends
 * abusive queries in parallel (the nine-level collaboration nesting, an alias
 * bomb, a too-deep query, a batch of alias-heavy operations), all of which the
 * limits refuse (src/graphql/limits.ts). Reports the ratio (target ≥ 0.8×)
 * and how the abusive requests were answered. Embedded database, one server
 * process, load from this process on the same machine: figures are a floor.
 * Writes bench/results/abuse.md. Not part of npm test.
 *
 *   npx tsx bench/abuse.ts        (BENCH_SECONDS=8 per phase by default)
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root, startProcess } from './lib/proc.js';

const KEY = 'pg_bench_abuse_admin_key_0123456789abcdefgh';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const B_CLIENTS = 8;
const A_CLIENTS = 8;

async function post(url: string, key: string, body: unknown, p = '/graphql'): Promise<Response> {
  return fetch(url + p, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-abuse-'));
  const api = await startProcess({
    cmd: process.execPath,
    args: ['--import', 'tsx', 'src/main.ts'],
    env: { LOG_LEVEL: 'warn', BOOTSTRAP_API_KEY: KEY, SECRET_KEY: 'bench-abuse-secret-key-0123456789abcdef0123', DATA_DIR: dataDir, DATABASE_URL: 'pglite:memory' },
    ready: 'personagraph is listening',
    cpu: null,
  });
  try {
    const team = async (name: string, rateLimitPerMinute?: number) => {
      const res = await post(api.url, KEY, { name }, '/api/v1/teams');
      if (res.status !== 201) throw new Error(`team: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { apiKey: { key: string } };
      const made = await post(api.url, body.apiKey.key, { name: `${name} bench`, scopes: ['character:read', 'character:write'], rateLimitPerMinute }, '/api/v1/api-keys');
      if (made.status !== 201) throw new Error(`key: ${made.status} ${await made.text()}`);
      return { key: ((await made.json()) as { key: string }).key, admin: body.apiKey.key };
    };
    // Team B (the bystander) with a limit its load never reaches. Team A attacks twice: with an ordinary key
    // (the server's default RATE_LIMIT_PER_MINUTE, as a hostile tenant has), and with a key whose limit is so high
    // that only the GraphQL limits refuse anything (what a refusal itself costs the server).
    const teamA = await team('abuser', 100_000);
    const a = teamA.key;
    const b = (await team('bystander', 100_000)).key;
    const ordinaryKeyRes = await post(api.url, teamA.admin, { name: 'abuser ordinary', scopes: ['character:read'] }, '/api/v1/api-keys');
    const aOrdinary = ((await ordinaryKeyRes.json()) as { key: string }).key;
    // Data that would explode: team A's influencers, each in several collaborations.
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await post(api.url, a, { name: `A ${i}`, handle: `a${i}` }, '/api/v1/influencers');
      ids.push(((await res.json()) as { id: string }).id);
    }
    let collab = '';
    for (let c = 0; c < 12; c++) {
      const res = await post(api.url, a, { name: `C ${c}`, influencerIds: [...new Set([0, 2, 4, 6].map((k) => ids[(c + k) % 8]!))] }, '/api/v1/collaborations');
      collab ||= ((await res.json()) as { id: string }).id;
    }
    for (let i = 0; i < 5; i++) await post(api.url, b, { name: `B ${i}`, handle: `b${i}` }, '/api/v1/influencers');

    let sel = 'id name';
    for (let i = 9; i > 0; i--) sel = i % 2 ? `id influencers { ${sel} }` : `id collaborations { ${sel} }`;
    const aliasOp = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: influencers(first: 100) { edges { node { id } } }`).join(' ')} }`;
    let deep = 'id';
    for (let i = 0; i < 12; i++) deep = `collaborations { influencers { ${deep} } }`;
    const abusive = [
      { name: 'nine-level nesting', body: { query: `{ collaboration(id: "${collab}") { ${sel} } }` } },
      { name: 'alias bomb (3,000 aliases)', body: { query: aliasOp(3000) } },
      { name: 'too deep (24 levels)', body: { query: `{ influencers(first: 5) { edges { node { ${deep} } } } }` } },
      { name: 'batch of 20 × 40 aliases', body: Array.from({ length: 20 }, () => ({ query: aliasOp(40) })) },
    ];
    const ordinary = { query: '{ influencers(first: 5) { edges { node { id name handle } } } }' };
    const check = await (await post(api.url, b, ordinary)).json() as { data: { influencers: { edges: unknown[] } } };
    if (check.data.influencers.edges.length !== 5) throw new Error(`ordinary query: ${JSON.stringify(check)}`);

    const runB = async () => {
      let n = 0;
      let wrong = 0;
      const until = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: B_CLIENTS }, async () => {
          while (performance.now() < until) {
            const res = await post(api.url, b, ordinary);
            const body = (await res.json()) as { data?: { influencers: { edges: unknown[] } } };
            if (res.status !== 200 || body.data?.influencers.edges.length !== 5) wrong++;
            n++;
          }
        }),
      );
      return { perSecond: Math.round(n / SECONDS), requests: n, wrong };
    };

    // Warm up both paths; then each refusal alone on the idle server; then B alone, then B beside A (twice).
    for (let i = 0; i < 50; i++) await post(api.url, b, ordinary);
    for (const x of abusive) await (await post(api.url, a, x.body)).text();
    const idle: string[] = [];
    for (const x of abusive) {
      const times: number[] = [];
      let status = 0;
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        const res = await post(api.url, a, x.body);
        await res.arrayBuffer();
        times.push(performance.now() - t);
        status = res.status;
      }
      times.sort((p, q) => p - q);
      idle.push(`${x.name}: ${status}, median ${times[10]!.toFixed(1)} ms, slowest ${times[19]!.toFixed(1)} ms`);
    }
    for (const line of idle) console.log(`idle server, ${line}`);
    const alone = await runB();
    console.log(`team B alone: ${alone.perSecond} req/s (${alone.wrong} wrong answers)`);
    const ordinaryAbuse = await besideAbuse(aOrdinary);
    const unlimitedAbuse = await besideAbuse(a);

    async function besideAbuse(attackKey: string) {
    let stop = false;
    const statuses = new Map<string, Map<number, number>>();
    let slowest = 0;
    const attacker = async (i: number) => {
      let k = i;
      while (!stop) {
        const x = abusive[k++ % abusive.length]!;
        const t = performance.now();
        const res = await post(api.url, attackKey, x.body);
        await res.arrayBuffer();
        slowest = Math.max(slowest, performance.now() - t);
        const m = statuses.get(x.name) ?? new Map<number, number>();
        m.set(res.status, (m.get(res.status) ?? 0) + 1);
        statuses.set(x.name, m);
      }
    };
    const attackers = Array.from({ length: A_CLIENTS }, (_, i) => attacker(i));
    const beside = await runB();
    stop = true;
    await Promise.all(attackers);
    const ratio = Math.round((beside.perSecond / alone.perSecond) * 100) / 100;
    const refused = [...statuses].map(([name, m]) => `${name}: ${[...m].map(([s, c]) => `${c}× ${s}`).join(', ')}`);
    console.log(`team B beside team A's abuse: ${beside.perSecond} req/s (${beside.wrong} wrong answers); ratio ${ratio}×`);
    for (const r of refused) console.log(`  team A ${r}`);
    console.log(`  slowest refusal: ${Math.round(slowest)} ms`);
    return { beside, ratio, refused, slowest };
    }

    const when = new Date().toISOString();
    const md = [
      `# One team's abuse beside another team's queries (${when.slice(0, 10)})`,
      '',
      `One server process on the embedded database (PGlite in memory), load from one process on the same 2-core machine; ${SECONDS} s per phase.`,
      `Team B: ${B_CLIENTS} concurrent clients sending \`${ordinary.query}\`. Team A: ${A_CLIENTS} concurrent clients cycling through abusive requests the GraphQL limits refuse.`,
      '',
      'Each abusive request alone on the idle server (20 times each):',
      '',
      ...idle.map((line) => `- ${line}`),
      '',
      '| phase | team B req/s | wrong answers | ratio to B alone (target ≥ 0.8×) |',
      '| --- | ---: | ---: | ---: |',
      `| team B alone | ${alone.perSecond} | ${alone.wrong} | |`,
      `| team B while team A abuses with an ordinary key (RATE_LIMIT_PER_MINUTE default) | ${ordinaryAbuse.beside.perSecond} | ${ordinaryAbuse.beside.wrong} | **${ordinaryAbuse.ratio}×** |`,
      `| team B while team A abuses with a key limited to 100,000/min | ${unlimitedAbuse.beside.perSecond} | ${unlimitedAbuse.beside.wrong} | **${unlimitedAbuse.ratio}×** |`,
      '',
      'How team A was answered, ordinary key:',
      '',
      ...ordinaryAbuse.refused.map((r) => `- ${r}`),
      `- slowest answer (under load): ${Math.round(ordinaryAbuse.slowest)} ms`,
      '',
      'How team A was answered, 100,000/min key:',
      '',
      ...unlimitedAbuse.refused.map((r) => `- ${r}`),
      `- slowest answer (under load): ${Math.round(unlimitedAbuse.slowest)} ms`,
      '',
      'Run: `npx tsx bench/abuse.ts` (BENCH_SECONDS sets the length of each phase).',
      '',
    ].join('\n');
    const out = path.join(root, 'bench/results');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'abuse.md'), md);
    console.log('wrote bench/results/abuse.md');
  } finally {
    await api.stop();
  }
}

await main();
