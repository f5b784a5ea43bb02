/**
 * Making one content item: its image (the influencer's base prompt, the
 * item's topic, a framing, the aesthetic grade; the influencer's reference
 * images as style references) and then its caption (the profile's voice,
 * the influencer, the topic, and the image itself for vision models).
 * Shared by the batch job and regenerate. Nothing here writes: callers store
 * the result and its costs in one transaction.
 */
import type { Deps } from '../../context.js';
import type { Influencer, Prisma, Profile } from '../../generated/prisma/client.js';
import type { GeneratedImage } from '../../infra/ai/provider.js';
import { findGrade, recordCosts, type AestheticGrade, type CostLine } from '../catalog/service.js';
import { addMediaItem, recentVoiceTexts, writeCaption, type Caption, type ContentDirection } from '../profiles/service.js';
import type { PrismaClient } from '../../infra/db/client.js';
import { clipText } from '../../infra/unicode.js';

export const directionText = (d: ContentDirection | undefined | null) => (d ? [d.title, d.prompt].filter(Boolean).join(': ') || null : null);

/**
 * What item `position` of a batch is about: the batch prompt, else the chosen
 * direction, else the profile's directions in turn (so a batch covers them all).
 */
export function itemTopic(position: number, opts: { prompt?: string | null; contentDirectionId?: string | null }, directions: ContentDirection[]): { prompt: string | null; contentDirectionId: string | null } {
  if (opts.prompt) return { prompt: opts.prompt, contentDirectionId: opts.contentDirectionId ?? null };
  const d = opts.contentDirectionId ? directions.find((x) => x.id === opts.contentDirectionId) : directions.length ? directions[position % directions.length] : undefined;
  return { prompt: directionText(d), contentDirectionId: d?.id ?? null };
}

const FRAMINGS = [
  'candid mid shot',
  'close-up portrait',
  'full-body outfit shot',
  'lifestyle scene showing the surroundings',
  'over-the-shoulder candid moment',
  'detail shot with the subject in soft focus',
];

export type ProfileWithInfluencer = Profile & { influencer: Influencer | null };

export interface GenerationSetup {
  teamId: string;
  profile: ProfileWithInfluencer;
  grade: AestheticGrade | null;
  references: { bytes: Buffer; contentType: string; filename: string }[];
  voiceSamples: string[];
  /** A collaboration's influencers, in its order, when the content features them together (else empty). */
  cast: Influencer[];
}

const VIEW_ORDER = ['front', 'left', 'right', 'back', 'other'];

/** An influencer's reference image ids, front first. */
function referenceIds(influencer: Influencer | null | undefined): string[] {
  const refs = Array.isArray(influencer?.references) ? (influencer!.references as { view?: unknown; blobId?: unknown }[]) : [];
  return refs
    .filter((r) => r && typeof r.blobId === 'string')
    .sort((a, b) => VIEW_ORDER.indexOf(String(a.view)) - VIEW_ORDER.indexOf(String(b.view)))
    .map((r) => r.blobId as string);
}

/**
 * Loads what every item of a profile needs once: the grade, the reference images, the voice corpus.
 * `featuring` (a collaboration's influencer ids): each one's front reference, up to 4, and all of them in the prompt.
 */
export async function setupGeneration(deps: Deps, profile: ProfileWithInfluencer, aestheticGrade: string | null | undefined, featuring: readonly string[] = []): Promise<GenerationSetup> {
  const influencer = profile.influencer;
  const found = featuring.length ? await deps.prisma.influencer.findMany({ where: { teamId: profile.teamId, id: { in: [...featuring] } } }) : [];
  const cast = featuring.flatMap((id) => found.filter((f) => f.id === id));
  const grade = findGrade(aestheticGrade ?? influencer?.aestheticGrade ?? cast[0]?.aestheticGrade ?? null);
  const ids = (cast.length ? cast.flatMap((c) => referenceIds(c).slice(0, 1)) : referenceIds(influencer)).slice(0, 4);
  const blobs = ids.length ? await deps.prisma.blob.findMany({ where: { id: { in: ids }, teamId: profile.teamId, kind: 'image' } }) : [];
  const references = ids.flatMap((id, i) => {
    const b = blobs.find((x) => x.id === id);
    return b ? [{ bytes: Buffer.from(b.bytes), contentType: b.contentType, filename: `reference-${i + 1}.${b.contentType.split('/')[1] ?? 'png'}` }] : [];
  });
  const voiceSamples = await recentVoiceTexts(deps.prisma, profile.id);
  return { teamId: profile.teamId, profile, grade, references, voiceSamples, cast };
}

const portrait = (inf: Influencer) => inf.basePrompt?.trim() || `${inf.name}${inf.niche ? `, a ${inf.niche} creator` : ''}`;

/** The image prompt of an item (kept in its metadata, so a reader sees what was asked). */
export function imagePrompt(setup: GenerationSetup, item: { prompt: string | null; position: number }, generation: number): string {
  const { profile, grade } = setup;
  const inf = profile.influencer;
  const subject = setup.cast.length
    ? `${setup.cast.length} people together in one photo: ${setup.cast.map((c) => `${c.name} (${portrait(c)})`).join('; ')}`
    : inf
      ? portrait(inf)
      : `a ${profile.niche ?? 'lifestyle'} social media photo for ${profile.name}`;
  const parts = [
    subject,
    item.prompt ? `Scene: ${item.prompt}` : null,
    FRAMINGS[(item.position + generation) % FRAMINGS.length],
    grade?.promptSuffix ?? null,
    grade?.avoid.length ? `avoid: ${grade.avoid.join(', ')}` : null,
    generation > 0 ? `take ${generation + 1}` : null,
  ];
  return clipText(parts.filter(Boolean).join('. '), 4000);
}

export interface GeneratedContent {
  image: GeneratedImage;
  caption: Caption;
  imagePrompt: string;
  costs: CostLine[];
  metadata: Prisma.InputJsonObject;
}

/**
 * Files a generated image in the profile's media library and records what it
 * cost, in the caller's transaction (with the item's write). `about` says what
 * made it (`{batchId}` or `{regenerate: n}`); it goes on both records.
 */
export async function fileGeneratedImage(
  tx: Pick<PrismaClient, 'mediaItem' | 'profileVoiceSample' | 'costRecord'>,
  item: { id: string; teamId: string; profileId: string },
  blobId: string,
  made: GeneratedContent,
  about: { batchId: string } | { regenerate: number },
): Promise<void> {
  await addMediaItem(tx, {
    teamId: item.teamId,
    profileId: item.profileId,
    kind: 'image',
    source: 'generated',
    blobId,
    caption: made.caption.caption,
    contentItemId: item.id,
    metadata: { provider: made.image.metadata.provider, model: made.image.metadata.model, ...('batchId' in about ? about : { regenerated: about.regenerate }) },
  });
  await recordCosts(tx, item.teamId, made.costs, { contentItemId: item.id, profileId: item.profileId, ...about });
}

/** Makes the image, then the caption for it. Throws the provider's AppError on failure. */
export async function generateItem(
  deps: Deps,
  setup: GenerationSetup,
  item: { id: string; prompt: string | null; position: number },
  generation: number,
  signal?: AbortSignal,
): Promise<GeneratedContent> {
  const prompt = imagePrompt(setup, item, generation);
  const image = await deps.ai.forImages([]).generateImage({ prompt, styleReferences: setup.references });
  const { profile } = setup;
  const inf = profile.influencer;
  const caption = await writeCaption(
    deps,
    {
      profile: { name: profile.name, niche: profile.niche, description: profile.description },
      influencer: inf ? { name: inf.name, handle: inf.handle, bio: inf.bio, niche: inf.niche } : null,
      voiceSamples: setup.voiceSamples,
      direction: setup.cast.length ? [item.prompt, `featuring ${setup.cast.map((c) => (c.handle ? `@${c.handle}` : c.name)).join(' and ')}`].filter(Boolean).join(', ') : item.prompt,
      image: { bytes: image.bytes, contentType: image.contentType },
      seed: `${item.id}:${generation}`,
    },
    signal,
  );
  return {
    image,
    caption,
    imagePrompt: prompt,
    costs: [
      { action: 'image.generate', quantity: 1, provider: image.metadata.provider, model: image.metadata.model },
      { action: 'caption.generate', quantity: 1, provider: caption.provider, model: caption.model },
    ],
    metadata: {
      generation,
      imagePrompt: prompt,
      aestheticGrade: setup.grade?.id ?? null,
      styleReferences: setup.references.length,
      ...(setup.cast.length ? { featuring: setup.cast.map((c) => c.id) } : {}),
      image: { provider: image.metadata.provider, model: image.metadata.model },
      caption: { provider: caption.provider, model: caption.model },
    },
  };
}

/** Which providers a generation would use now (for dryRun estimates). */
export function currentProviders(deps: Deps): { images: 'openai' | 'embedded'; text: 'openai' | 'embedded' } {
  return { images: deps.ai.forImages([]).name, text: deps.ai.forText().kind };
}
