/**
 * Profiles (AutoPersonas, seed 001): the module's entry. Brand voices with
 * their influencer, niche, content directions and voice corpus. What REST,
 * GraphQL and other modules call lives here, by use case:
 *
 * - crud.ts              list, read, create, update and delete profiles
 * - corpus.ts            the voice corpus: its stats and samples written by hand
 * - drafts.ts            draft content directions from a brief (billable; saved with their cost in one transaction)
 * - generate-caption.ts  a caption for an image in the profile's voice (billable; fetches or reads the image)
 * - media-library.ts     read the profile's media library
 * - lookups.ts           the team-filtered reads, the REST view and the stored directions they share
 *
 * and, underneath: directions.ts and captions.ts (the drafter and the caption
 * writer, OpenAI or embedded), voice.ts (a voice's habits, read from its
 * corpus), library.ts (the writes other modules make into the corpus and the
 * media library).
 *
 * Every function checks its scope first, then reads with the team filter:
 * another team's profile (or influencer, or media) is 404, never 403.
 * Billable calls take `dryRun` and record their cost (catalog/pricing.ts).
 */
export {
  directionsOf,
  PROFILE_INCLUDE,
  requireContentRead,
  type Billable,
  type ContentDirection,
  type PrismaQuery,
  type ProfileView,
} from './lookups.js';
export * from './crud.js';
export * from './corpus.js';
export * from './drafts.js';
export * from './generate-caption.js';
export * from './media-library.js';

/** What other modules use of the profile's voice and media library (content generation, social imports). */
export { MAX_CAPTION_LENGTH, writeCaption, type Caption } from './captions.js';
export { addMediaItem, addVoiceSamples, recentVoiceTexts } from './library.js';
