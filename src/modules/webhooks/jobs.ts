/** Background job kinds of the webhooks module (registered at start by src/jobs.ts). */
import type { Deps } from '../../context.js';

export function registerWebhookJobs(_deps: Deps): void {}
