/** Connected social accounts (AutoPersonas). */
import type { Route } from '../../rest/route.js';

export const accountRoutes: Route[] = [];
