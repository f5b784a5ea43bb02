/**
 * The influencers module in the graph: Influencer, Collaboration, Preview and
 * VoiceSample nodes, `Persona.influencers`, queries, mutations and the
 * `influencerJob` subscription (the `influencer.job` topic), one file per
 * type in schema/. Relations go through `t.relation` / nested selections, so
 * lists of influencers with their collaborations or previews load with a
 * fixed number of statements. `Influencer.profiles` and
 * `Influencer.contentItems` are added by the profiles and content modules.
 */
import './schema/voice.js';
import './schema/influencer.js';
import './schema/influencer-mutations.js';
import './schema/reference-pack.js';
import './schema/collaboration.js';
import './schema/preview.js';
import './schema/job-events.js';
import './schema/uploads.js';

export { Collaboration } from './schema/collaboration.js';
export { Influencer } from './schema/influencer.js';
export { Preview } from './schema/preview.js';
export { VoiceSample } from './schema/voice.js';
