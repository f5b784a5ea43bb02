/** REST paths of the influencers module (seed 001, AutoPersonas). */
import type { Route } from '../../rest/route.js';

export const influencersRoutes: Route[] = [];
