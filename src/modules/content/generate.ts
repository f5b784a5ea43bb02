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
}

/** Loads what every item of a profile needs once: the grade, the reference images, the voice corpus. */
export async function setupGeneration(deps: Deps, profile: ProfileWithInfluencer, aestheticGrade: string | null | undefined): Promise<GenerationSetup> {
  const influencer = profile.influencer;
  const grade = findGrade(aestheticGrade ?? influencer?.aestheticGrade ?? null);
  const refs = Array.isArray(influencer?.references) ? (influencer!.references as { view?: unknown; blobId?: unknown }[]) : [];
  const order = ['front', 'left', 'right', 'back', 'other'];
  const ids = refs
    .filter((r) => r && typeof r.blobId === 'string')
    .sort((a, b) => order.indexOf(String(a.view)) - order.indexOf(String(b.view)))
    .map((r) => r.blobId as string)
    .slice(0, 4);
  const blobs = ids.length ? await deps.prisma.blob.findMany({ where: { id: { in: ids }, teamId: profile.teamId, kind: 'image' } }) : [];
  const references = ids.flatMap((id, i) => {
    const b = blobs.find((x) => x.id === id);
    return b ? [{ bytes: Buffer.from(b.bytes), contentType: b.contentType, filename: `reference-${i + 1}.${b.contentType.split('/')[1] ?? 'png'}` }] : [];
  });
  const voiceSamples = await recentVoiceTexts(deps.prisma, profile.id);
  return { teamId: profile.teamId, profile, grade, references, voiceSamples };
}

/** The image prompt of an item (kept in its metadata, so a reader sees what was asked). */
export function imagePrompt(setup: GenerationSetup, item: { prompt: string | null; position: number }, generation: number): string {
  const { profile, grade } = setup;
  const inf = profile.influencer;
  const subject = inf?.basePrompt?.trim() || (inf ? `${inf.name}${inf.niche ? `, a ${inf.niche} creator` : ''}` : `a ${profile.niche ?? 'lifestyle'} social media photo for ${profile.name}`);
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
      direction: item.prompt,
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
      image: { provider: image.metadata.provider, model: image.metadata.model },
      caption: { provider: caption.provider, model: caption.model },
    },
  };
}

/** Which providers a generation would use now (for dryRun estimates). */
export function currentProviders(deps: Deps): { images: 'openai' | 'embedded'; text: 'openai' | 'embedded' } {
  return { images: deps.ai.forImages([]).name, text: deps.ai.forText().kind };
}
