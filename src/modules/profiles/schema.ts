/**
 * The profiles module in the graph, one file per type under schema/: the
 * `Profile` node (with its influencer, voice corpus, voice stats and media
 * library), `ProfileVoiceSample`, `MediaItem`, `ContentDirection`, the
 * queries `profile` / `profiles`, the mutations, and `Influencer.profiles`.
 * `Profile.batches` and `Profile.contentItems` come from the content module;
 * `Influencer` from the influencers module (the links to it are added only
 * when that type exists, so this module builds either way).
 */
import './schema/direction.js';
import './schema/voice.js';
import './schema/media.js';
import './schema/profile.js';
import './schema/caption.js';
