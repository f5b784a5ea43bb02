/**
 * Every request the server makes goes through this module, guarded against
 * server-side request forgery: `safeFetch` (buffered: webhook endpoints,
 * connectors, image URLs, the skill registry, the agents' http_fetch tool)
 * and `guardedFetch` (a WHATWG `fetch` with a streaming body, given to the
 * openai SDK and used for the social platforms' APIs). A test
 * (test/outbound-guard.test.ts) fails when code outside this module calls
 * `fetch(` or builds an OpenAI client without it:
 *
 * - http and https only, no credentials in the URL;
 * - the host is resolved when the connection is made and EVERY address it
 *   resolves to must be public unicast (ipaddr.js ranges). Private, loopback,
 *   link-local, unique-local and carrier-grade NAT addresses are refused
 *   unless the policy allows private networks or lists the host (by name,
 *   address or CIDR) in `allowedHosts`. Unspecified, broadcast, multicast,
 *   reserved and the IPv6 forms that embed another address (NAT64, 6to4,
 *   Teredo) are refused always; IPv4-mapped IPv6 is judged as the IPv4
 *   address it maps. Cloud metadata addresses and names are refused always,
 *   whatever the policy says;
 * - the socket connects to the very address that was checked (the lookup
 *   is pinned inside the connection), so a second DNS answer cannot swap in
 *   another address (DNS rebinding);
 * - redirects (up to 5 hops, or none) are followed only after the next hop
 *   passes the same checks at its own connect time;
 * - one time bound for the whole exchange, a response size cap, and an
 *   optional AbortSignal.
 *
 * URLs the OPERATOR configured (OPENAI_BASE_URL, SKILL_REGISTRY_URL, the
 * platforms' API base URLs) are trusted: `trustOrigins` lists their exact
 * origins (scheme, host, port) in the policy, and requests to those origins
 * may reach private addresses (a local model server); metadata addresses stay
 * refused, and a redirect away from a trusted origin is checked as usual.
 * URLs a tenant supplies (webhooks, connectors, llmSettings.baseUrl, tool
 * calls) get the policy from OUTBOUND_ALLOW_PRIVATE_NETWORKS and
 * OUTBOUND_ALLOWED_HOSTS only.
 *
 * Failures are `OutboundRefused` (the policy said no) or `OutboundFailed`
 * (timeout, unreachable, too large…), each with a message safe to show to
 * the user who supplied the URL; socket and TLS error text is never passed on.
 *
 * This file is the guard's entry: callers import from here only. The guard
 * lives in src/infra/outbound/, one purpose a file:
 *
 * - policy.ts          the policy, address classification (private, metadata…), `checkOutboundUrl`, `trustOrigins`
 * - connect.ts         the connection pinned to the checked address; the one raw http(s) request
 * - buffered-fetch.ts  `safeFetch`: buffered, redirects hop by hop, time bound and size cap
 * - guarded-fetch.ts   `guardedFetch`: a WHATWG fetch with a streaming body (openai SDK, social platforms)
 * - errors.ts          `OutboundRefused`, `OutboundFailed`
 */
export { OutboundFailed, OutboundRefused, type OutboundFailure } from './outbound/errors.js';
export { addressRefusal, checkOutboundUrl, hostMatches, parseAllowedHost, trustOrigins, type OutboundPolicy } from './outbound/policy.js';
export type { Resolver } from './outbound/connect.js';
export { safeFetch, type SafeFetchOptions, type SafeResponse } from './outbound/buffered-fetch.js';
export { guardedFetch, type GuardedFetchOptions } from './outbound/guarded-fetch.js';
