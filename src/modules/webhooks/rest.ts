/** Outbound webhook endpoints, deliveries and redelivery (AutoPersonas family). */
import type { Route } from '../../rest/route.js';

export const webhookRoutes: Route[] = [];
