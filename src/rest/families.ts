/**
 * The four documented APIs answer errors in different shapes. Each path
 * belongs to one family, and every error on it, from auth to validation to a
 * bug, is shaped the family's way.
 */
import { AppError } from '../errors.js';

export type Family = 'autousers' | 'autopersonas' | 'evalstudio' | 'autonomis';

export function familyOf(path: string): Family {
  if (path === '/api/v1/autousers' || path.startsWith('/api/v1/autousers/')) return 'autousers';
  if (path === '/api/v1/users' || path.startsWith('/api/v1/users/')) return 'autonomis';
  if (path.startsWith('/api/v1/')) return 'autopersonas';
  return 'evalstudio'; // /api/projects…, /api/workspace
}

/** The body for an error; `err` null means an unexpected failure (masked). */
export function errorBody(family: Family, err: AppError | null, requestId: string): unknown {
  if (family === 'evalstudio' || family === 'autonomis') {
    return { error: !err || err.httpStatus >= 500 ? 'internal server error' : err.message };
  }
  // Autousers' Stripe-like shape; AutoPersonas' paths (and the admin surface) use it too.
  return {
    error: {
      type: err?.type ?? 'api_error',
      code: err?.code ?? 'internal_error',
      message: err ? err.message : 'An unexpected error occurred; quote the request_id when reporting it',
      param: err?.param ?? null,
      request_id: requestId,
    },
  };
}
