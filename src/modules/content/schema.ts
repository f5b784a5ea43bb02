/**
 * The content module in the graph, one file per type under schema/: Batch,
 * ContentItem and ContentVideo nodes with their queries and mutations, the
 * `batchProgress` subscription, and the links from profiles and influencers
 * (`Profile.batches`, `Profile.contentItems`, `Influencer.contentItems`).
 * Relations go through `t.relation` / `t.relatedConnection`, so a nested
 * selection (a profile, its latest batches, their items and videos) is loaded
 * with a fixed number of SQL statements whatever the number of items.
 */
import './schema/item.js';
import './schema/batch.js';
import './schema/video.js';
import './schema/batch-event.js';
import './schema/links.js';
import './schema/neighbours.js';
