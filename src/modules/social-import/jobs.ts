/** Background job kinds of the social-import module (registered at start by src/jobs.ts). */
import type { Deps } from '../../context.js';

export function registerSocialImportJobs(_deps: Deps): void {}
