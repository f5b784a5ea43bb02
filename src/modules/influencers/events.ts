/**
 * Live progress of an influencer's jobs (4-view reference packs, previews),
 * on the `influencer.job` topic keyed by influencer id (or preview id for a
 * draft without an influencer). Published only by src/modules/influencers.
 */
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
