/** Background job kinds of the content module (registered at start by src/jobs.ts). */
import type { Deps } from '../../context.js';

export function registerContentJobs(_deps: Deps): void {}
