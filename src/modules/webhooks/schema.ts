/** Webhook endpoints in the graph, and the team `events` subscription. */
export {};
