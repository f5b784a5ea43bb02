/**
 * The embedded chat model (`embedded-chat-v1`): offline and deterministic
 * (same inputs, same reply). It writes its reply from who the agent is (the
 * first sentence of its SOUL), what the user asked, and what came before,
 * says that it is the embedded model, and streams it word by word. It does
 * not pretend to know facts.
 *
 * Tools: when the user's last message asks plainly for one the agent has
 * ("read file notes.md", "what is in notes/todo.md?", "write file a.txt: hello", "list files",
 * "fetch https://example.com with header Authorization: Bearer
 * {{secrets.TOKEN}}"), it calls that tool; once the results are back it
 * reports what the tool returned.
 */
import { createHash } from 'node:crypto';
import { countPromptTokens, countTokens, type ChatChunk, type ChatProvider, type ChatRequest, type ToolCall } from './chat.js';
import { clipWithEllipsis } from '../unicode.js';

/** Picks one of `options` deterministically from a seed string. */
function pick<T>(seed: string, salt: string, options: readonly T[]): T {
  const h = createHash('sha256').update(`${salt}:${seed}`).digest();
  return options[h.readUInt32BE(0) % options.length]!;
}

function firstSentence(text: string, max = 160): string {
  const clean = text.replace(/^#.*$/gm, '').replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(clean);
  const s = (m ? m[1]! : clean).trim();
  return clip(s, max);
}

/** Cut at a code-point boundary: a plain slice cut emoji in half, and the reply with the lone surrogate could not be stored. */
const clip = clipWithEllipsis;

const STOP = new Set(['what', 'which', 'where', 'when', 'with', 'that', 'this', 'there', 'could', 'would', 'should', 'about', 'your', 'have', 'help', 'please', 'tell', 'from', 'into', 'them', 'they', 'does', 'hello', 'thanks', 'thank', 'just', 'some', 'want', 'need']);

function topicOf(message: string): string {
  const words = message
    .toLowerCase()
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[^a-z0-9\s'-]/g, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 3 && !STOP.has(w));
  return words.slice(0, 4).join(' ') || 'that';
}

const trimPath = (p: string) => p.replace(/[.,;:!?)]+$/, '');

/** The tool a message asks for in plain words, if any: [tool name, arguments]. */
export function plainToolRequest(message: string): [string, Record<string, unknown>] | null {
  const write = /\b(?:write|save)\s+(?:to\s+)?(?:the\s+)?file\s+[`"']?([\w./-]+?)[`"']?\s*(?:with|containing|:)\s*([\s\S]+)$/i.exec(message);
  if (write) return ['write_file', { path: trimPath(write[1]!), content: write[2]!.trim() }];
  const read = /\b(?:read|open|show(?:\s+me)?)\s+(?:the\s+)?file\s+[`"']?([\w./-]+)/i.exec(message);
  if (read) return ['read_file', { path: trimPath(read[1]!) }];
  // "what is in notes/todo.md?": a path-looking word (a folder or an extension) after "what's in".
  const whatsIn = /\bwhat(?:'s|’s|\s+is)\s+in\s+(?:the\s+file\s+)?[`"']?((?:[\w-]+\/)*[\w-]+\.\w+|(?:[\w-]+\/)+[\w.-]+)/i.exec(message);
  if (whatsIn) return ['read_file', { path: trimPath(whatsIn[1]!) }];
  const list = /\blist\s+(?:my\s+|the\s+|all\s+)?(?:workspace\s+)?files\b(?:\s+(?:in|under)\s+([\w./-]+))?/i.exec(message);
  if (list) return ['list_files', list[1] ? { prefix: trimPath(list[1]) } : {}];
  const fetch = /\b(?:fetch|get|call|download)\s+(https?:\/\/[^\s"'<>]+)/i.exec(message);
  if (fetch) {
    const url = fetch[1]!.replace(/[.,;!?)]+$/, '');
    const method = /\b(?:with\s+)?method\s+(GET|POST|PUT|PATCH|DELETE|HEAD)\b/i.exec(message)?.[1]?.toUpperCase() ?? 'GET';
    const headers: Record<string, string> = {};
    for (const m of message.matchAll(/\bheader\s+([A-Za-z0-9-]+)\s*:\s*(.+?)\s*(?=\s+and\s+header\b|[\n,;]|$)/gi)) headers[m[1]!] = m[2]!;
    return ['http_fetch', { url, method, ...(Object.keys(headers).length ? { headers } : {}) }];
  }
  return null;
}

function describeResult(name: string, content: string): string {
  let r: { ok?: boolean; summary?: string; content?: string; body?: string; files?: { path: string }[] };
  try {
    r = JSON.parse(content) as typeof r;
  } catch {
    return `I used ${name}; it returned: “${clip(content.replace(/\s+/g, ' ').trim(), 200)}”.`;
  }
  if (r.ok === false) return `I tried ${name}, but it failed: ${r.summary ?? 'no reason given'}.`;
  const detail = r.content ?? r.body ?? (r.files ? r.files.map((f) => f.path).join(', ') : '');
  const excerpt = detail ? ` It says: “${clip(detail.replace(/\s+/g, ' ').trim(), 200)}”.` : '';
  return `I used ${name}: ${r.summary ?? 'done'}.${excerpt}`;
}

export class EmbeddedChat implements ChatProvider {
  readonly name = 'embedded' as const;

  async *chat(req: ChatRequest): AsyncIterable<ChatChunk> {
    const lastUser = req.messages.findLastIndex((m) => m.role === 'user');
    const last = lastUser >= 0 ? req.messages[lastUser]!.content : '';
    const results = req.messages.slice(lastUser + 1).filter((m) => m.role === 'tool');
    const earlier = req.messages.slice(0, Math.max(0, lastUser)).filter((m) => m.role === 'user');
    const seed = `${req.system}\n${req.messages.map((m) => `${m.role}:${m.content}`).join('\n')}`;

    const wanted = results.length ? null : plainToolRequest(last);
    if (wanted && req.tools?.some((t) => t.name === wanted[0])) {
      const args = JSON.stringify(wanted[1]);
      const toolCall: ToolCall = { id: `call_${createHash('sha256').update(`${seed}:${args}`).digest('hex').slice(0, 16)}`, name: wanted[0], arguments: args };
      yield { toolCall };
      yield { usage: { promptTokens: countPromptTokens(req), completionTokens: countTokens(wanted[0] + args) } };
      return;
    }

    const soul = req.system.split(/\n# /)[0] ?? req.system;
    const who = firstSentence(soul.replace(/^# ?SOUL\s*/i, ''));
    const topic = topicOf(last);
    const opener = pick(seed, 'opener', ['Happy to help with', 'Let’s look at', 'Good question about', 'Here is my take on']);
    const quoted = clip(last, 120);
    const parts = [
      `${opener} ${topic}.`,
      who ? `Speaking as the agent described in my instructions (“${who}”), I’ll stay in that role.` : '',
      earlier.length ? `Earlier you asked about ${topicOf(earlier[earlier.length - 1]!.content)}; I’ve kept that in mind.` : '',
      ...results.map((r) => describeResult(r.role === 'tool' ? r.name : 'a tool', r.content)),
      wanted && !results.length ? `That needs the ${wanted[0]} tool, which is not enabled for this agent (PATCH …/config turns tools on).` : '',
      results.length
        ? ''
        : /\?\s*$/.test(last)
          ? `You asked: “${quoted}” — I can reason about it, but I have no live knowledge, so check facts that matter.`
          : `You said: “${quoted}”. Tell me what outcome you want and I’ll work towards it.`,
      `(Answered offline by personagraph’s embedded model ${req.model}; configure an OpenAI-compatible provider for real model replies.)`,
    ].filter(Boolean);
    const reply = parts.join(' ');
    for (const word of reply.split(/(?<=\s)/)) {
      if (req.signal?.aborted) return;
      yield { delta: word };
    }
    yield { usage: { promptTokens: countPromptTokens(req), completionTokens: countTokens(reply) } };
  }
}
