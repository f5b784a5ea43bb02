/**
 * What `npm start` runs: the esbuild bundle (scripts/build.mjs → dist/main.js),
 * not the sources under tsx. Built here into test-artifacts/ and started on a
 * new embedded database, it must migrate, serve GraphQL, REST, the lazily
 * loaded GraphiQL page and the docs assets, stop gracefully, and restart.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/net.js';
import { START_MS, adminKeyIn, banner, me, start, stop } from './helpers/lifecycle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'test-artifacts', `dist-${process.pid}`);

describe('the bundle npm start runs', () => {
  /** A chunk an earlier build left (its sources have changed since): the build removes it. */
  const stale = path.join(outdir, 'chunks', 'app-EARLIER0.js');
  beforeAll(async () => {
    await mkdir(path.dirname(stale), { recursive: true });
    await writeFile(stale, '// an earlier build\n');
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', outdir], { cwd: root, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
  }, START_MS);
  afterAll(() => rm(outdir, { recursive: true, force: true }));

  it('leaves only its own chunks: an earlier build’s are removed', () => {
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(path.join(outdir, 'main.js'))).toBe(true);
  });

  it(
    'starts on a new embedded database, answers GraphQL, REST, GraphiQL and the docs, stops on SIGTERM and restarts',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-bundle-'));
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const env = { DATA_DIR: dir, PORT: String(port) };
      const first = start(env, path.join(outdir, 'main.js'));
      const key = adminKeyIn(await banner(first));
      expect(key).toBeTruthy();

      const gql = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ me { team { name } } }' }),
      });
      expect(await gql.json()).toEqual({ data: { me: { team: { name: 'default' } } } });
      expect((await me(port, key!)).body.team.name).toBe('default');

      const graphiql = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
      expect(graphiql.status).toBe(200);
      expect(await graphiql.text()).toContain('GraphiQL');

      expect((await fetch(`${base}/docs`)).status).toBe(200);
      const asset = await fetch(`${base}/docs/swagger-ui-bundle.js`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
      const version = (JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
      expect(((await (await fetch(`${base}/api/v1/openapi.json`)).json()) as any).info.version).toBe(version);

      expect(await stop(first)).toBe(0);
      const second = start(env, path.join(outdir, 'main.js'));
      await banner(second);
      expect((await me(port, key!)).status).toBe(200);
      expect(await stop(second)).toBe(0);
    },
    3 * START_MS,
  );
});
