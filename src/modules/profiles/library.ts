/**
 * Writes into a profile's media library and voice corpus, for the modules
 * that produce them (content generation now, social import later). Each takes
 * the caller's transaction so the entry exists exactly when what it records does.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { PrismaClient } from '../../infra/db/client.js';

type Db = Pick<PrismaClient, 'mediaItem' | 'profileVoiceSample'>;

export interface NewMediaItem {
  teamId: string;
  profileId: string;
  kind: 'image' | 'video';
  source: 'generated' | 'imported';
  blobId?: string | null;
  url?: string | null;
  caption?: string | null;
  contentItemId?: string | null;
  metadata?: Prisma.InputJsonValue;
}

export async function addMediaItem(db: Db, item: NewMediaItem): Promise<void> {
  await db.mediaItem.create({
    data: {
      teamId: item.teamId,
      profileId: item.profileId,
      kind: item.kind,
      source: item.source,
      blobId: item.blobId ?? null,
      url: item.url ?? null,
      caption: item.caption ?? null,
      contentItemId: item.contentItemId ?? null,
      metadata: item.metadata ?? {},
    },
  });
}

/** Adds texts to the corpus (empty and duplicate texts of the profile are skipped). */
export async function addVoiceSamples(db: Db, teamId: string, profileId: string, texts: string[], source: 'manual' | 'import' | 'approved'): Promise<number> {
  const clean = [...new Set(texts.map((t) => t.trim()).filter(Boolean))];
  if (!clean.length) return 0;
  const existing = await db.profileVoiceSample.findMany({ where: { profileId, text: { in: clean } }, select: { text: true } });
  const known = new Set(existing.map((e) => e.text));
  const fresh = clean.filter((t) => !known.has(t));
  if (fresh.length) await db.profileVoiceSample.createMany({ data: fresh.map((text) => ({ teamId, profileId, text, source })) });
  return fresh.length;
}

/** The newest corpus texts of a profile (what captions are grounded in). */
export async function recentVoiceTexts(db: Db, profileId: string, limit = 50): Promise<string[]> {
  const rows = await db.profileVoiceSample.findMany({ where: { profileId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit, select: { text: true } });
  return rows.map((r) => r.text);
}
