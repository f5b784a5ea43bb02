/**
 * How the tests start a personagraph server process: `node <bundle>`, what `npm start` runs, built from the
 * sources once per test run by test/global-setup.ts. Under tsx a start also transformed and loaded ~260
 * source files: ~8.5 s of CPU against ~5 s from the bundle, for each of the suite's many child servers.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The bundle of this run's sources (test-artifacts/ is ignored by git). */
export const SUITE_BUNDLE = path.join(root, 'test-artifacts', 'suite-dist', 'main.js');

/** The arguments to `node` that start a server. */
export const serverArgs = (): string[] => [SUITE_BUNDLE];
