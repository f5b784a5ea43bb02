/**
 * Wardrobe items for a character (POST /api/v1/characters/:id/wardrobe/generate).
 *
 * With OpenAI: a JSON request through the text provider. Offline, the
 * embedded composer builds them deterministically: a style chosen from words
 * of the niche, base prompt and prompt (athletic, outdoor, smart, editorial,
 * casual), garments of that style in category order, coloured from the
 * aesthetic grade's palette (named) or colours named in the base prompt,
 * skipping names the wardrobe already has. Same inputs, same items. New
 * items are appended (or replace the wardrobe) with a conditional write, and
 * the cost is recorded in the same transaction.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ValidationError } from '../../errors.js';
import type { Influencer, Prisma } from '../../generated/prisma/client.js';
import { ProviderError } from '../../infra/ai/openai.js';
import type { OpenAiText } from '../../infra/ai/text.js';
import { parseInput } from '../../validation.js';
import { findGrade, estimate, recordCosts, type AestheticGrade } from '../catalog/service.js';
import { colourName, hexToRgb } from './colours.js';
import type { Billable } from './costs.js';
import { MAX_WARDROBE_ITEMS, WardrobeGenerateInput, WardrobeItem } from './inputs.js';
import { findOwn, modify } from './records.js';

export interface WardrobeRequest {
  name: string;
  basePrompt: string | null;
  niche: string | null;
  grade: AestheticGrade | null;
  existing: WardrobeItem[];
  prompt: string | null;
  count: number;
}

type Style = 'athletic' | 'outdoor' | 'smart' | 'editorial' | 'casual';

const STYLE_WORDS: [Style, RegExp][] = [
  ['athletic', /\b(fitness|gym|sport|athlet|run|yoga|workout|training)/i],
  ['outdoor', /\b(outdoor|hik|trail|camp|mountain|adventure|travel)/i],
  ['smart', /\b(business|finance|tech|office|career|startup|corporate)/i],
  ['editorial', /\b(fashion|luxury|model|runway|couture|editorial|beauty)/i],
];

const GARMENTS: Record<Style, [category: string, garment: string, what: string][]> = {
  athletic: [
    ['top', 'performance tank', 'breathable, for training days'],
    ['bottom', 'high-rise leggings', 'squat-proof, with a phone pocket'],
    ['outerwear', 'zip track jacket', 'for warm-ups and travel'],
    ['shoes', 'running shoes', 'light trainers with a cushioned sole'],
    ['accessory', 'cap', 'keeps the sun out mid-run'],
    ['top', 'cropped sports hoodie', 'for cool-downs'],
  ],
  outdoor: [
    ['outerwear', 'packable rain shell', 'light and windproof'],
    ['top', 'merino base layer', 'warm without bulk'],
    ['bottom', 'trail shorts', 'quick-drying with a hidden pocket'],
    ['shoes', 'trail runners', 'grippy soles for rough ground'],
    ['accessory', 'beanie', 'for early starts'],
    ['outerwear', 'fleece pullover', 'for camp evenings'],
  ],
  smart: [
    ['outerwear', 'tailored blazer', 'sharp shoulders, unlined'],
    ['top', 'silk shirt', 'for meetings and on-camera talks'],
    ['bottom', 'wide-leg trousers', 'pressed, high-waisted'],
    ['shoes', 'leather loafers', 'polished and comfortable'],
    ['accessory', 'minimal watch', 'a thin strap and a clean dial'],
    ['outerwear', 'wool overcoat', 'for the commute'],
  ],
  editorial: [
    ['dress', 'slip dress', 'bias-cut, catches the light'],
    ['outerwear', 'oversized trench', 'dramatic length and belt'],
    ['top', 'structured corset top', 'statement silhouette'],
    ['bottom', 'pleated maxi skirt', 'movement in every shot'],
    ['shoes', 'pointed mules', 'sleek, with a low heel'],
    ['accessory', 'sculptural earrings', 'an editorial accent'],
  ],
  casual: [
    ['top', 'relaxed tee', 'soft cotton, slightly oversized'],
    ['bottom', 'straight-leg jeans', 'a lived-in wash'],
    ['outerwear', 'cropped denim jacket', 'an easy layer'],
    ['shoes', 'canvas sneakers', 'clean and simple'],
    ['accessory', 'tote bag', 'for everyday carry'],
    ['top', 'cable-knit sweater', 'for cooler days'],
  ],
};

const COLOUR_WORDS = /\b(black|white|grey|gray|cream|beige|brown|red|burgundy|orange|yellow|olive|green|teal|blue|navy|purple|lavender|pink|auburn)\b/gi;

export function styleOf(req: Pick<WardrobeRequest, 'niche' | 'basePrompt' | 'prompt'>): Style {
  const text = [req.prompt, req.niche, req.basePrompt].filter(Boolean).join(' ');
  return STYLE_WORDS.find(([, re]) => re.test(text))?.[0] ?? 'casual';
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function composeWardrobe(req: WardrobeRequest): WardrobeItem[] {
  const style = styleOf(req);
  const seed = createHash('sha256').update(JSON.stringify([req.name, req.basePrompt, req.niche, req.grade?.id ?? null, req.prompt])).digest();
  const fromGrade = (req.grade?.palette ?? []).map((h) => colourName(hexToRgb(h)));
  const fromPrompt = [...`${req.prompt ?? ''} ${req.basePrompt ?? ''}`.matchAll(COLOUR_WORDS)].map((m) => m[1]!.toLowerCase().replace('gray', 'grey').replace('auburn', 'rust'));
  const colours = [...new Set([...fromPrompt, ...fromGrade])];
  if (!colours.length) colours.push('black', 'white', 'beige');
  const taken = new Set(req.existing.map((i) => i.name.toLowerCase()));
  const garments = GARMENTS[style];
  const out: WardrobeItem[] = [];
  const start = seed[0]! % garments.length;
  // Walk garments × colours from a seeded start until `count` new names are found.
  for (let k = 0; out.length < req.count && k < garments.length * colours.length * 2; k++) {
    const [category, garment, what] = garments[(start + k) % garments.length]!;
    const colour = colours[(seed[1]! + k + Math.floor(k / garments.length)) % colours.length]!;
    const name = `${cap(colour)} ${garment}`;
    if (taken.has(name.toLowerCase())) continue;
    taken.add(name.toLowerCase());
    const why = [what, req.grade ? `in the ${req.grade.name.toLowerCase()} palette` : null, req.prompt ? `for ${req.prompt}` : null].filter(Boolean).join(', ');
    out.push({ name, description: `${cap(why)}.`, category, colour });
  }
  return out;
}

const Answer = z.object({
  items: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(200),
        description: z.string().max(1000).nullish(),
        category: z.string().max(100).nullish(),
        colour: z.string().max(100).nullish(),
      }),
    )
    .min(1),
});

export async function wardrobeWithOpenAi(backend: OpenAiText, req: WardrobeRequest): Promise<{ items: WardrobeItem[]; model: string }> {
  const res = await backend.complete({
    system:
      'You are a stylist for an AI influencer. Answer a JSON object {"items": [{"name", "description", "category" (top|bottom|outerwear|dress|shoes|accessory), "colour"}]} with exactly the number of new wardrobe items asked for, none repeating the existing ones.',
    prompt: JSON.stringify({
      character: { name: req.name, basePrompt: req.basePrompt, niche: req.niche, aestheticGrade: req.grade ? { name: req.grade.name, look: req.grade.promptSuffix } : null },
      existingWardrobe: req.existing.map((i) => i.name),
      request: req.prompt,
      count: req.count,
    }),
    json: true,
    maxTokens: 1200,
  });
  const parsed = Answer.safeParse(JSON.parse(res.text));
  if (!parsed.success) throw new ProviderError('The LLM provider returned wardrobe items in an unexpected shape');
  return { items: parsed.data.items.slice(0, req.count), model: res.model };
}

// --- the stored wardrobe and its generation ----------------------------------------------------

export function wardrobeOf(inf: Pick<Influencer, 'wardrobe'>): WardrobeItem[] {
  const raw = Array.isArray(inf.wardrobe) ? inf.wardrobe : [];
  return raw.flatMap((w) => {
    const r = WardrobeItem.safeParse(w);
    return r.success ? [r.data] : [];
  });
}

/** New wardrobe items from the character (OpenAI JSON, or the embedded composer), appended (or `replace`); cost recorded. */
export async function generateWardrobe(ctx: ServiceContext, id: string, raw: unknown): Promise<Billable<{ influencer: Influencer; items: WardrobeItem[]; provider: string; model: string }>> {
  requireScope(ctx, 'character:write');
  const input = parseInput(WardrobeGenerateInput, raw);
  const inf = await findOwn(ctx, id);
  const backend = ctx.deps.ai.forText();
  const cost = estimate([{ action: 'text.generate', quantity: 1, provider: backend.kind }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };
  const existing = wardrobeOf(inf);
  const req = { name: inf.name, basePrompt: inf.basePrompt, niche: inf.niche, grade: findGrade(inf.aestheticGrade), existing: input.replace ? [] : existing, prompt: input.prompt ?? null, count: input.count };
  const made = backend.kind === 'openai' ? await wardrobeWithOpenAi(backend, req) : { items: composeWardrobe(req), model: backend.model };
  const items = made.items.map((i) => WardrobeItem.parse(i));
  const updated = await modify(ctx, id, async (now, tx) => {
    const next = input.replace ? items : [...wardrobeOf(now), ...items];
    if (next.length > MAX_WARDROBE_ITEMS) throw new ValidationError(`the wardrobe would hold ${next.length} items; at most ${MAX_WARDROBE_ITEMS} (use replace: true)`, 'count');
    await recordCosts(tx, ctx.actor.teamId, [{ action: 'text.generate', quantity: 1, provider: backend.kind, model: made.model }], { influencerId: id, wardrobe: true });
    return { wardrobe: next as Prisma.InputJsonArray };
  });
  return { dryRun: false, result: { influencer: updated, items, provider: backend.kind, model: made.model }, estimate: cost };
}
