/** AutoPersonas' config catalogs (seed 001): features, pricing, aesthetic grades. */
import { ok, type Route } from '../../rest/route.js';
import * as catalog from './service.js';
import * as bodies from './responses.js';

export const catalogRoutes: Route[] = [
  { method: 'GET', path: '/api/v1/config/features', scope: 'character:read', response: bodies.FeatureFlagsBody, summary: 'Feature-flag map for this environment', handler: async ({ ctx }) => ok(catalog.featureFlags(ctx)) },
  { method: 'GET', path: '/api/v1/config/pricing', scope: 'character:read', response: bodies.PricingBody, summary: 'Published rate table for image, video, and per-action pricing', handler: async ({ ctx }) => ok(catalog.pricing(ctx)) },
  { method: 'GET', path: '/api/v1/config/aesthetic-grades', scope: 'character:read', response: bodies.AestheticGradeListBody, summary: 'Catalog of the 10 aesthetic grade presets', handler: async ({ ctx }) => ok(catalog.aestheticGrades(ctx)) },
];
