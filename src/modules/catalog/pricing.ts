/**
 * The published rate table (GET /api/v1/config/pricing) and the one place
 * costs are computed and recorded (`CostRecord`). Prices are per unit in
 * micro-dollars (1 USD = 1,000,000) and per provider: what the embedded,
 * offline provider makes costs nothing; OpenAI-backed generations are priced
 * as listed. A cost record keeps the unit price it was charged at, so a later
 * change of the table never rewrites history.
 */
import type { Prisma } from '../../generated/prisma/client.js';
import type { PrismaClient } from '../../infra/db/client.js';

export type PricedAction =
  | 'image.generate'
  | 'caption.generate'
  | 'text.generate'
  | 'photo.analyze'
  | 'video.second'
  | 'voice.clone';

export interface Rate {
  action: PricedAction;
  unit: string;
  description: string;
  /** Per provider, micro-dollars per unit. */
  priceMicros: { openai: number; embedded: number };
}

export const RATE_TABLE_VERSION = '2026-11-01';

export const RATES: readonly Rate[] = [
  { action: 'image.generate', unit: 'image', description: 'One generated image: content item, reference view, preview, wardrobe look', priceMicros: { openai: 40_000, embedded: 0 } },
  { action: 'caption.generate', unit: 'caption', description: 'One caption written or rewritten in a profile’s voice', priceMicros: { openai: 2_000, embedded: 0 } },
  { action: 'text.generate', unit: 'request', description: 'Drafted content directions or wardrobe items', priceMicros: { openai: 2_000, embedded: 0 } },
  { action: 'photo.analyze', unit: 'photo', description: 'One photo read by the vision model (analyze-photos)', priceMicros: { openai: 5_000, embedded: 0 } },
  { action: 'video.second', unit: 'second', description: 'One second of generated video', priceMicros: { openai: 100_000, embedded: 0 } },
  { action: 'voice.clone', unit: 'clone', description: 'Building a voice clone from samples', priceMicros: { openai: 0, embedded: 0 } },
];

export type Provider = 'openai' | 'embedded';

export interface CostLine {
  action: PricedAction;
  quantity: number;
  provider: Provider;
  model?: string | null;
}

export function unitPrice(action: PricedAction, provider: Provider): number {
  const rate = RATES.find((r) => r.action === action);
  if (!rate) throw new Error(`no rate for ${action}`);
  return rate.priceMicros[provider];
}

export interface CostEstimate {
  currency: 'USD';
  /** Total in micro-dollars and in dollars (rounded to 6 places). */
  totalMicros: number;
  total: number;
  rateTableVersion: string;
  lines: { action: PricedAction; quantity: number; provider: Provider; unitMicros: number; totalMicros: number }[];
}

/** Prices lines by the table in force: the body of a `dryRun: true` answer, and what recordCosts stores. */
export function estimate(lines: CostLine[]): CostEstimate {
  const priced = lines.map((l) => {
    const unitMicros = unitPrice(l.action, l.provider);
    return { action: l.action, quantity: l.quantity, provider: l.provider, unitMicros, totalMicros: unitMicros * l.quantity };
  });
  const totalMicros = priced.reduce((n, l) => n + l.totalMicros, 0);
  return { currency: 'USD', totalMicros, total: totalMicros / 1e6, rateTableVersion: RATE_TABLE_VERSION, lines: priced };
}

/** Records what generations cost; pass the transaction that stores their results so a cost exists exactly when the result does. */
export async function recordCosts(
  db: Pick<PrismaClient, 'costRecord'>,
  teamId: string,
  lines: CostLine[],
  subject: Prisma.InputJsonValue,
): Promise<void> {
  const rows = lines.filter((l) => l.quantity > 0);
  if (!rows.length) return;
  await db.costRecord.createMany({
    data: rows.map((l) => {
      const unitMicros = unitPrice(l.action, l.provider);
      return { teamId, action: l.action, quantity: l.quantity, unitMicros, totalMicros: unitMicros * l.quantity, provider: l.provider, model: l.model ?? null, subject };
    }),
  });
}
