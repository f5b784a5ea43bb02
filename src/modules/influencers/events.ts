/**
 * Live progress of an influencer's jobs (4-view reference packs, previews),
 * on the `influencer.job` topic keyed by influencer id (or preview id for a
 * draft without an influencer). Published only by src/modules/influencers.
 */
import type { Deps } from '../../context.js';

export interface InfluencerJobEvent {
  /** The reference-pack job id or the preview id. */
  id: string;
  influencerId: string | null;
  kind: 'references' | 'preview';
  status: 'queued' | 'running' | 'completed' | 'failed';
  done: number;
  total: number;
  /** Media ids made so far (GET /api/v1/media/{id}). */
  mediaIds: string[];
  error: string | null;
  at: string;
}

/** The one publisher of `influencer.job`: each key (influencer id, preview id) once, stamped with the time. */
export function publishJobEvent(deps: Deps, keys: (string | null)[], event: Omit<InfluencerJobEvent, 'at'>): void {
  const e: InfluencerJobEvent = { ...event, at: new Date().toISOString() };
  for (const k of new Set(keys.filter((x): x is string => !!x))) deps.pubsub.publish('influencer.job', k, e);
}
