/**
 * The API's two error bodies, asserted one way everywhere:
 * - `expectApiError`: the versioned API's `{error: {type, code, message, param, request_id}}`;
 * - `expectPlainError`: the seed paths' `{error: "message"}`.
 */
import { expect } from 'vitest';

interface ErrorResponse {
  status: number;
  body: any;
  text: string;
  headers?: Headers;
}

const API_ERROR_KEYS = ['code', 'message', 'param', 'request_id', 'type'];

/**
 * The status and the error object's exact keys; then, when given, the message (a pattern, or a
 * substring) or the whole shape by `type` and `param` (code a string, a message, the request id
 * of the response). Returns the error object.
 */
export function expectApiError(res: ErrorResponse, status: number, want?: RegExp | string | { type: string; param: string | null }): any {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body.error).sort()).toEqual(API_ERROR_KEYS);
  if (typeof want === 'string' || want instanceof RegExp) expect(res.body.error.message).toMatch(want);
  else if (want) {
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(res.body.error.type).toBe(want.type);
    expect(res.body.error.param).toBe(want.param);
    expect(typeof res.body.error.code).toBe('string');
    expect(res.body.error.message.length).toBeGreaterThan(0);
    expect(res.body.error.request_id).toBe(res.headers?.get('x-request-id'));
  }
  return res.body.error;
}

/** The status and a body that is `{error}` alone, the message equal to a string or matching a pattern. */
export function expectPlainError(res: ErrorResponse, status: number, message: string | RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  if (typeof message === 'string') expect(res.body.error).toBe(message);
  else expect(res.body.error).toMatch(message);
}
