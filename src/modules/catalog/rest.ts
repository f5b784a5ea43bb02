/** AutoPersonas' config catalogs (seed 001): features, pricing, aesthetic grades. */
import { ok, type Route } from '../../rest/route.js';
import * as catalog from './service.js';

export const catalogRoutes: Route[] = [
  { method: 'GET', path: '/api/v1/config/features', scope: 'character:read', summary: 'Feature-flag map for this environment', handler: async ({ ctx }) => ok(catalog.featureFlags(ctx)) },
  { method: 'GET', path: '/api/v1/config/pricing', scope: 'character:read', summary: 'Published rate table for image, video, and per-action pricing', handler: async ({ ctx }) => ok(catalog.pricing(ctx)) },
  { method: 'GET', path: '/api/v1/config/aesthetic-grades', scope: 'character:read', summary: 'Catalog of the 10 aesthetic grade presets', handler: async ({ ctx }) => ok(catalog.aestheticGrades(ctx)) },
];
