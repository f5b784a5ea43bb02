/**
 * The content item status machine, in one place.
 *
 *   generating → pending_review → approved | rejected
 *   generating → failed                       (gave up after the job's last attempt)
 *   rejected | failed | pending_review → pending_review   (regenerate)
 *   approved | rejected → pending_review      (a new caption: PUT or fine-tune)
 *   approved ⇄ scheduled | publishing | published | publish_failed   (publishing: follows the item's publications)
 *
 * | action       | from                                   | to             |
 * | ------------ | -------------------------------------- | -------------- |
 * | generated    | generating                             | pending_review |
 * | gaveUp       | generating                             | failed         |
 * | approve      | pending_review                         | approved       |
 * | reject       | pending_review                         | rejected       |
 * | regenerate   | pending_review, rejected, failed       | pending_review |
 * | edit         | pending_review, approved, rejected     | pending_review |
 * | editPrompt   | every status but generating            | (unchanged)    |
 * | makeVideo    | pending_review, approved, rejected, published | (unchanged) |
 * | delete       | pending_review, approved, rejected, failed | (gone)     |
 * | publish      | approved and the publishing statuses   | (from its publications) |
 *
 * Publishing: once an approved item has publications, its status follows
 * them (src/modules/publishing/service.ts `itemStatusOf`): any queued or
 * being sent → publishing; else any scheduled → scheduled; else any
 * published → published; else (all failed) publish_failed; none left (all
 * cancelled or removed) → approved again. An item with live publications
 * cannot be edited, regenerated or deleted: unpublish it first.
 *
 * `edit` is a new caption (PUT /content/:id, fine-tune-caption): it needs
 * review again, so an approved item goes back to pending_review.
 *
 * Every change is a conditional write (`where: { id, status: <the status
 * read> }`), so of two concurrent requests only one can make a transition;
 * the loser gets the 409 this module builds, naming the status it found.
 */
import { ConflictError } from '../../errors.js';

export const CONTENT_STATUSES = [
  'generating',
  'pending_review',
  'approved',
  'rejected',
  'failed',
  'scheduled',
  'publishing',
  'published',
  'publish_failed',
] as const;

/** The statuses an approved item moves through while it has publications. */
export const PUBLISHING_STATUSES = ['approved', 'scheduled', 'publishing', 'published', 'publish_failed'] as const;
export type ContentStatus = (typeof CONTENT_STATUSES)[number];

export type ContentAction = 'generated' | 'gaveUp' | 'approve' | 'reject' | 'regenerate' | 'edit' | 'editPrompt' | 'makeVideo' | 'delete' | 'publish';

interface Transition {
  from: readonly ContentStatus[];
  /** null: the status does not change (the action only needs the item to be in `from`). */
  to: ContentStatus | null;
  /** How the refusal names the action: "only pending_review items can be approved". */
  verb: string;
}

export const TRANSITIONS: Readonly<Record<ContentAction, Transition>> = {
  generated: { from: ['generating'], to: 'pending_review', verb: 'finish generating' },
  gaveUp: { from: ['generating'], to: 'failed', verb: 'fail' },
  approve: { from: ['pending_review'], to: 'approved', verb: 'be approved' },
  reject: { from: ['pending_review'], to: 'rejected', verb: 'be rejected' },
  regenerate: { from: ['pending_review', 'rejected', 'failed'], to: 'pending_review', verb: 'be regenerated' },
  edit: { from: ['pending_review', 'approved', 'rejected'], to: 'pending_review', verb: 'be edited' },
  editPrompt: { from: ['pending_review', 'approved', 'rejected', 'failed'], to: null, verb: 'be edited' },
  makeVideo: { from: ['pending_review', 'approved', 'rejected', 'published'], to: null, verb: 'get a video' },
  delete: { from: ['pending_review', 'approved', 'rejected', 'failed'], to: null, verb: 'be deleted' },
  publish: { from: PUBLISHING_STATUSES, to: null, verb: 'be published' },
};

export function isContentStatus(s: string): s is ContentStatus {
  return (CONTENT_STATUSES as readonly string[]).includes(s);
}

export function canDo(action: ContentAction, status: string): boolean {
  return (TRANSITIONS[action].from as readonly string[]).includes(status);
}

/** The 409 for an action the item's status does not allow, naming that status. */
export function illegalTransition(action: ContentAction, status: string): ConflictError {
  const t = TRANSITIONS[action];
  const allowed = t.from.length === 1 ? `${t.from[0]} items` : `${t.from.slice(0, -1).join(', ')} or ${t.from.at(-1)} items`;
  const hint = status === 'generating' ? ' (wait until it has been generated)' : '';
  return new ConflictError(`content item is ${status}; only ${allowed} can ${t.verb}${hint}`, 'invalid_status_transition');
}

/** Throws the 409 unless the action is allowed from `status`; returns the status after it. */
export function transition(action: ContentAction, status: string): ContentStatus {
  if (!canDo(action, status)) throw illegalTransition(action, status);
  return (TRANSITIONS[action].to ?? status) as ContentStatus;
}

/**
 * Batch statuses: queued → generating → completed (at least one item made) | failed (none);
 * queued | generating → cancelled (POST /batches/:id/cancel: the items made are kept, the rest dropped).
 */
export const BATCH_STATUSES = ['queued', 'generating', 'completed', 'failed', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
/** A batch in one of these has ended: its job makes nothing more and its event stream is over. */
export const BATCH_ENDED: readonly string[] = ['completed', 'failed', 'cancelled'];

/** Video statuses: queued → rendering → completed | failed. */
export const VIDEO_STATUSES = ['queued', 'rendering', 'completed', 'failed'] as const;
