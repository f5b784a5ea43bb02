/**
 * Live events of content batches, on the `content.batch` topic keyed by batch
 * id. Published only by src/modules/content (after the write committed),
 * numbered by `seq` from 1 so a subscriber sees every event of a batch in order.
 *
 * The numbering follows from what is stored, so the same events can be
 * rebuilt from the database for a subscriber that missed some (see
 * `batchEvents` in batch-events.ts): for a batch of `count` items,
 *   seq 1            progress   the job started (status generating, 0 done)
 *   seq 2k, 2k+1     item, progress   the k-th item to finish (1 ≤ k ≤ count)
 *   seq 2·count + 2  completed | failed | cancelled   the batch ended
 */
export interface BatchEvent {
  batchId: string;
  seq: number;
  /** progress: the batch moved; item: one item finished (or failed); completed / failed / cancelled: the batch ended. */
  type: 'progress' | 'item' | 'completed' | 'failed' | 'cancelled';
  /** The batch's status after this event. */
  status: string;
  count: number;
  completed: number;
  failed: number;
  /** (completed + failed) / count, 0–100. */
  progress: number;
  /** The item this event is about (type "item"). */
  contentItemId: string | null;
  /** That item's status as it finished: pending_review or failed (type "item"). */
  itemStatus: string | null;
  error: string | null;
  at: string;
}

/** The seq of each event of a batch (see above). */
export const batchSeq = {
  started: 1,
  item: (k: number) => 2 * k,
  progress: (k: number) => 2 * k + 1,
  end: (count: number) => 2 * count + 2,
};
