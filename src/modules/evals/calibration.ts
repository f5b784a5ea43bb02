/**
 * Judge calibration: the labelled corpus (test/fixtures/judge-corpus/*.json,
 * README "Verdicts") read into transcripts, and how a judge's decisions score
 * against its labels. Used by `npm run judge:calibrate` and by the tests that
 * hold the embedded judge to its false-pass rate.
 *
 * Rates: accuracy = decisions equal to the label (undecidable ↔ inconclusive)
 * over all items; false-pass = `pass` on items not labelled pass, over those
 * items; false-fail = `fail` on items not labelled fail, over those items;
 * inconclusive = `inconclusive` over all items.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunMessage } from './connector-clients.js';
import type { JudgeDecision } from './events.js';

export type CorpusLabel = 'pass' | 'fail' | 'undecidable';

export interface CorpusScenario {
  instructions: string;
  successCriteria: string;
  failureCriteria: string | null;
}

export interface CorpusItem {
  id: string;
  /** Which file it came from (its domain: refunds, bookings …). */
  file: string;
  scenarioKey: string;
  scenario: CorpusScenario;
  label: CorpusLabel;
  reason: string;
  messages: RunMessage[];
}

interface RawMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: { name: string; arguments: unknown }[];
  name?: string;
}

interface RawFile {
  scenarios: Record<string, CorpusScenario>;
  items: { id: string; scenario: string; label: CorpusLabel; reason: string; transcript: RawMessage[] }[];
}

const LABELS: readonly CorpusLabel[] = ['pass', 'fail', 'undecidable'];

/** The corpus's tool calls in OpenAI shape: ids in order, each tool result answering the last open call of its name. */
function toRunMessages(id: string, transcript: RawMessage[]): RunMessage[] {
  let n = 0;
  const open: { id: string; name: string }[] = [];
  return transcript.map((m) => {
    if (m.role === 'assistant') {
      const calls = (m.tool_calls ?? []).map((c) => ({ id: `${id}-call-${++n}`, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments ?? {}) } }));
      open.push(...calls.map((c) => ({ id: c.id, name: c.function.name })));
      return { role: 'assistant', content: m.content, ...(calls.length ? { tool_calls: calls } : {}) };
    }
    if (m.role === 'tool') {
      const at = open.findIndex((c) => c.name === m.name);
      if (at < 0) throw new Error(`judge corpus ${id}: tool result ${m.name} answers no call`);
      const [call] = open.splice(at, 1);
      return { role: 'tool', name: m.name, content: m.content, tool_call_id: call!.id };
    }
    return { role: 'user', content: m.content };
  });
}

/** Reads every *.json of the corpus directory, checking each item's shape. */
export function loadCorpus(dir: string): CorpusItem[] {
  const items: CorpusItem[] = [];
  const ids = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('recorded-')).sort()) {
    const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RawFile;
    for (const it of raw.items) {
      const scenario = raw.scenarios[it.scenario];
      if (!scenario?.successCriteria || !scenario.instructions) throw new Error(`judge corpus ${file} ${it.id}: unknown or incomplete scenario ${it.scenario}`);
      if (!LABELS.includes(it.label)) throw new Error(`judge corpus ${file} ${it.id}: label must be one of ${LABELS.join(', ')}`);
      if (!it.reason?.trim()) throw new Error(`judge corpus ${file} ${it.id}: a reason is required`);
      if (ids.has(it.id)) throw new Error(`judge corpus: duplicate id ${it.id}`);
      ids.add(it.id);
      items.push({ id: it.id, file: file.replace(/\.json$/, ''), scenarioKey: it.scenario, scenario: { ...scenario, failureCriteria: scenario.failureCriteria ?? null }, label: it.label, reason: it.reason, messages: toRunMessages(it.id, it.transcript) });
    }
  }
  return items;
}

export interface Calibration {
  judge: string;
  items: number;
  correct: number;
  accuracy: number;
  falsePasses: string[];
  falsePassRate: number;
  falseFails: string[];
  falseFailRate: number;
  inconclusive: number;
  inconclusiveRate: number;
}

const rate = (n: number, d: number) => (d ? Math.round((n / d) * 1000) / 1000 : 0);
const expected = (label: CorpusLabel): JudgeDecision => (label === 'undecidable' ? 'inconclusive' : label);

export function score(judge: string, decisions: { item: CorpusItem; decision: JudgeDecision }[]): Calibration {
  const notPass = decisions.filter((d) => d.item.label !== 'pass');
  const notFail = decisions.filter((d) => d.item.label !== 'fail');
  const falsePasses = notPass.filter((d) => d.decision === 'pass').map((d) => d.item.id);
  const falseFails = notFail.filter((d) => d.decision === 'fail').map((d) => d.item.id);
  const correct = decisions.filter((d) => d.decision === expected(d.item.label)).length;
  const inconclusive = decisions.filter((d) => d.decision === 'inconclusive').length;
  return {
    judge,
    items: decisions.length,
    correct,
    accuracy: rate(correct, decisions.length),
    falsePasses,
    falsePassRate: rate(falsePasses.length, notPass.length),
    falseFails,
    falseFailRate: rate(falseFails.length, notFail.length),
    inconclusive,
    inconclusiveRate: rate(inconclusive, decisions.length),
  };
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;

/** One line per figure, as `npm run judge:calibrate` prints them. */
export function describeCalibration(c: Calibration): string {
  return [
    `${c.judge}: ${c.items} items`,
    `  accuracy        ${pct(c.accuracy)} (${c.correct}/${c.items})`,
    `  false-pass rate ${pct(c.falsePassRate)}${c.falsePasses.length ? ` (${c.falsePasses.join(', ')})` : ''}`,
    `  false-fail rate ${pct(c.falseFailRate)}${c.falseFails.length ? ` (${c.falseFails.join(', ')})` : ''}`,
    `  inconclusive    ${pct(c.inconclusiveRate)} (${c.inconclusive}/${c.items})`,
  ].join('\n');
}
