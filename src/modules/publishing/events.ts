/**
 * Publish status changes, on `publish.status` keyed by content item id and on
 * `profile.publish` keyed by profile id. Published only by src/modules/publishing,
 * after the change committed.
 */
export interface PublishStatusEvent {
  contentItemId: string;
  profileId: string;
  publicationId: string;
  accountId: string;
  platform: string;
  /** text | image | carousel | video */
  format: string;
  /** scheduled | queued | publishing | published | failed | cancelled | removed */
  status: string;
  /** The content item's overall status after this change. */
  itemStatus: string;
  attempts: number;
  error: string | null;
  externalUrl: string | null;
  at: string;
}
