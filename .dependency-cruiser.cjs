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
