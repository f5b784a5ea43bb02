/**
 * Content (AutoPersonas, seed 001): the module's entry. What REST, GraphQL
 * and other modules call lives here, by use case:
 *
 * - batches.ts        generate a batch (one durable job makes its items), read batches
 * - batch-events.ts   a batch's events: built as items finish, rebuilt from the store, stored then live
 * - items.ts          read and list items, review them (approve, reject, edit, delete)
 * - own-media.ts      an item from the team's own image (uploaded now or before)
 * - regenerate.ts     a new image and caption, or a new caption only, within the request
 * - videos.ts         videos of an item's image, one or an A/B comparison
 * - batch-control.ts  list batches, cancel one (its pending items dropped, its stream ends cancelled)
 * - video-control.ts  list and delete videos, choose an A/B comparison's winner
 * - lookups.ts        the team-filtered reads and the conditional write they share
 *
 * Every status change is a conditional write (status.ts); a refused one is a
 * 409 naming the status found. Another team's ids are 404.
 */
export { jsonObject, stringList, ITEM_INCLUDE, type BatchWithItems, type Billable, type ItemWithVideos, type PrismaQuery } from './lookups.js';
export * from './batches.js';
export * from './batch-events.js';
export * from './items.js';
export * from './regenerate.js';
export * from './videos.js';
export { PUBLISHING_STATUSES, transition } from './status.js';
export * from './batch-control.js';
export * from './video-control.js';
export * from './own-media.js';
