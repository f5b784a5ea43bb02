/** REST paths of the profiles module (seed 001, AutoPersonas). */
import type { Route } from '../../rest/route.js';

export const profilesRoutes: Route[] = [];
