/**
 * The job table: every kind of durable background job, by module (the REST
 * route table's counterpart, src/rest/routes.ts). The queue itself is
 * src/infra/jobs.ts.
 */
import type { Deps } from './context.js';
import { registerDeployJobs } from './modules/agents/deploy.js';
import { registerInfluencerJobs } from './modules/influencers/jobs.js';
import { registerContentJobs } from './modules/content/jobs.js';
import { registerWebhookJobs } from './modules/webhooks/jobs.js';
import { registerPublishingJobs } from './modules/publishing/jobs.js';
import { registerSocialImportJobs } from './modules/social-import/jobs.js';
import { registerEngagementJobs, scheduleEngagement } from './modules/engagement/jobs.js';
import { registerEvalJobs } from './modules/evals/service.js';

export function registerJobKinds(deps: Deps): void {
  registerDeployJobs(deps);
  registerInfluencerJobs(deps);
  registerContentJobs(deps);
  registerWebhookJobs(deps);
  registerPublishingJobs(deps);
  registerSocialImportJobs(deps);
  registerEngagementJobs(deps);
  registerEvalJobs(deps);
}

/** Recurring jobs that schedule their own next run: the first one, unless already waiting. */
export async function scheduleRecurringJobs(deps: Deps): Promise<void> {
  await scheduleEngagement(deps);
}
