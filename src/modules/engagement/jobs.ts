/** The periodic engagement-snapshot job (registered at start by src/jobs.ts). */
import type { Deps } from '../../context.js';

export function registerEngagementJobs(_deps: Deps): void {}
