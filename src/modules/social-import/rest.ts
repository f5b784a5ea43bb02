/** Social import jobs (AutoPersonas). */
import type { Route } from '../../rest/route.js';

export const socialImportRoutes: Route[] = [];
