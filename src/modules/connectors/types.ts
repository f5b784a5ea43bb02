/**
 * One interface for every social platform personagraph publishes to, imports
 * from and reads engagement of. Publishing (src/modules/publishing), social
 * import and the engagement job only ever talk to a `Connector`; each file
 * next to this one speaks one platform's documented API.
 */
import type { SocialAccount } from '../../generated/prisma/client.js';

export type Platform = 'sandbox' | 'webhook' | 'x' | 'tiktok' | 'instagram';
export const PLATFORMS: readonly Platform[] = ['sandbox', 'webhook', 'x', 'tiktok', 'instagram'];

/** An account as a connector sees it: its row plus the credentials, decrypted. */
export interface ConnectedAccount {
  id: string;
  teamId: string;
  platform: string;
  handle: string;
  externalId: string | null;
  config: Record<string, unknown>;
  credentials: Record<string, string>;
}

export interface PostMedia {
  blobId: string;
  bytes: Buffer;
  contentType: string;
  /** A link the platform can fetch without a key (signed, expiring), or null without PUBLIC_BASE_URL. */
  publicUrl: string | null;
}

/** What one post is made of: text alone, one image, several images (a carousel / photo post), or one video. */
export type PostFormat = 'text' | 'image' | 'carousel' | 'video';
export const POST_FORMATS: readonly PostFormat[] = ['text', 'image', 'carousel', 'video'];

/**
 * What a platform accepts in one post, checked before anything is sent
 * (src/modules/publishing/formats.ts answers 400 for the rest).
 */
export interface Capabilities {
  formats: readonly PostFormat[];
  /** The most images of one carousel (at least 2 make one). */
  maxImages: number;
  /** Content types accepted, by prefix match ('image/' takes any image). */
  imageTypes: readonly string[];
  videoTypes: readonly string[];
  /** The longest text, in characters (Unicode code points). */
  maxText: number;
  /** Where the platform says so in its own terms, for the 400 message. */
  note: string;
}

export interface Post {
  /** The same on every attempt of one publication: the platform must end up with one post per key. */
  idempotencyKey: string;
  caption: string;
  format: PostFormat;
  /** The images in order (image, carousel) or the one video (video); empty for text. */
  media: PostMedia[];
  /** When the publication was created: posts before it cannot be this one. */
  since: Date;
}

/**
 * What the connector already did on the platform for this publication
 * (stored with it, `Publication.platformState`): `save` writes it at once, so a
 * crash right after an irreversible step (a container made, a publish started)
 * resumes from there instead of doing it again.
 */
export interface PublishState {
  value: Record<string, unknown>;
  save(next: Record<string, unknown>): Promise<void>;
}

export interface Published {
  externalId: string;
  url: string | null;
}

export interface Metrics {
  impressions: number;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  saves: number;
}

export interface ImportedPost {
  externalId: string;
  text: string;
  createdAt: Date | null;
  /** Kept by reference (`url`), or, for media already in our blob store (sandbox), by `blobId`. */
  media: { url: string; contentType: string | null; kind: 'image' | 'video'; blobId?: string }[];
}

export interface VerifiedAccount {
  handle: string;
  externalId: string | null;
  displayName: string | null;
}

export interface Connector {
  platform: Platform;
  /** What `POST /api/v1/accounts` needs in `credentials` and `config` (shown in errors and docs). */
  describe: { credentials: string[]; config: string[]; publishes: string; unpublish: boolean; engagement: boolean; import: boolean };
  /** What one post may hold on this platform. */
  capabilities: Capabilities;
  /** The account's follower count now; null where the platform has none (webhook). */
  followers(account: ConnectedAccount, signal: AbortSignal): Promise<number | null>;
  /** Checks the credentials (and config) on connect; PlatformError when the platform refuses them. */
  verify(account: ConnectedAccount, signal: AbortSignal): Promise<VerifiedAccount>;
  /** Publishes once per `post.idempotencyKey`, however often it is called (each connector says how). */
  publish(account: ConnectedAccount, post: Post, state: PublishState, signal: AbortSignal): Promise<Published>;
  /** Removes a published post; PlatformError `unsupported` where the platform cannot. */
  unpublish(account: ConnectedAccount, externalId: string, signal: AbortSignal): Promise<void>;
  /** Current engagement of published posts, by external id (posts the platform no longer knows are left out). */
  engagement(account: ConnectedAccount, posts: { externalId: string; publishedAt: Date }[], signal: AbortSignal): Promise<Map<string, Metrics>>;
  /** One page of the account's posts, newest first. */
  importPosts(account: ConnectedAccount, page: { cursor: string | null; limit: number }, signal: AbortSignal): Promise<{ posts: ImportedPost[]; nextCursor: string | null }>;
}

/**
 * The platform said no, or could not be reached. `message` is the platform's
 * own words (safe to show the user: it is not our internals); `retryable`
 * says whether trying again later can help (rate limits, 5xx, timeouts).
 */
export class PlatformError extends Error {
  override name = 'PlatformError';
  readonly retryable: boolean;
  readonly statusCode: number | null;
  /** `unsupported`: the platform has no such operation; `config`: our side lacks a setting. */
  readonly kind: 'refused' | 'unavailable' | 'unsupported' | 'config';
  constructor(message: string, opts: { retryable: boolean; statusCode?: number | null; kind?: PlatformError['kind'] }) {
    super(message);
    this.retryable = opts.retryable;
    this.statusCode = opts.statusCode ?? null;
    this.kind = opts.kind ?? (opts.retryable ? 'unavailable' : 'refused');
  }
}

export const unsupported = (platform: Platform, what: string) =>
  new PlatformError(`${platform} does not support ${what}`, { retryable: false, kind: 'unsupported' });

export function accountView(row: SocialAccount, credentials: Record<string, string>): ConnectedAccount {
  return {
    id: row.id,
    teamId: row.teamId,
    platform: row.platform,
    handle: row.handle,
    externalId: row.externalId,
    config: (row.config ?? {}) as Record<string, unknown>,
    credentials,
  };
}
