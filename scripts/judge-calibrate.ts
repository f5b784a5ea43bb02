/**
 * `npm run judge:calibrate`: runs each judge over the labelled corpus
 * (test/fixtures/judge-corpus) and prints accuracy, false-pass, false-fail
 * and inconclusive rates per judge (definitions in
 * src/modules/evals/calibration.ts).
 *
 *   - the embedded judge, always (offline, deterministic);
 *   - an OpenAI-compatible judge when the server's configuration names one
 *     (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_CHAT_MODEL or JUDGE_MODEL — the
 *     same provider rule, src/infra/ai/choice.ts, and the same outbound guard,
 *     OUTBOUND_ALLOWED_HOSTS, as the server), with the prompt runs use.
 *
 * `--json` prints the figures as JSON; `--corpus DIR` reads another corpus.
 */
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { AiProviders } from '../src/infra/ai/provider.js';
import { describeCalibration, loadCorpus, score, type Calibration } from '../src/modules/evals/calibration.js';
import { decisionOf } from '../src/modules/evals/events.js';
import { embeddedVerdict, judge } from '../src/modules/evals/judge.js';
import { EMBEDDED_JUDGE_MODEL } from '../src/modules/evals/llm.js';

const args = process.argv.slice(2);
const at = args.indexOf('--corpus');
const dir = at >= 0 && args[at + 1] ? args[at + 1]! : join(import.meta.dirname, '..', 'test', 'fixtures', 'judge-corpus');
const corpus = loadCorpus(dir);
const results: Calibration[] = [];

results.push(score(`embedded (${EMBEDDED_JUDGE_MODEL})`, corpus.map((item) => ({ item, decision: decisionOf(embeddedVerdict(item.scenario, item.messages, EMBEDDED_JUDGE_MODEL)) }))));

const config = loadConfig({ ...process.env, EMBEDDED_AI: 'false' });
if (config.openai.apiKey) {
  const llm = new AiProviders(config).forText([], { model: () => process.env.JUDGE_MODEL || null });
  const decisions = [];
  for (const item of corpus) {
    const { verdict } = await judge(llm, item.scenario, item.messages);
    decisions.push({ item, decision: decisionOf(verdict) });
  }
  results.push(score(`openai-compatible (${llm.model}${config.openai.baseURL ? ` at ${config.openai.baseURL}` : ''})`, decisions));
} else {
  results.push({ judge: 'openai-compatible: skipped (set OPENAI_API_KEY, and OPENAI_BASE_URL for another server)' } as Calibration);
}

if (args.includes('--json')) console.log(JSON.stringify({ corpus: dir, items: corpus.length, judges: results.filter((r) => r.items) }, null, 2));
else {
  const labels = ['pass', 'fail', 'undecidable'].map((l) => `${corpus.filter((i) => i.label === l).length} ${l}`).join(', ');
  console.log(`Judge calibration over ${corpus.length} labelled transcripts (${labels}) from ${dir}\n`);
  for (const r of results) console.log(r.items ? describeCalibration(r) : r.judge, '\n');
}
