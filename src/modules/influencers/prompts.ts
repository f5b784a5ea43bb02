/**
 * The image prompts of this module: one view of a 4-view reference pack, and
 * one preview shot. Both start from the character (its base prompt, or its
 * name and niche) and end with the aesthetic grade's look and what it avoids;
 * prompts are clipped to 4000 characters.
 */
import type { Influencer } from '../../generated/prisma/client.js';
import { clipText } from '../../infra/unicode.js';
import { findGrade, type AestheticGrade } from '../catalog/service.js';
import type { PACK_VIEWS } from './inputs.js';
import type { PreviewSpec } from './previews.js';

const VIEW_TEXT: Record<(typeof PACK_VIEWS)[number], string> = {
  front: 'front view, facing the camera',
  left: 'left profile view, the character facing left',
  right: 'right profile view, the character facing right',
  back: 'back view, the character facing away from the camera',
};

export function subjectOf(spec: { name?: string | null; basePrompt?: string | null; niche?: string | null }): string {
  return spec.basePrompt?.trim() || `${spec.name ?? 'a character'}${spec.niche ? `, a ${spec.niche} creator` : ''}`;
}

function gradeParts(grade: AestheticGrade | null): (string | null)[] {
  return [grade?.promptSuffix ?? null, grade?.avoid.length ? `avoid: ${grade.avoid.join(', ')}` : null];
}

/** The image prompt of one view of a reference pack. */
export function packPrompt(inf: Pick<Influencer, 'name' | 'basePrompt' | 'niche' | 'aestheticGrade'>, view: (typeof PACK_VIEWS)[number]): string {
  return clipText([
    subjectOf(inf),
    `Character reference sheet, ${VIEW_TEXT[view]}`,
    'full body, neutral pose, plain light-grey studio background, even lighting, the same person and outfit in every view',
    ...gradeParts(findGrade(inf.aestheticGrade)),
  ]
    .filter(Boolean)
    .join('. '), 4000);
}

const PREVIEW_SHOTS = [
  'head-and-shoulders portrait, looking into the camera',
  'three-quarter view, candid smile',
  'full-body shot in their signature outfit',
  'lifestyle shot in their element',
];

/** The image prompt of the `index`-th preview image (the shots take turns). */
export function previewPrompt(spec: PreviewSpec, index: number): string {
  return clipText([subjectOf(spec), spec.niche && spec.basePrompt ? `a ${spec.niche} creator` : null, PREVIEW_SHOTS[index % PREVIEW_SHOTS.length], ...gradeParts(findGrade(spec.aestheticGrade))]
    .filter(Boolean)
    .join('. '), 4000);
}
