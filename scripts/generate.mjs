#!/usr/bin/env node
// Generates the Prisma client and the Pothos types (npm install runs this).
// `prisma generate` never runs the native schema engine, but the CLI tries to
// download it first, which fails offline; pointing PRISMA_SCHEMA_ENGINE_BINARY
// at any existing file skips that download here and on machines with internet.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, 'package.json'),
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const bin = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
const result = spawnSync(process.execPath, [bin, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
