/** REST paths of the content module (seed 001, AutoPersonas). */
import type { Route } from '../../rest/route.js';

export const contentRoutes: Route[] = [];
