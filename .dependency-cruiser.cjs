/**
 * The import boundaries of src/ (DESIGN.md, "Rules that keep it simple"), checked by `npm test`
 * (`npm run check:boundaries`): a new wrong import fails the run and names the rule it broke.
 *
 * Layers: transport (src/server, src/graphql, src/rest, and each module's schema.ts, schema/**
 * and rest.ts) → module use cases (service.ts, inputs.ts, events.ts, jobs.ts and every other
 * module file) → infrastructure (src/infra). Composition files at the top of src/ (app.ts,
 * core.ts, context.ts, events.ts, jobs.ts, main.ts) wire them together.
 *
 * A module's entry file is its service.ts: the one file other modules may import. What a
 * module lends to others (a lookup, a price table, a connector) is exported there, even when
 * it is written in a file of its own. A module's schema (schema.ts or schema/**) and rest.ts
 * are its transport face: another module's schema or rest.ts may use them (a GraphQL type
 * ref, a REST view), nothing else may.
 *
 * Paths are from the repository root; TypeScript's `./x.js` specifiers resolve to `./x.ts`
 * through tsconfig.json, and type-only imports count (tsPreCompilationDeps): a type import
 * couples two files as much as a value import does.
 */
const MODULE_TRANSPORT = '^src/modules/[^/]+/(schema\\.ts$|schema/|rest\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'module-not-to-transport',
      comment:
        'Services, inputs, events and jobs serve GraphQL, REST, the CLI and jobs alike, so they never know the transport: ' +
        'no import of src/rest, src/graphql, src/server, nor of any module\'s schema or rest.ts (another module\'s are for ' +
        'transport files only: GraphQL type refs, REST views). Move what they need down (into the module, src/errors.ts, ' +
        'src/validation.ts or src/infra) instead.',
      severity: 'error',
      from: { path: '^src/modules/[^/]+/', pathNot: MODULE_TRANSPORT },
      to: { path: ['^src/(rest|graphql|server)/', MODULE_TRANSPORT] },
    },
    {
      name: 'infra-not-to-modules',
      comment:
        'src/infra is the bottom layer (database, pubsub, jobs, AI providers, crypto): it knows no module, so modules can ' +
        'change without touching it. Generic code takes type parameters instead (infra/pubsub.ts is typed by src/events.ts).',
      severity: 'error',
      from: { path: '^src/infra/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'module-through-entry',
      comment:
        'A module reaches another module only through its entry file, service.ts (or, from transport files, its schema ' +
        'and rest.ts), so each module can reorganise its other files freely. Export what others need from its service.ts.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/service\\.ts$', MODULE_TRANSPORT] },
    },
    {
      name: 'no-cycles-between-modules',
      comment:
        'An import cycle that crosses modules makes them one module in disguise (neither can change or load alone, and ' +
        'ES module cycles can meet a binding before it is initialised). Move the shared part down into one of them.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/', pathNot: '^src/modules/$1/', circular: true },
    },
    {
      name: 'outbound-through-the-guard',
      comment:
        'Every outbound request goes through the one guard (SECURITY.md, class 6): code outside it uses infra/safe-fetch.ts ' +
        '(safeFetch, guardedFetch), never the pieces under infra/outbound/, which would skip the address and redirect checks.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/infra/outbound/', '^src/infra/safe-fetch\\.ts$'] },
      to: { path: '^src/infra/outbound/' },
    },
    {
      name: 'no-raw-network-clients',
      comment:
        'Only the guard opens outbound connections (infra/outbound/connect.ts), and only the HTTP server listens ' +
        '(server/http.ts). Anything else imports their types at most: a network client used elsewhere could reach an ' +
        'internal address without the guard\'s checks.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/infra/outbound/connect\\.ts$', '^src/server/http\\.ts$'] },
      to: { path: '^(node:)?(http|https|http2|net|tls|dgram)$|^node_modules/(undici|node-fetch|axios|got|ky)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'openai-sdk-in-the-ai-layer',
      comment:
        'The OpenAI SDK is used by the AI layer only (src/infra/ai), which creates its clients in ai/client.ts with the ' +
        'guarded fetch (test/outbound-guard.test.ts checks that no other file calls new OpenAI). Modules ask deps.ai.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/infra/ai/' },
      to: { path: '^node_modules/openai/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'src-not-to-tests',
      comment: 'The product never loads test or bench code: it is not shipped (scripts/build.mjs bundles src/ only).',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import resolves. Also guards this check itself: an import it could not resolve would slip past every rule above.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],

  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Resolve packages' subpath exports (graphql-ws/use/ws, js-tiktoken/ranks/…) as Node and TypeScript do.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
