#!/usr/bin/env node
// Bundles the server (src/main.ts and everything it imports) into dist/ with
// esbuild, for `npm start`. Why a bundle: under tsx, loading and transforming
// ~260 source files and the ~1,500 files of the dependencies took 2.3 s of a
// 4.2 s embedded cold start; one bundle parses in a fraction of that (see
// bench/results/bench.md, W6). esbuild is the bundler tsx already runs on.
//
//   node scripts/build.mjs              build dist/
//   node scripts/build.mjs --if-stale   only when a source file is newer than dist/main.js (`npm start`)
//   node scripts/build.mjs --outdir D   build somewhere else (the tests)
//
// Left out of the bundle, loaded from node_modules at run time: packages that
// read files next to their own module (PGlite's wasm and data files, the
// Prisma schema engine's wasm), and pino (its transports run in worker files).
// Dynamic imports become chunks loaded when first used (GraphiQL's page, the
// Prisma query compiler's wasm); chunks of earlier builds are removed.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean' }, outdir: { type: 'string' } } });
const outdir = path.resolve(values.outdir ?? path.join(root, 'dist'));
const entry = path.join(outdir, 'main.js');

function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ['src', 'package.json', 'package-lock.json', 'scripts/build.mjs']) if (existsSync(path.join(root, p))) visit(path.join(root, p));
  return newest;
}

if (values['if-stale'] && existsSync(entry) && statSync(entry).mtimeMs >= newestInput()) process.exit(0);

const started = performance.now();
const result = await build({
  entryPoints: [path.join(root, 'src/main.ts')],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  // ES module builds first where a package has no "exports" (graphql, graphql-armor): their CommonJS builds reach the
  // bundle through esbuild's interop getters, one call per property access on the hot path (W3 create: ~400 → ~365 µs
  // of server CPU per request, W2 ~23.5 → ~22.2 ms; bench/cpu-per-request.ts). require() resolves the same way, so
  // graphql is still one copy.
  mainFields: ['module', 'main'],
  target: 'node20',
  sourcemap: 'linked',
  external: ['@electric-sql/pglite', '@electric-sql/pglite/*', 'pglite-prisma-adapter', '@prisma/schema-engine-wasm', '@prisma/schema-engine-wasm/*', 'pino'],
  // CommonJS dependencies call require(); an ES module bundle has none of its own.
  banner: { js: "import { createRequire as __personagraphRequire } from 'node:module'; const require = __personagraphRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});
// Chunk names carry a content hash, so every build of changed sources writes new ones: what this build did not
// write is an earlier build's (each ~20 MB with its map) and goes.
const written = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
const chunks = path.join(outdir, 'chunks');
for (const name of existsSync(chunks) ? readdirSync(chunks) : []) if (!written.has(path.join(chunks, name))) rmSync(path.join(chunks, name), { force: true });
console.log(`built ${path.relative(process.cwd(), entry) || entry} in ${Math.round(performance.now() - started)} ms`);
