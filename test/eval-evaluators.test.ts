/**
 * Every evaluator type with passing and failing input (contains, regex, JSON
 * Schema, JSONPath assertions; token-usage and tool-call-count metrics), the
 * embedded judge's heuristic, and assertions deciding real runs: a failed one
 * stops the run, passing JSON assertions let it finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvaluators, checkEvaluatorConfigs } from '../src/modules/evals/evaluators.js';
import { embeddedVerdict, parseVerdict } from '../src/modules/evals/judge.js';
import type { RunMessage } from '../src/modules/evals/connector-clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { defaultReply, startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { waitRun } from './helpers/evals.js';

const tokens = { input_tokens: 30, output_tokens: 12, total_tokens: 42 };
const convo = (...replies: string[]): RunMessage[] => [
  { role: 'system', content: 'You are a user.' },
  ...replies.flatMap((r) => [
    { role: 'user' as const, content: 'question' },
    { role: 'assistant' as const, content: r },
  ]),
];
const one = (type: string, config: Record<string, unknown>, messages: RunMessage[]) => {
  checkEvaluatorConfigs([{ type, config }]);
  return runEvaluators([{ type, config }], { messages, tokens }).find((r) => r.type === type)!;
};

describe('assertions', () => {
  it('contains: case-insensitive by default, case-sensitive, negated, last reply only', () => {
    const m = convo('Our Refund policy is 30 days.', 'Anything else?');
    expect(one('contains', { value: 'refund' }, m).passed).toBe(true);
    expect(one('contains', { value: 'exchange' }, m).passed).toBe(false);
    expect(one('contains', { value: 'refund', caseSensitive: true }, m).passed).toBe(false);
    expect(one('contains', { value: 'refund', negate: true }, m).passed).toBe(false);
    expect(one('contains', { value: 'refund', target: 'last' }, m).passed).toBe(false);
  });

  it('regex', () => {
    const m = convo('Your ticket is TCK-1234.');
    expect(one('regex', { pattern: 'TCK-\\d{4}' }, m)).toMatchObject({ passed: true, kind: 'assertion' });
    expect(one('regex', { pattern: '^sorry', flags: 'i' }, m).passed).toBe(false);
    expect(one('regex', { pattern: 'sorry', negate: true }, m).passed).toBe(true);
  });

  it('json-schema: valid, invalid, not JSON', () => {
    const schema = { type: 'object', required: ['status'], properties: { status: { enum: ['open', 'closed'] } } };
    expect(one('json-schema', { schema }, convo('{"status":"open"}')).passed).toBe(true);
    expect(one('json-schema', { schema }, convo('```json\n{"status":"closed"}\n```')).passed).toBe(true);
    const bad = one('json-schema', { schema }, convo('{"status":"lost"}'));
    expect(bad.passed).toBe(false);
    expect(bad.reason).toContain('/status');
    expect(one('json-schema', { schema }, convo('not json')).reason).toBe('the last assistant message is not valid JSON');
  });

  it('jsonpath: exists, equals, must not exist', () => {
    const m = convo('{"order":{"id":42,"items":[{"sku":"A"},{"sku":"B"}]}}');
    expect(one('jsonpath', { path: '$.order.items[*].sku' }, m).passed).toBe(true);
    expect(one('jsonpath', { path: '$.order.id', equals: 42 }, m).passed).toBe(true);
    expect(one('jsonpath', { path: '$.order.id', equals: 43 }, m)).toMatchObject({ passed: false, reason: '$.order.id is 42, not 43' });
    expect(one('jsonpath', { path: '$.order.refund' }, m).passed).toBe(false);
    expect(one('jsonpath', { path: '$.order.refund', exists: false }, m).passed).toBe(true);
  });

  it('rejects bad configs when a scenario is saved', () => {
    expect(() => checkEvaluatorConfigs([{ type: 'regex', config: { pattern: '[' } }])).toThrow(/not a valid regular expression/);
    expect(() => checkEvaluatorConfigs([{ type: 'jsonpath', config: {} }])).toThrow(/Invalid config for evaluator "jsonpath"/);
    expect(() => checkEvaluatorConfigs([{ type: 'json-schema', config: { schema: { type: 'nonsense' } } }])).toThrow(/Invalid config for evaluator "json-schema"/);
    expect(() => checkEvaluatorConfigs([{ type: 'some-plugin', config: { anything: 1 } }])).not.toThrow();
  });
});

describe('metrics (run on every scenario)', () => {
  it('token-usage and tool-call-count', () => {
    const calls: RunMessage[] = [
      ...convo('Let me check.'),
      { role: 'assistant', content: '', tool_calls: [{ id: '1', type: 'function', function: { name: 'lookup', arguments: '{}' } }, { id: '2', type: 'function', function: { name: 'refund', arguments: '{}' } }] },
      { role: 'tool', content: 'ok', tool_call_id: '1' },
    ];
    const results = runEvaluators([], { messages: calls, tokens });
    expect(results.find((r) => r.type === 'token-usage')).toMatchObject({ kind: 'metric', value: 42 });
    expect(results.find((r) => r.type === 'tool-call-count')).toMatchObject({ kind: 'metric', value: 2, reason: '2 call(s): lookup, refund' });
    expect(runEvaluators([], { messages: convo('hi'), tokens: { input_tokens: 0, output_tokens: 0, total_tokens: 0 } }).find((r) => r.type === 'tool-call-count')!.value).toBe(0);
  });
});

describe('the judges', () => {
  it('the embedded judge decides from the agent’s own words and says it is heuristic', () => {
    const yes = embeddedVerdict({ successCriteria: 'The agent explains the refund policy', failureCriteria: null }, convo('Our refund policy: 30 days.'), 'embedded-judge-v1');
    expect(yes).toMatchObject({ decision: 'pass', successMet: true, failureMet: false, provider: 'embedded' });
    expect(yes.reasoning).toMatch(/^Heuristic verdict from the embedded judge/);
    // Nothing about the policy: the judge cannot tell, and does not pass it.
    const no = embeddedVerdict({ successCriteria: 'The agent explains the refund policy', failureCriteria: 'The agent is rude or dismissive' }, convo('Please hold.'), 'embedded-judge-v1');
    expect(no).toMatchObject({ decision: 'fail', successMet: false, failureMet: false });
    expect(no.reasoning).toContain('missing: refund, policy');
    const rude = embeddedVerdict({ successCriteria: 'refund policy', failureCriteria: 'rude dismissive' }, convo('That is a rude and dismissive question.'), 'm');
    expect(rude).toMatchObject({ decision: 'fail', failureMet: true });
    // The agent repeating the user's words is no evidence.
    const echo: RunMessage[] = [
      { role: 'user', content: 'What is the refund policy for broken kettles?' },
      { role: 'assistant', content: 'Good question about the refund policy for broken kettles.' },
    ];
    expect(embeddedVerdict({ successCriteria: 'The agent explains the refund policy for broken kettles', failureCriteria: null }, echo, 'm').decision).not.toBe('pass');
  });

  it('an LLM verdict that is not the expected JSON is inconclusive', () => {
    expect(parseVerdict('{"successMet": true, "failureMet": false, "confidence": 0.8, "reasoning": "ok"}', 'openai', 'm')).toMatchObject({ successMet: true, confidence: 0.8 });
    expect(parseVerdict('maybe?', 'openai', 'm')).toMatchObject({ successMet: false, failureMet: false, confidence: 0, reasoning: expect.stringMatching(/^Inconclusive/) });
    expect(parseVerdict('{"verdict": "yes"}', 'openai', 'm').reasoning).toMatch(/^Inconclusive/);
    expect(parseVerdict('{"verdict": "inconclusive", "successMet": false, "failureMet": false, "confidence": 0.4, "reasoning": "?"}', 'openai', 'm')).toMatchObject({ decision: 'inconclusive', successMet: false });
    expect(parseVerdict('{"verdict": "Pass", "successMet": true, "failureMet": false}', 'openai', 'm')).toMatchObject({ decision: 'pass', successMet: true });
    // A pass that says the criteria were not met, or the failure criteria were, contradicts itself: inconclusive.
    expect(parseVerdict('{"verdict": "pass", "successMet": false, "failureMet": false}', 'openai', 'm').decision).toBe('inconclusive');
    expect(parseVerdict('{"verdict": "pass", "successMet": true, "failureMet": true}', 'openai', 'm').decision).toBe('inconclusive');
    expect(parseVerdict('[true]', 'openai', 'm').decision).toBe('inconclusive');
  });
});

describe('assertions deciding runs', () => {
  let s: TestServer;
  let lg: FakeLangGraph;
  beforeAll(async () => {
    [s, lg] = await Promise.all([startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', JOB_POLL_MS: '50' }), startFakeLangGraph()]);
  });
  afterAll(async () => {
    await s?.close();
    await lg?.close();
  });

  async function run(evaluators: unknown[], extra: Record<string, unknown> = {}) {
    const pid = (await s.request('POST', '/api/projects', { body: { name: `assert ${Math.random()}` } })).body.id;
    const c = (await s.request('POST', `/api/projects/${pid}/connectors`, { body: { name: 'lg', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } } })).body;
    const sc = await s.request('POST', `/api/projects/${pid}/scenarios`, { body: { name: 's', instructions: 'Ask for the order.', evaluators, maxMessages: 4, ...extra } });
    expect(sc.status, sc.text).toBe(201);
    const r = (await s.request('POST', `/api/projects/${pid}/runs/playground`, { body: { scenarioId: sc.body.id, connectorId: c.id } })).body;
    return waitRun(s, pid, r.id);
  }

  it('a failed assertion stops the run at once; assertions that hold let it run to maxMessages', async () => {
    lg.reply = () => [{ type: 'ai', content: '{"order":{"id":42,"status":"shipped"}}' }];
    try {
      const failed = await run([{ type: 'jsonpath', config: { path: '$.order.status', equals: 'delivered' } }]);
      expect(failed.status, failed.error).toBe('completed');
      expect(failed.result).toMatchObject({ success: false, reason: 'Assertion failed: JSONPath: $.order.status is "shipped", not "delivered"' });
      expect(failed.output.messageCount).toBe(2);

      const held = await run([
        { type: 'jsonpath', config: { path: '$.order.id', equals: 42 } },
        { type: 'json-schema', config: { schema: { type: 'object', required: ['order'] } } },
        { type: 'regex', config: { pattern: 'shipped' } },
      ]);
      expect(held.status, held.error).toBe('completed');
      expect(held.result).toMatchObject({ success: true, reason: 'Max messages (4) reached; every assertion held.' });
      expect(held.output.evaluatorResults.filter((r: any) => r.kind === 'assertion').map((r: any) => r.passed)).toEqual([true, true, true]);
      expect(held.output.evaluation).toBeNull();
    } finally {
      lg.reply = defaultReply;
    }
  });
});
