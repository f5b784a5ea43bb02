/**
 * Evaluators: `assertion`s can fail a run; `metric`s record a number.
 * Built-in metrics (`auto`) run on every scenario. Assertions look at the
 * assistant's messages so far (`target: "all"`, default) or its last one
 * (`target: "last"`); JSON Schema and JSONPath parse the last assistant
 * message as JSON. Configs are checked against each type's JSON Schema (ajv)
 * when a scenario is saved; an unknown type is accepted then and fails the run.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { JSONPath } from 'jsonpath-plus';
import { isDeepStrictEqual } from 'node:util';
import { ValidationError } from '../../errors.js';
import type { RunMessage, TokensUsage } from './connector-clients.js';
import { clipWithEllipsis } from '../../infra/unicode.js';

export interface EvaluatorResult {
  type: string;
  label: string;
  kind: 'assertion' | 'metric';
  /** Assertions: whether it held. */
  passed?: boolean;
  /** Metrics: the number recorded. */
  value?: number;
  reason: string;
}

export interface EvaluatorContext {
  messages: RunMessage[];
  tokens: TokensUsage;
}

interface Definition {
  type: string;
  label: string;
  description: string;
  kind: 'assertion' | 'metric';
  configSchema: Record<string, unknown>;
  auto?: boolean;
  evaluate(config: Record<string, unknown>, ctx: EvaluatorContext): Omit<EvaluatorResult, 'type' | 'label' | 'kind'>;
}

const target = { type: 'string', enum: ['all', 'last'], description: 'Which assistant messages to look at: all so far (default) or the last one.' };

const assistantTexts = (ctx: EvaluatorContext, which: unknown): string[] => {
  const all = ctx.messages.filter((m) => m.role === 'assistant' && m.content).map((m) => m.content);
  return which === 'last' ? all.slice(-1) : all;
};

const lastAssistant = (ctx: EvaluatorContext) => ctx.messages.filter((m) => m.role === 'assistant' && m.content).at(-1)?.content;

function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text === undefined) return { ok: false, reason: 'there is no assistant message yet' };
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  try {
    return { ok: true, value: JSON.parse(fenced ? fenced[1]! : text) };
  } catch {
    return { ok: false, reason: 'the last assistant message is not valid JSON' };
  }
}

// Made on first use: compiling every type's config schema at import cost ~0.5 s of every cold start
// (ajv generates and compiles code per schema), for a check only saving a scenario needs.
let ajvInstance: Ajv | undefined;
const ajv = () => (ajvInstance ??= new Ajv({ allErrors: false, strict: false }));
const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');

const clip = (s: string, n = 80) => clipWithEllipsis(s, n);

const DEFINITIONS: Definition[] = [
  {
    type: 'contains',
    label: 'Contains text',
    description: 'Passes when the assistant’s replies contain the text (or, with negate, do not).',
    kind: 'assertion',
    configSchema: {
      type: 'object',
      required: ['value'],
      properties: {
        value: { type: 'string', minLength: 1 },
        caseSensitive: { type: 'boolean', default: false },
        negate: { type: 'boolean', default: false },
        target,
      },
      additionalProperties: false,
    },
    evaluate(config, ctx) {
      const value = String(config.value);
      const sensitive = config.caseSensitive === true;
      const norm = (s: string) => (sensitive ? s : s.toLowerCase());
      const found = assistantTexts(ctx, config.target).some((t) => norm(t).includes(norm(value)));
      const negate = config.negate === true;
      const passed = negate ? !found : found;
      return { passed, reason: found ? `the reply contains “${clip(value)}”` : `no reply contains “${clip(value)}”` };
    },
  },
  {
    type: 'regex',
    label: 'Matches a regular expression',
    description: 'Passes when a reply matches the pattern (or, with negate, none does).',
    kind: 'assertion',
    configSchema: {
      type: 'object',
      required: ['pattern'],
      properties: {
        pattern: { type: 'string', minLength: 1, maxLength: 2000 },
        flags: { type: 'string', pattern: '^[imsu]*$' },
        negate: { type: 'boolean', default: false },
        target,
      },
      additionalProperties: false,
    },
    evaluate(config, ctx) {
      const re = new RegExp(String(config.pattern), typeof config.flags === 'string' ? config.flags : '');
      const matched = assistantTexts(ctx, config.target).some((t) => re.test(t));
      const passed = config.negate === true ? !matched : matched;
      return { passed, reason: matched ? `a reply matches /${clip(String(config.pattern))}/` : `no reply matches /${clip(String(config.pattern))}/` };
    },
  },
  {
    type: 'json-schema',
    label: 'JSON Schema',
    description: 'Passes when the last assistant message is JSON valid against the schema.',
    kind: 'assertion',
    configSchema: {
      type: 'object',
      required: ['schema'],
      properties: { schema: { type: 'object' } },
      additionalProperties: false,
    },
    evaluate(config, ctx) {
      const parsed = parseJson(lastAssistant(ctx));
      if (!parsed.ok) return { passed: false, reason: parsed.reason };
      const validate = ajv().compile(config.schema as object);
      const valid = validate(parsed.value) as boolean;
      return valid ? { passed: true, reason: 'the last reply matches the schema' } : { passed: false, reason: `the last reply does not match the schema: ${describeErrors(validate.errors)}` };
    },
  },
  {
    type: 'jsonpath',
    label: 'JSONPath',
    description: 'Parses the last assistant message as JSON; passes when the path matches something (and, with `equals`, the first match equals it).',
    kind: 'assertion',
    configSchema: {
      type: 'object',
      required: ['path'],
      properties: { path: { type: 'string', minLength: 1, maxLength: 1000 }, equals: {}, exists: { type: 'boolean', default: true } },
      additionalProperties: false,
    },
    evaluate(config, ctx) {
      const parsed = parseJson(lastAssistant(ctx));
      if (!parsed.ok) return { passed: false, reason: parsed.reason };
      const path = String(config.path);
      const matches = JSONPath({ path, json: parsed.value as object, eval: false, wrap: true }) as unknown[];
      const exists = config.exists !== false;
      if (!exists) return matches.length ? { passed: false, reason: `${path} matches ${matches.length} value(s)` } : { passed: true, reason: `${path} matches nothing` };
      if (!matches.length) return { passed: false, reason: `${path} matches nothing` };
      if ('equals' in config) {
        const equal = isDeepStrictEqual(matches[0], config.equals);
        return { passed: equal, reason: equal ? `${path} equals ${clip(JSON.stringify(config.equals))}` : `${path} is ${clip(JSON.stringify(matches[0]))}, not ${clip(JSON.stringify(config.equals))}` };
      }
      return { passed: true, reason: `${path} matches ${matches.length} value(s)` };
    },
  },
  {
    type: 'token-usage',
    label: 'Token usage',
    description: 'Total tokens the connector reported for the run (input + output).',
    kind: 'metric',
    auto: true,
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    evaluate(_config, ctx) {
      return { value: ctx.tokens.total_tokens, reason: `${ctx.tokens.input_tokens} input + ${ctx.tokens.output_tokens} output tokens` };
    },
  },
  {
    type: 'tool-call-count',
    label: 'Tool call count',
    description: 'How many tool calls the assistant made.',
    kind: 'metric',
    auto: true,
    configSchema: { type: 'object', properties: {}, additionalProperties: false },
    evaluate(_config, ctx) {
      const calls = ctx.messages.filter((m) => m.role === 'assistant').flatMap((m) => m.tool_calls ?? []);
      const names = [...new Set(calls.map((c) => c.function.name))];
      return { value: calls.length, reason: calls.length ? `${calls.length} call(s): ${names.join(', ')}` : 'no tool calls' };
    },
  },
];

const byType = new Map(DEFINITIONS.map((d) => [d.type, d]));
const validators = new Map<string, ValidateFunction>();
function validatorFor(type: string): ValidateFunction | undefined {
  const known = validators.get(type);
  if (known) return known;
  const definition = byType.get(type);
  if (!definition) return undefined;
  const validate = ajv().compile(definition.configSchema);
  validators.set(type, validate);
  return validate;
}

/** GET /evaluator-types. */
export function evaluatorTypes() {
  return DEFINITIONS.map((d) => ({ type: d.type, label: d.label, description: d.description, kind: d.kind, configSchema: d.configSchema, builtin: true, auto: !!d.auto }));
}

export const isKnownEvaluator = (type: string) => byType.has(type);

/** Checks configs of known types when a scenario is saved (unknown types fail the run instead). */
export function checkEvaluatorConfigs(evaluators: { type: string; config?: Record<string, unknown> | null }[]): void {
  for (const [i, e] of evaluators.entries()) {
    const validate = validatorFor(e.type);
    if (!validate) continue;
    if (!validate(e.config ?? {})) {
      throw new ValidationError(`Invalid config for evaluator "${e.type}": ${describeErrors(validate.errors)}`, `evaluators.${i}.config`);
    }
    if (e.type === 'regex') {
      try {
        new RegExp(String(e.config?.pattern), typeof e.config?.flags === 'string' ? e.config.flags : '');
      } catch {
        throw new ValidationError(`Invalid config for evaluator "regex": the pattern is not a valid regular expression`, `evaluators.${i}.config.pattern`);
      }
    }
    if (e.type === 'json-schema') {
      try {
        ajv().compile(e.config?.schema as object);
      } catch (err) {
        throw new ValidationError(`Invalid config for evaluator "json-schema": ${(err as Error).message}`, `evaluators.${i}.config.schema`);
      }
    }
  }
}

/** The first evaluator type nobody knows, if any. */
export function unknownEvaluator(evaluators: { type: string }[]): string | null {
  return evaluators.find((e) => !byType.has(e.type))?.type ?? null;
}

/** Runs the scenario's evaluators and the automatic metrics on the transcript so far. */
export function runEvaluators(evaluators: { type: string; config?: Record<string, unknown> | null }[], ctx: EvaluatorContext): EvaluatorResult[] {
  const chosen = [...evaluators];
  for (const d of DEFINITIONS) if (d.auto && !chosen.some((e) => e.type === d.type)) chosen.push({ type: d.type });
  return chosen.map((e) => {
    const d = byType.get(e.type);
    if (!d) throw new Error(`Unknown evaluator type: "${e.type}"`);
    let out: Omit<EvaluatorResult, 'type' | 'label' | 'kind'>;
    try {
      out = d.evaluate(e.config ?? {}, ctx);
    } catch (err) {
      out = d.kind === 'assertion' ? { passed: false, reason: `the evaluator failed: ${(err as Error).message}` } : { value: 0, reason: `the evaluator failed: ${(err as Error).message}` };
    }
    return { type: d.type, label: d.label, kind: d.kind, ...out };
  });
}

/** Metric values by type, for run output. */
export function metricsOf(results: EvaluatorResult[]): Record<string, number> {
  return Object.fromEntries(results.filter((r) => r.kind === 'metric' && r.value !== undefined).map((r) => [r.type, r.value!]));
}
