/**
 * API version pinning. `Autousers-Version: YYYY-MM-DD` (seed 000) and the
 * generic `API-Version` pick a known version; none means the latest. The
 * response echoes the version used. Known versions live only here.
 */
import { ValidationError } from '../errors.js';

/** Oldest first; the last is the latest stable version. */
export const KNOWN_VERSIONS = ['2026-05-04'] as const;
export const LATEST_VERSION = KNOWN_VERSIONS[KNOWN_VERSIONS.length - 1]!;

export class UnknownVersionError extends ValidationError {
  constructor(header: string, value: string) {
    super(
      `Unknown API version '${value}' in ${header}; known versions: ${KNOWN_VERSIONS.join(', ')}`,
      header,
      'unknown_api_version',
    );
  }
}

export interface VersionChoice {
  version: string;
  /** The header the client used, echoed back with the version. */
  echoHeaders: Record<string, string>;
}

export function resolveVersion(headers: { autousers?: string | null; generic?: string | null }): VersionChoice {
  const echo: Record<string, string> = {};
  let version: string = LATEST_VERSION;
  for (const [name, value] of [
    ['Autousers-Version', headers.autousers],
    ['API-Version', headers.generic],
  ] as const) {
    if (value == null || value === '') continue;
    const v = value.trim();
    if (!(KNOWN_VERSIONS as readonly string[]).includes(v)) throw new UnknownVersionError(name, v);
    version = v;
    echo[name] = v;
  }
  if (!echo['API-Version']) echo['API-Version'] = version;
  return { version, echoHeaders: echo };
}
