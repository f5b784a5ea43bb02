/**
 * The one error model. Services throw AppError subclasses; REST maps them to
 * each API family's documented body and status, GraphQL exposes them as typed
 * results on mutations (Pothos errors plugin) or as unmasked errors with a
 * `code` extension. Anything that is not an AppError is a bug: it is logged
 * with the request id and masked.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'authorization_error'
  | 'not_found'
  | 'conflict'
  | 'rate_limit_error'
  | 'api_error';

export class AppError extends Error {
  override name = 'AppError';
  /** Machine-readable, stable: e.g. `persona_not_found`, `idempotency_key_reused`. */
  readonly code: string;
  readonly httpStatus: number;
  readonly type: ErrorType;
  /** The request field at fault, when there is one. */
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(
    message: string,
    opts: { code: string; httpStatus: number; type: ErrorType; param?: string | null; headers?: Record<string, string> },
  ) {
    super(message);
    this.code = opts.code;
    this.httpStatus = opts.httpStatus;
    this.type = opts.type;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(message: string, param: string | null = null, code = 'invalid_request') {
    super(message, { code, httpStatus: 400, type: 'invalid_request_error', param });
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string, code = 'resource_missing') {
    super(message, { code, httpStatus: 404, type: 'not_found' });
  }
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string, code = 'conflict', param: string | null = null) {
    super(message, { code, httpStatus: 409, type: 'conflict', param });
  }
}

export class AuthenticationError extends AppError {
  override name = 'AuthenticationError';
  constructor() {
    // One body for unknown, revoked, expired and malformed keys alike.
    super('Invalid or missing API key', { code: 'invalid_api_key', httpStatus: 401, type: 'authentication_error' });
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(readonly scope: string) {
    super(`This API key lacks the required scope: ${scope}`, {
      code: 'missing_scope',
      httpStatus: 403,
      type: 'authorization_error',
    });
  }
}

export class RateLimitError extends AppError {
  override name = 'RateLimitError';
  constructor(headers: Record<string, string>) {
    super('Rate limit exceeded; retry after the number of seconds in Retry-After', {
      code: 'rate_limit_exceeded',
      httpStatus: 429,
      type: 'rate_limit_error',
      headers,
    });
  }
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(limit: number) {
    super(`Request body exceeds the limit of ${limit} bytes`, {
      code: 'payload_too_large',
      httpStatus: 413,
      type: 'invalid_request_error',
    });
  }
}

/** A dependency (the database, Redis) cannot be reached right now: 503 with Retry-After, never the driver's words. */
export class ServiceUnavailableError extends AppError {
  override name = 'ServiceUnavailableError';
  constructor(what: string, retryAfterSeconds = 5) {
    super(`${what} is unavailable right now; retry in a few seconds`, {
      code: 'service_unavailable',
      httpStatus: 503,
      type: 'api_error',
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
