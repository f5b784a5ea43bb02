/** A team event (content, publishing, import), on the `team.event` topic keyed by team id; published by src/modules/webhooks. */
export interface TeamEvent {
  /** The webhook-id ("msg_…"). */
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
}
