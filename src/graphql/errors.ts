/** GraphQL shapes of the AppError model, used as typed results on mutations. */
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { builder } from './builder.js';

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure. `code` is stable and machine-readable.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was rejected; `param` names the field at fault.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ValidationError,
  fields: (t) => ({ param: t.exposeString('param', { nullable: true }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such record visible to this team.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The change conflicts with existing data (for example a duplicate name).',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ConflictError,
  fields: (t) => ({ param: t.exposeString('param', { nullable: true }) }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'The API key lacks the scope this operation needs.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ForbiddenError,
  fields: (t) => ({ scope: t.exposeString('scope') }),
});

const specific = [ValidationError, NotFoundError, ConflictError, ForbiddenError] as const;

builder.objectType(AppError, {
  name: 'OperationError',
  description: 'Any other expected failure (for example `persona_read_only`); `code` says which.',
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AppError && !specific.some((t) => e instanceof t),
});

/** The error types every mutation can answer with; the plugin tries them in this order. */
export const mutationErrors = { types: [...specific, AppError] };
