/**
 * Live events of content batches, on the `content.batch` topic keyed by batch
 * id. Published only by src/modules/content (after the write committed),
 * numbered by `seq` from 1 so a subscriber sees every event of a batch in order.
 */
export interface BatchEvent {
  batchId: string;
  seq: number;
  /** progress: the batch moved; item: one item finished (or failed); completed / failed: the batch ended. */
  type: 'progress' | 'item' | 'completed' | 'failed';
  status: string;
  count: number;
  completed: number;
  failed: number;
  /** The item this event is about (type "item"). */
  contentItemId: string | null;
  error: string | null;
  at: string;
}
