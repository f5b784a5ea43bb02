/**
 * The embedded judge (`embedded-judge-v1`): deterministic rules, no language
 * model. It reads only what the agent under test said and did — its messages
 * (minus runs of words that repeat the user's) and its tool calls with their
 * results — and decides:
 *   - fail when the failure criteria show in the agent's own words, when a
 *     required action was refused, only promised, or its tool call failed,
 *     when a required artefact (a confirmation number, a link, an amount, a
 *     date) is missing from the agent's own words, or a required figure is
 *     contradicted;
 *   - pass only when every requirement it can read from the success criteria
 *     has evidence: an action by a successful tool call, an artefact the user
 *     did not supply, figures stated, and most of the criteria's other content
 *     words (those the user did not say first) in the agent's own words;
 *   - inconclusive otherwise (an action claimed without a tool call, partial
 *     coverage, criteria that only repeat the user's words).
 */
import type { RunMessage } from './connector-clients.js';
import type { JudgeDecision, JudgeVerdict } from './events.js';
import { identifierStems, keywords, normalise, ownStems, stem, stemSequence } from './words.js';

/** Share of the criteria's new content words the agent's own words must cover (less when an action or artefact already carries the verdict). */
export const CONTENT_THRESHOLD = 0.6;
const CONTENT_THRESHOLD_WITH_EVIDENCE = 0.34;

interface Action {
  name: string;
  when: RegExp;
  tools: string[];
}

/** Actions the success criteria can require of the agent, and the tool-name stems that show one was done. */
const ACTIONS: Action[] = [
  { name: 'refund', when: /\b(refunds|refunded|(issue|issues|process|processes|initiate|initiates|complete|completes|start|starts|submit|submits|approve|approves)\s+(a|the|their|his|her)\s+(\w+\s+)?refund)\b/, tools: ['refund'] },
  { name: 'cancel', when: /\b(cancels|cancelled|canceled)\b/, tools: ['cancel'] },
  { name: 'reschedule', when: /\b(reschedules|rescheduled|moves the (appointment|booking|reservation|delivery))\b/, tools: ['reschedule', 'move', 'update', 'change', 'modify'] },
  { name: 'book', when: /\b(books|booked|reserves|reserved|schedules|scheduled|(makes|creates|completes) (a|the) (\w+\s+)?(booking|reservation|appointment))\b/, tools: ['book', 'reserve', 'reservation', 'booking', 'schedule', 'appointment', 'create'] },
  { name: 'reset', when: /\b(resets|reset the|sends a (password )?reset)\b/, tools: ['reset'] },
  { name: 'update', when: /\b(updates|updated|changes|changed|edits|modifies|switches|sets the|corrects)\b/, tools: ['update', 'change', 'set', 'edit', 'modify', 'switch', 'correct', 'patch'] },
  { name: 'order', when: /\b(places (a|an|the) (\w+\s+)?order|reorders|orders (a|the|another))\b/, tools: ['order', 'purchase', 'checkout', 'place'] },
  { name: 'escalate', when: /\b(escalates|(opens|creates|files|logs|raises) (a|an) (\w+\s+)?(ticket|case|claim))\b/, tools: ['escalate', 'ticket', 'case', 'claim', 'create', 'open'] },
  { name: 'send', when: /\b(sends|emails|resends|texts)\b/, tools: ['send', 'email', 'resend', 'notify', 'sms', 'ship', 'dispatch', 'mail'] },
  { name: 'replace', when: /\b(replaces|arranges a replacement|ships a replacement|exchanges)\b/, tools: ['replace', 'replacement', 'exchange'] },
  { name: 'unlock', when: /\b(unlocks|reactivates|re-enables|restores access)\b/, tools: ['unlock', 'reactivate', 'enable', 'restore'] },
  { name: 'close', when: /\b(closes the account|deletes the account|deactivates|removes the)\b/, tools: ['close', 'delete', 'deactivate', 'remove'] },
  { name: 'look-up', when: /\b(looks up|retrieves|fetches|searches for|checks the (status|order|account|booking))\b/, tools: ['look', 'lookup', 'get', 'find', 'search', 'fetch', 'check', 'retrieve', 'track', 'status', 'read'] },
  { name: 'transfer', when: /\b(transfers|moves the money|moves funds)\b/, tools: ['transfer'] },
  { name: 'upgrade', when: /\b(upgrades|downgrades)\b/, tools: ['upgrade', 'downgrade', 'plan', 'change', 'update'] },
];

type ArtefactKind = 'code' | 'link' | 'amount' | 'date';

const ARTEFACTS: { kind: ArtefactKind; label: string; when: RegExp; find: RegExp }[] = [
  {
    kind: 'code',
    label: 'a reference (confirmation, booking, ticket or tracking number)',
    when: /\b((confirmation|reference|booking|reservation|ticket|case|tracking|order|transaction|refund|claim|return|rma|voucher|coupon|promo|discount|authori[sz]ation|membership|policy)\s*(number|no|code|id|reference|#)|reference|pnr|voucher code)\b/,
    find: /(?<![\w-])(?=[a-z0-9-]*\d)(?=[a-z0-9-]*(?:[a-z]|\d{5}))[a-z0-9][a-z0-9-]{3,}(?![\w-])/g,
  },
  { kind: 'link', label: 'a link', when: /\b(link|url|web address)\b/, find: /https?:\/\/\S+/g },
  { kind: 'amount', label: 'an amount', when: /\b(amount|price|cost|fee|total|balance)\b/, find: /(?:[$€£]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?))/g },
  {
    kind: 'date',
    label: 'a date or time',
    when: /\b(date|time slot|delivery day|arrival day|when it will)\b/,
    find: /\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|today|january|february|march|april|may|june|july|august|september|october|november|december|\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}(?:\/\d{2,4})?|\d{1,2}[:.]\d{2}|\d{1,2}\s?(?:am|pm))\b/g,
  },
];

const REFUSAL =
  /\b(i(?:'m| am) (?:not able|unable|not allowed|not permitted)|i (?:can't|cannot|can not|won't be able|am not able)|we (?:can't|cannot|are unable|don't (?:offer|allow|do))|i do(?:n't| not) have (?:access|the ability|permission|a way)|(?:isn't|is not|not) (?:possible|something i can)|i(?:'m| am) afraid (?:i|we|that's|that is|this is) )/;
const PROMISE = /\b(i(?:'ll| will)|we(?:'ll| will)|(?:i'm|i am|we're|we are) going to|will be (?:processed|issued|sent|booked|cancelled|canceled|refunded|updated|reset|handled|done|arranged|taken care)|shortly|as soon as possible)\b/;
const CLAIM = /\b(has been|have been|i(?:'ve| have) (?:\w+ed|sent|made|set|reset|put|done)|is now|are now|all done|all set|went through|is confirmed|you're booked|you are booked|processed|completed)\b/;
/** A tool result that only queued the action: it was not (yet) done. */
const TOOL_PENDING = /(?<![a-z])(pending|queued|received|submitted|in review|awaiting|requested)(?![a-z])/i;
const TOOL_FAILED = /(?<![a-z])(error|failed|failure|declined|denied|not found|invalid|unable|rejected|insufficient|not allowed|forbidden|unavailable|timeout|timed out)(?![a-z])|"(?:ok|success)"\s*:\s*false/i;

const round2 = (n: number) => Math.round(n * 100) / 100;

interface ToolUse {
  name: string;
  stems: string[];
  args: string;
  result: string | null;
  failed: boolean;
  pending: boolean;
}

function toolUses(messages: RunMessage[]): ToolUse[] {
  const uses: ToolUse[] = [];
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    for (const c of m.tool_calls ?? []) {
      const reply = messages.slice(i + 1).find((r) => r.role === 'tool' && (r.tool_call_id ? r.tool_call_id === c.id : true));
      const result = reply ? reply.content : null;
      uses.push({ name: c.function.name, stems: identifierStems(c.function.name), args: c.function.arguments ?? '', result, failed: result !== null && TOOL_FAILED.test(result), pending: result !== null && TOOL_PENDING.test(result) });
    }
  });
  return uses;
}

/** Standalone numbers of a text ("10am" → 10, "4.2" → 4.2), not those inside codes, dates or identifiers. */
const figuresIn = (text: string): string[] => [...normalise(text).matchAll(/(?<![\w.\/:-])(\d+(?:[.,]\d+)?)(?:am|pm|h|st|nd|rd|th|%)?(?![\w\/:-]|[.,]\d)/g)].map((m) => m[1]!);

/** Tokens of a kind in a text, normalised. */
const found = (re: RegExp, text: string): string[] => [...normalise(text).matchAll(re)].map((m) => m[0]).filter((t) => !MEASURE.test(t));
/** Numbers with a unit ("30-day", "2pm", "24h", "3rd") are not references. */
const MEASURE = /^\d+-?(?:st|nd|rd|th|am|pm|h|hrs?|mins?|s|secs?|days?|weeks?|months?|years?|kg|g|gb|mb|tb|km|mm|cm|m|x|k|digits?|steps?|hours?|minutes?|inch|inches)$/;

interface Reading {
  decision: JudgeDecision;
  failureMet: boolean;
  confidence: number;
  reasons: string[];
}

function decide(criteria: { successCriteria: string | null; failureCriteria: string | null }, messages: RunMessage[]): Reading {
  const userText = messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n');
  const agentMessages = messages.filter((m) => m.role === 'assistant' && m.content?.trim());
  const agentText = agentMessages.map((m) => m.content).join('\n');
  const lastText = normalise(agentMessages.at(-1)?.content ?? '');
  const tools = toolUses(messages);
  const { own, echoed, total } = ownStems(agentText, userText);
  const toolStems = new Set(tools.filter((t) => !t.failed).flatMap((t) => [...t.stems, ...stemSequence(t.args)]));
  const userStems = new Set(stemSequence(userText));
  const reasons: string[] = [];
  if (echoed) reasons.push(`${echoed} of the agent’s ${total} content words repeat the user’s and were not counted`);

  // Failure criteria: their words in the agent's own, non-negated sentences; a refusal when they name one.
  let failureMet = false;
  const failure = (criteria.failureCriteria ?? '').trim();
  if (failure) {
    const fWords = keywords(failure).map(stem);
    const affirmative = agentText
      .split(/(?<=[.!?\n])\s+/)
      .filter((s) => !/\b(not|never|no|n't|cannot|won't)\b|n't\b/i.test(normalise(s)))
      .join(' ');
    const fOwn = ownStems(affirmative, userText).own;
    const fHit = fWords.filter((w) => fOwn.has(w));
    const refusalNamed = /\brefus|\bdeclin|\bwon't help|\bdoes not help|\bdoesn't help/.test(normalise(failure));
    if (refusalNamed && REFUSAL.test(normalise(agentText))) {
      failureMet = true;
      reasons.push('the failure criteria name a refusal and the agent refused');
    } else if (fWords.length && fHit.length / fWords.length >= CONTENT_THRESHOLD) {
      failureMet = true;
      reasons.push(`the agent’s own words match the failure criteria (${fHit.join(', ')})`);
    }
  }
  const verdict = (decision: JudgeDecision, confidence: number, why: string): Reading => ({ decision, failureMet, confidence, reasons: [...reasons, why] });
  if (failureMet) return verdict('fail', 0.8, 'failure criteria triggered');

  const success = normalise((criteria.successCriteria ?? '').trim());
  if (!success) return verdict('inconclusive', 0, 'there are no success criteria to check');
  if (!agentMessages.length && !tools.length) return verdict('fail', 0.7, 'the agent said and did nothing');

  const refused = REFUSAL.test(lastText) || (agentMessages.length > 0 && agentMessages.every((m) => REFUSAL.test(normalise(m.content))));
  const promised = PROMISE.test(normalise(agentText));
  const claimed = CLAIM.test(normalise(agentText));

  // An action the criteria require: a successful tool call whose name fits shows it was done.
  const actions = ACTIONS.filter((a) => a.when.test(success));
  let evidence = 0;
  let pending = false;
  for (const action of actions) {
    const fits = tools.filter((t) => t.stems.some((s) => action.tools.map(stem).includes(s)));
    const ok = fits.filter((t) => !t.failed && !t.pending);
    if (!ok.length && fits.some((t) => t.pending && !t.failed)) {
      reasons.push(`the agent’s ${fits[0]!.name} call only queued the required ${action.name}`);
      pending = true;
      continue;
    }
    if (ok.length) {
      reasons.push(`the agent called ${ok[0]!.name} for the required ${action.name}`);
      evidence++;
      continue;
    }
    if (fits.length) return verdict('fail', 0.8, `the agent’s ${fits[0]!.name} call for the required ${action.name} failed (${(fits[0]!.result ?? '').slice(0, 80)})`);
    if (refused) return verdict('fail', 0.8, `the agent declined the required ${action.name}`);
    if (promised && !claimed) return verdict('fail', 0.7, `the agent only promised the required ${action.name}; no tool call did it`);
    if (!claimed) return verdict('fail', 0.6, `nothing the agent said or did performs the required ${action.name}`);
    // Claimed without a record: judged on the artefacts below, at best inconclusive.
    reasons.push(`the agent says the ${action.name} is done but no tool call shows it`);
  }

  // Artefacts the criteria require, in the agent's own words and not supplied by the user.
  const userNorm = normalise(userText);
  for (const a of ARTEFACTS.filter((x) => x.when.test(success))) {
    const mine = found(a.find, agentText).filter((t) => !userNorm.includes(t));
    if (!mine.length) return verdict('fail', 0.75, `the agent never gave ${a.label} of its own`);
    reasons.push(`the agent gave ${a.label} (${mine[0]})`);
    evidence++;
  }
  if (actions.some((a) => reasons.includes(`the agent says the ${a.name} is done but no tool call shows it`))) {
    return verdict('inconclusive', 0, 'an action was claimed without any tool call to show it');
  }
  if (pending) return verdict('inconclusive', 0, 'a required action was only queued, not shown done');

  // Figures the criteria state ("30 days", "10am", "£45") and the user did not: each must be in the agent's own words.
  const userFigures = new Set(figuresIn(userText));
  const figures = [...new Set(figuresIn(success))].filter((f) => !userFigures.has(f));
  const agentFigures = new Set(figuresIn(agentText));
  const missingFigures = figures.filter((f) => !agentFigures.has(f));
  if (figures.length && !missingFigures.length) evidence++;
  if (missingFigures.length) {
    const other = [...agentFigures].filter((f) => !figures.includes(f) && !userFigures.has(f));
    if (other.length) return verdict('fail', 0.7, `the agent stated ${other.slice(0, 3).join(', ')} where the criteria require ${missingFigures.join(', ')}`);
    return verdict(refused ? 'fail' : 'inconclusive', refused ? 0.6 : 0, `the agent never stated ${missingFigures.join(', ')}`);
  }

  // The criteria's other content words, those the user did not say first, in the agent's own words or tool calls.
  const all = keywords(success).map(stem);
  const fresh = [...new Set(all.filter((w) => !userStems.has(w) && !/^\d/.test(w)))];
  const hit = fresh.filter((w) => own.has(w) || toolStems.has(w));
  // Evidence already found (an action done, an artefact, the figures) counts with the words.
  const coverage = fresh.length ? (hit.length + evidence) / (fresh.length + evidence) : null;
  if (coverage !== null) reasons.push(`the agent’s own words cover ${hit.length} of ${fresh.length} criteria words the user did not say${hit.length < fresh.length ? ` (missing: ${fresh.filter((w) => !hit.includes(w)).join(', ')})` : ''}`);
  if (refused && !evidence) return verdict('fail', 0.7, 'the agent declined');
  const needed = evidence ? CONTENT_THRESHOLD_WITH_EVIDENCE : CONTENT_THRESHOLD;
  if (coverage === null) {
    if (evidence) return verdict('pass', 0.7, 'the required evidence is there');
    return verdict('inconclusive', 0, 'the criteria only repeat the user’s words, so the agent saying them proves nothing');
  }
  if (coverage >= needed) return verdict('pass', round2(Math.min(0.9, 0.5 + coverage / 2)), 'the criteria are covered by what the agent said and did');
  if (coverage === 0 && !evidence && !figures.length) return verdict('fail', 0.6, 'nothing the agent said addresses the criteria');
  return verdict('inconclusive', 0, 'the agent’s words cover the criteria only in part');
}

/** "The agent unlocks the account or sends a reset email" → both alternatives (split only before a verb, "or sends"). */
function alternatives(success: string | null): (string | null)[] {
  if (!success) return [success];
  const parts = success.split(/,?\s+or\s+(?=(?:\w+s|\w+es)\s)(?!\w+ss\s)/i).map((p) => p.trim()).filter(Boolean);
  return parts.length > 1 ? parts : [success];
}

const RANK: Record<JudgeDecision, number> = { fail: 0, inconclusive: 1, pass: 2 };

export function embeddedVerdict(criteria: { successCriteria: string | null; failureCriteria: string | null }, messages: RunMessage[], model: string): JudgeVerdict {
  // Alternatives: the best-supported one decides (the failure criteria apply to each alike).
  const r = alternatives(criteria.successCriteria)
    .map((successCriteria) => decide({ ...criteria, successCriteria }, messages))
    .reduce((best, x) => (RANK[x.decision] > RANK[best.decision] ? x : best));
  return {
    decision: r.decision,
    successMet: r.decision === 'pass',
    failureMet: r.failureMet,
    confidence: r.confidence,
    reasoning: `Heuristic verdict from the embedded judge (deterministic rules over the agent’s own messages and tool calls, no language model): ${r.decision}. ${r.reasons.join('; ')}.`,
    provider: 'embedded',
    model,
  };
}
