/** The route table: every REST path the server answers, by module. */
import { authRoutes } from '../modules/auth/rest.js';
import { autouserRoutes, evalStudioPersonaRoutes } from '../modules/personas/rest.js';
import { projectRoutes } from '../modules/projects/rest.js';
import type { Route } from './route.js';

export const allRoutes: Route[] = [...authRoutes, ...autouserRoutes, ...projectRoutes, ...evalStudioPersonaRoutes];
