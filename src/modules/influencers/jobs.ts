/** Background job kinds of the influencers module (registered at start by src/jobs.ts). */
import type { Deps } from '../../context.js';

export function registerInfluencerJobs(_deps: Deps): void {}
