/**
 * Verdicts that can be trusted (issue 19), checked on the labelled corpus in
 * test/fixtures/judge-corpus: the embedded judge's false-pass rate; the
 * OpenAI-compatible judge's prompt and parsing, with recorded answers
 * replayed by a local OpenAI-compatible server (malformed ones never pass);
 * the simulated user never reciting the success criteria; and the reported
 * bug end to end: an agent that never gives the refund confirmation number
 * does not pass an eval run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { AiProviders } from '../src/infra/ai/provider.js';
import { loadCorpus, score, type CorpusItem } from '../src/modules/evals/calibration.js';
import { decisionOf } from '../src/modules/evals/events.js';
import { embeddedVerdict, judge, judgePrompt, JUDGE_SYSTEM } from '../src/modules/evals/judge.js';
import { buildSystemPrompt, CRITERIA_RUN, embeddedUserTurn, withoutCriteria } from '../src/modules/evals/simulated-user.js';
import { ngrams, stemSequence } from '../src/modules/evals/words.js';
import type { RunMessage } from '../src/modules/evals/connector-clients.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { waitRun } from './helpers/evals.js';

const dir = join(import.meta.dirname, 'fixtures', 'judge-corpus');
const corpus = loadCorpus(dir);
const MODEL = 'embedded-judge-v1';

describe('the judge-calibration corpus', () => {
  it('holds at least 60 labelled transcripts of every label over varied scenarios', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    for (const label of ['pass', 'fail', 'undecidable'] as const) expect(corpus.filter((i) => i.label === label).length, label).toBeGreaterThanOrEqual(8);
    expect(new Set(corpus.map((i) => i.file)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(corpus.map((i) => i.scenarioKey)).size).toBeGreaterThanOrEqual(15);
    // Tool calls that did and did not happen are both there.
    expect(corpus.filter((i) => i.messages.some((m) => m.tool_calls?.length)).length).toBeGreaterThanOrEqual(15);
  });
});

describe('the embedded judge on the corpus', () => {
  const decide = (item: CorpusItem) => embeddedVerdict(item.scenario, item.messages, MODEL);

  it('passes at most 5% of the transcripts that should not pass, and says it is heuristic', () => {
    const c = score('embedded', corpus.map((item) => ({ item, decision: decisionOf(decide(item)) })));
    expect(c.falsePassRate, `false passes: ${c.falsePasses.join(', ')}`).toBeLessThanOrEqual(0.05);
    expect(c.accuracy).toBeGreaterThanOrEqual(0.75);
    for (const item of corpus.slice(0, 5)) expect(decide(item)).toMatchObject({ provider: 'embedded', model: MODEL, reasoning: expect.stringMatching(/^Heuristic verdict from the embedded judge \(deterministic rules/) });
  });

  it('is deterministic, and a pass is always successMet with no failure triggered', () => {
    for (const item of corpus) {
      const a = decide(item);
      expect(decide(item)).toEqual(a);
      expect(a.successMet).toBe(a.decision === 'pass');
      if (a.decision === 'pass') expect(a.failureMet).toBe(false);
    }
  });

  it('does not pass the adversarial transcripts: echoes, promises, refusals, claims without the artefact, failed tool calls', () => {
    for (const id of ['refund-02', 'refund-03', 'refund-04', 'refund-05', 'refund-07', 'refund-08', 'refund-09', 'book-03', 'book-04', 'email-02', 'email-05', 'locked-04', 'track-03', 'allergen-03']) {
      const item = corpus.find((i) => i.id === id)!;
      expect(decide(item).decision, id).not.toBe('pass');
    }
    // A claimed action with no tool call behind it is at best inconclusive.
    for (const id of ['refund-06', 'email-04', 'cancel-03', 'book-05']) expect(decide(corpus.find((i) => i.id === id)!).decision, id).toBe('inconclusive');
  });
});

describe('the OpenAI-compatible judge on the corpus, with recorded answers', () => {
  let fake: FakeOpenAI;
  const recorded = JSON.parse(readFileSync(join(dir, 'recorded-llm-answers.json'), 'utf8')).answers as Record<string, string>;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('sends the prompt runs use, through the outbound guard, and parses malformed answers to inconclusive, never pass', async () => {
    const byPrompt = new Map(corpus.map((item) => [judgePrompt(item.scenario, item.messages), recorded[item.id]!]));
    fake.content.chatReply = (body) => {
      const messages = body.messages as { role: string; content: string }[];
      return byPrompt.get(messages.find((m) => m.role === 'user')!.content) ?? 'no recording for this prompt';
    };
    const config = loadConfig({ ...process.env, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
    const llm = new AiProviders(config).forText([], { model: () => 'judge-model' });
    expect(llm.kind).toBe('openai');
    const decisions = [];
    for (const item of corpus) decisions.push({ item, verdict: (await judge(llm, item.scenario, item.messages)).verdict });

    const sent = fake.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(sent).toHaveLength(corpus.length);
    const first = sent[0]!.body as { model: string; response_format: unknown; messages: { role: string; content: string }[] };
    expect(first).toMatchObject({ model: 'judge-model', response_format: { type: 'json_object' } });
    expect(first.messages[0]).toEqual({ role: 'system', content: JUDGE_SYSTEM });
    expect(JUDGE_SYSTEM).toMatch(/only what the assistant itself said and did/);
    expect(first.messages[1]!.content).toContain(`Success criteria:\n${corpus[0]!.scenario.successCriteria}`);
    expect(first.messages[1]!.content).toMatch(/\[tool calls: \w+\(/);

    const malformed = ['refund-02', 'refund-03', 'refund-04', 'book-03', 'book-04', 'track-02', 'lid-02', 'email-02'];
    for (const id of malformed) {
      const v = decisions.find((d) => d.item.id === id)!.verdict;
      expect(v, id).toMatchObject({ decision: 'inconclusive', successMet: false, confidence: 0, reasoning: expect.stringMatching(/^Inconclusive/) });
    }
    const c = score('openai', decisions.map((d) => ({ item: d.item, decision: decisionOf(d.verdict) })));
    // The recorded answers pass one transcript that should not pass (lid-04, a claimed shipment with no tool call).
    expect(c.falsePasses).toEqual(['lid-04']);
    expect(c.inconclusive).toBeGreaterThanOrEqual(malformed.length);
  });
});

describe('the simulated user', () => {
  const personas = [
    null,
    { name: 'Impatient Ivy', description: 'Always in a hurry', systemPrompt: 'You want quick answers.' },
    { name: 'Polite Polly', description: 'Very polite and friendly', systemPrompt: null },
    { name: 'Confused Carl', description: 'Elderly and not technical', systemPrompt: null },
    { name: 'Techie Tess', description: 'A precise engineer', systemPrompt: null },
  ];
  const scenarios = [...new Map(corpus.map((i) => [i.scenarioKey, i])).values()];
  const overlaps = (text: string, criteria: string) => {
    const banned = ngrams(stemSequence(criteria), CRITERIA_RUN);
    return [...ngrams(stemSequence(text), CRITERIA_RUN)].filter((g) => banned.has(g));
  };

  it('never says the success criteria, nor a run of their words, over every corpus scenario and voice', () => {
    let turns = 0;
    for (const item of scenarios) {
      const scenario = { name: item.scenarioKey, ...item.scenario };
      // Scenarios whose instructions quote the criteria outright too.
      for (const sc of [scenario, { ...scenario, instructions: `${scenario.instructions} ${scenario.successCriteria}` }]) {
        for (const persona of personas) {
          const agentReplies = item.messages.filter((m) => m.role === 'assistant' && m.content).map((m) => m.content);
          let messages: RunMessage[] = [];
          for (let turn = 0; turn < 6; turn++) {
            const text = embeddedUserTurn(persona, sc, messages);
            turns++;
            expect(text.trim().length).toBeGreaterThan(0);
            expect(text.toLowerCase()).not.toContain(sc.successCriteria.toLowerCase().replace(/\.$/, ''));
            expect(overlaps(text, sc.successCriteria), `${item.scenarioKey} turn ${turn}: ${text}`).toEqual([]);
            messages = [...messages, { role: 'user', content: text }, { role: 'assistant', content: agentReplies[turn % Math.max(1, agentReplies.length)] ?? 'How can I help?' }];
          }
        }
      }
    }
    expect(turns).toBeGreaterThan(500);
  });

  it('pursues the instructions in the persona’s voice, and is never given the criteria', () => {
    const item = corpus.find((i) => i.id === 'refund-01')!;
    const sc = { name: 'refund', ...item.scenario };
    const ivy = embeddedUserTurn(personas[1]!, sc, []);
    const polly = embeddedUserTurn(personas[2]!, sc, []);
    expect(ivy).toContain('order 48213');
    expect(ivy).not.toBe(polly);
    const prompt = buildSystemPrompt(personas[1]!, sc);
    expect(prompt).toContain(item.scenario.instructions);
    expect(prompt).not.toContain(item.scenario.successCriteria);
    expect(overlaps(prompt, item.scenario.successCriteria)).toEqual([]);
    // A model's turn that recites the criteria loses that sentence.
    expect(withoutCriteria(`Hi. I expect that the agent issues a refund for order 48213 and gives the refund confirmation number. Thanks!`, item.scenario.successCriteria)).toBe('Hi. Thanks!');
  });
});

describe('the reported bug, end to end over REST', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('an agent that never gives the refund confirmation number does not pass', async () => {
    const post = async (path: string, body: unknown) => {
      const res = await s.request('POST', path, { body });
      expect(res.status, `${path}: ${res.text}`).toBe(201);
      return res.body;
    };
    const user = (await post('/api/v1/users', { username: 'judge-bug', tier: 'enterprise' })).id;
    // The embedded agent talks about whatever the user says and can do nothing: no refund, no number.
    const agent = (await s.request('POST', `/api/v1/users/${user}/agents`, { body: { name: 'support', provider: 'embedded' } })).body;
    const pid = (await post('/api/projects', { name: 'refunds' })).id;
    const connector = await post(`/api/projects/${pid}/connectors`, { name: 'support agent', type: 'agent', config: { agentId: agent.id } });
    const persona = await post(`/api/projects/${pid}/personas`, { name: 'Impatient Ivy', description: 'Always in a hurry' });
    const sc = await post(`/api/projects/${pid}/scenarios`, {
      name: 'refund with confirmation',
      instructions: 'Your kettle from order 48213 arrived cracked. Ask for a refund. Ask for the refund confirmation number.',
      successCriteria: 'The agent issues a refund for order 48213 and gives the refund confirmation number.',
      maxMessages: 6,
      personaIds: [persona.id],
    });
    const ev = await post(`/api/projects/${pid}/evals`, { name: 'refunds', connectorId: connector.id, scenarioIds: [sc.id] });
    const [started] = await post(`/api/projects/${pid}/runs`, { evalId: ev.id });
    const run = await waitRun(s, pid, started.id);
    expect(run.status, run.error).toBe('completed');
    expect(run.result.success).toBe(false);
    expect(['fail', 'inconclusive']).toContain(run.result.verdict);
    expect(run.output.evaluation).toMatchObject({ successMet: false, decision: run.result.verdict });
    expect(run.output.messageCount).toBe(6);
    for (const m of run.messages.filter((x: RunMessage) => x.role === 'user')) expect(m.content).not.toContain('gives the refund confirmation number');

    const summary = (await s.request('GET', `/api/projects/${pid}/executions/${run.executionId}`)).body;
    expect(summary).toMatchObject({ runs: 1, completed: 1, passed: 0, passRate: 0 });
    const gql = await s.request('POST', '/graphql', { body: { query: `{ evalRun(id: "${run.id}") { success decision } }` } });
    expect(gql.body.errors, gql.text).toBeUndefined();
    expect(gql.body.data.evalRun).toEqual({ success: false, decision: run.result.verdict });
  });
});
