/**
 * Once per test run, before any test file: bundles the sources (scripts/build.mjs, as `npm start` does) into
 * test-artifacts/suite-dist/, for the server processes the tests start (test/helpers/server-command.ts).
 * Always built, so child servers never run code older than the sources under test.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { SUITE_BUNDLE, root } from './helpers/server-command.js';

export default function setup(): void {
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--outdir', path.dirname(SUITE_BUNDLE)], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`could not bundle the sources for the test servers:\n${built.stdout}${built.stderr}`);
}
