/**
 * Scope auth with a shorter path for the check that runs most: a field whose
 * only check is its type's static scope map (`authScopes: readableWith.x`,
 * builder.ts) — every scalar field of every object type. The plugin's own
 * wrapper runs a generic list of steps per field call (closures, the request
 * cache looked up, the resolver as one more step); a nested read resolves
 * thousands of fields (bench W2: ~16,000 a request, the plugin ~12 % of the
 * server's time and more in the garbage collector).
 *
 * Here such a field asks the plugin's request cache for the map's outcome
 * (the same call the plugin's step makes, evaluated once per request) and,
 * when it is granted, calls the resolver. Anything else — refused, not yet
 * known (an async scope), or any other kind of check (field scopes, grants,
 * interface scopes, type scope functions) — goes through the plugin's own
 * wrapper unchanged, so what is refused, and the error it gets, stay the
 * plugin's.
 */
import SchemaBuilder, { type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import ScopeAuthPlugin, { PothosScopeAuthPlugin, RequestCache } from '@pothos/plugin-scope-auth';
import type { GraphQLFieldResolver } from 'graphql';

class TypeScopesFirst<Types extends SchemaTypes> extends PothosScopeAuthPlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>) {
    const wrapped = super.wrapResolve(resolver, fieldConfig);
    const map = wrapped === resolver ? null : this.onlyTypeScopeMap(resolver, fieldConfig);
    if (!map) return wrapped;
    const builder = this.builder;
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof wrapped>[3]) =>
      RequestCache.fromContext(context, builder).evaluateScopeMap(map as Parameters<RequestCache<Types>['evaluateScopeMap']>[0], info) === null ? resolver(parent, args, context, info) : wrapped(parent, args, context, info);
  }

  /** The parent type's scope map when the plugin's steps for this field are exactly "that map, then the resolver". */
  private onlyTypeScopeMap(resolver: GraphQLFieldResolver<unknown, Types['Context'], object>, fieldConfig: PothosOutputFieldConfig<Types>): object | null {
    const typeConfig = this.buildCache.getTypeConfig(fieldConfig.parentType);
    if (typeConfig.graphqlKind !== 'Object' || typeConfig.kind !== 'Object' || fieldConfig.declaringType) return null;
    const scopes = typeConfig.pothosOptions.authScopes as unknown;
    if (!scopes || typeof scopes !== 'object') return null;
    const steps = this.createResolveSteps(fieldConfig, typeConfig, resolver, this.runTypeScopesOnField(typeConfig), false, typeConfig);
    return steps.length === 2 && steps[0]!.key === `authScopes:${typeConfig.name}` && !steps[1]!.key ? scopes : null;
  }
}

// Replaces the plugin's registration (same name, same options) before the builder is made.
SchemaBuilder.allowPluginReRegistration = true;
SchemaBuilder.registerPlugin(ScopeAuthPlugin, TypeScopesFirst as unknown as typeof PothosScopeAuthPlugin);
SchemaBuilder.allowPluginReRegistration = false;

export default ScopeAuthPlugin;
