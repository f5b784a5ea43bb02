/** The config catalogs in the graph: aesthetic grades and the rate table. */
import { builder, readableWith } from '../../graphql/builder.js';
import type { AestheticGrade as Grade } from './aesthetic-grades.js';
import type { CostEstimate, Rate as RateRow } from './pricing.js';
import * as catalog from './service.js';

const AestheticGrade = builder.objectRef<Grade>('AestheticGrade').implement({
  authScopes: readableWith.characters,
  description: 'An aesthetic grade preset: what it does to image prompts.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    promptSuffix: t.exposeString('promptSuffix', { description: 'Appended to every image prompt made with this grade.' }),
    avoid: t.exposeStringList('avoid'),
    palette: t.exposeStringList('palette'),
  }),
});

const Rate = builder.objectRef<RateRow>('Rate').implement({
  authScopes: readableWith.characters,
  description: 'One line of the rate table, in micro-dollars per unit.',
  fields: (t) => ({
    action: t.exposeString('action'),
    unit: t.exposeString('unit'),
    description: t.exposeString('description'),
    openaiMicros: t.int({ resolve: (r) => r.priceMicros.openai }),
    embeddedMicros: t.int({ resolve: (r) => r.priceMicros.embedded }),
  }),
});

builder.queryFields((t) => ({
  aestheticGrades: t.field({ type: [AestheticGrade], resolve: (_r, _a, ctx) => [...catalog.aestheticGrades(ctx)] }),
  rateTable: t.field({ type: [Rate], description: 'The rate table costs are recorded by.', resolve: (_r, _a, ctx) => [...catalog.pricing(ctx).rates] }),
}));

type EstimateLine = CostEstimate['lines'][number];
const CostEstimateLine = builder.objectRef<EstimateLine>('CostEstimateLine').implement({
  authScopes: readableWith.estimates,
  fields: (t) => ({
    action: t.exposeString('action'),
    quantity: t.exposeInt('quantity'),
    provider: t.exposeString('provider'),
    unitMicros: t.exposeInt('unitMicros'),
    totalMicros: t.exposeInt('totalMicros'),
  }),
});

/** What a billable generation would cost (every `dryRun` answers one); shared by influencers, profiles and content. */
export const CostEstimateRef = builder.objectRef<CostEstimate>('CostEstimate').implement({
  authScopes: readableWith.estimates,
  description: 'What a generation would cost by the rate table in force (GET /api/v1/config/pricing).',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    totalMicros: t.exposeInt('totalMicros'),
    total: t.exposeFloat('total'),
    rateTableVersion: t.exposeString('rateTableVersion'),
    lines: t.field({ type: [CostEstimateLine], resolve: (e) => e.lines }),
  }),
});

builder.queryField('features', (t) =>
  t.field({ type: 'JSON', description: 'The feature-flag map of this environment (GET /api/v1/config/features).', resolve: (_r, _a, ctx) => catalog.featureFlags(ctx) }),
);
