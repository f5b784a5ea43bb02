/** Turns zod failures into the one error model: the first problem, with its field as `param`. */
import { z } from 'zod';
import { ValidationError } from './errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.length ? issue.path.join('.') : null;
  let message = issue.message;
  // Zod's generic wording for a missing field becomes "<field> is required"; a schema's own message (e.g. "Name is required") stays.
  if (issue.code === 'invalid_type' && issue.input === undefined && param && message.startsWith('Invalid input')) message = `${param} is required`;
  else if (param && !message.toLowerCase().includes(String(issue.path[0]).toLowerCase())) message = `${param}: ${message}`;
  throw new ValidationError(message, param);
}

/** HTTP headers a user stores to be sent later (persona and connector headers): at most 50 valid names, string values. */
export const HeaderMap = z
  .record(z.string().min(1).max(200), z.string({ message: 'Headers must be an object of string values' }).max(8192), {
    message: 'Headers must be an object of string values',
  })
  .refine((h) => Object.keys(h).length <= 50, 'Headers may hold at most 50 entries')
  .refine((h) => Object.keys(h).every((k) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)), 'Header names must be valid HTTP header names');
