/**
 * JSON merge patch (RFC 7386), as PATCH /api/v1/characters/:id/ingredients
 * applies it to the ingredient library: objects merge recursively, `null`
 * removes a member, arrays and scalars replace what was there. A small
 * function rather than a dependency: the algorithm is the RFC's ten lines.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A new value: `target` with `patch` applied (neither is modified). */
export function applyMergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return patch as Json;
  const result: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
