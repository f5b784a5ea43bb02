/**
 * The entry of the `personagraph` command line (bin/personagraph.mjs imports
 * it): runs the commands of ./program.ts on this process's arguments, output
 * and environment, and leaves the exit code for Node to exit with.
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv);
