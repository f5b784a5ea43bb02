/**
 * The tools an agent may use while chatting, switched on by its tool config
 * (`agentToolConfig`, PATCH …/config):
 * - files: `read_file`, `write_file`, `list_files` on the agent's workspace
 *   (through the files module, so its path rules and plan limits apply);
 * - http: `http_fetch` {url, method, headers, body}. Header values may use the
 *   user's secrets as `{{secrets.NAME}}`; they are substituted here, on the
 *   server, and every substituted value is masked (as `[secret NAME]`) in
 *   whatever goes back to the model, the stream, the run events and the log.
 *   Addresses are checked by http-fetch.ts.
 * A tool never throws: it answers {ok, summary, content}, where `content` is
 * what the model reads (JSON) and `summary` what clients see.
 */
import { z } from 'zod';
import type { Agent, AgentUser } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import type { ToolCall, ToolSpec } from '../../infra/ai/chat.js';
import { agentToolConfig } from '../agents/tool-config.js';
import { listAgentFiles, readAgentFile, writeAgentFile } from '../files/service.js';
import { secretValues } from '../secrets/service.js';
import { FetchRefused, guardedFetch } from './http-fetch.js';
import { clipText } from '../../infra/unicode.js';

export interface ToolOutcome {
  ok: boolean;
  summary: string;
  /** JSON text for the model. */
  content: string;
}

const FILE_TOOLS: ToolSpec[] = [
  {
    name: 'read_file',
    description: 'Read a file from your workspace.',
    parameters: { type: 'object', properties: { path: { type: 'string', description: 'Path inside the workspace, e.g. notes/todo.md' } }, required: ['path'], additionalProperties: false },
  },
  {
    name: 'write_file',
    description: 'Create or replace a text file in your workspace.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
      additionalProperties: false,
    },
  },
  {
    name: 'list_files',
    description: 'List the files in your workspace, optionally under a folder.',
    parameters: { type: 'object', properties: { prefix: { type: 'string', description: 'e.g. notes/' } }, additionalProperties: false },
  },
];

const HTTP_TOOL: ToolSpec = {
  name: 'http_fetch',
  description:
    'Make an HTTP request to a public URL. Header values may reference the user’s secrets as {{secrets.NAME}}; the server fills them in and you never see the values.',
  parameters: {
    type: 'object',
    properties: {
      url: { type: 'string' },
      method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] },
      headers: { type: 'object', additionalProperties: { type: 'string' } },
      body: { type: 'string' },
    },
    required: ['url'],
    additionalProperties: false,
  },
};

const Args = {
  read_file: z.object({ path: z.string().min(1) }),
  write_file: z.object({ path: z.string().min(1), content: z.string().max(1024 * 1024) }),
  list_files: z.object({ prefix: z.string().optional() }),
  http_fetch: z.object({
    url: z.string().min(1),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'header names must be tokens'), z.string().max(8192)).default({}),
    body: z.string().max(1024 * 1024).optional(),
  }),
};

const SECRET_REF = /\{\{\s*secrets\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const HAS_SECRET_REF = /\{\{\s*secrets\./;
const MAX_TEXT_TO_MODEL = 32 * 1024;

const isText = (type: string, bytes: Buffer) => /^(text\/|application\/(json|xml|javascript|[\w.+-]+\+(json|xml)))/i.test(type) || !bytes.includes(0);

export class AgentTools {
  readonly specs: ToolSpec[];
  /** Secret values substituted in this run, longest first, for masking. */
  private readonly used = new Map<string, string>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly agent: Agent & { user: AgentUser },
    private readonly signal: AbortSignal,
  ) {
    const config = agentToolConfig(agent);
    this.specs = [...(config.files ? FILE_TOOLS : []), ...(config.http.enabled ? [HTTP_TOOL] : [])];
  }

  /** Replaces every secret value used so far with `[secret NAME]`. */
  mask(text: string): string {
    let out = text;
    for (const [value, name] of [...this.used].sort(([a], [b]) => b.length - a.length)) out = out.split(value).join(`[secret ${name}]`);
    return out;
  }

  /** The call's arguments as clients may see them (parsed when JSON, masked). */
  visibleArguments(call: ToolCall): unknown {
    const masked = this.mask(call.arguments);
    try {
      return JSON.parse(masked);
    } catch {
      return masked;
    }
  }

  async run(call: ToolCall): Promise<ToolOutcome> {
    const fail = (summary: string): ToolOutcome => ({ ok: false, summary: this.mask(summary), content: JSON.stringify({ ok: false, summary: this.mask(summary) }) });
    if (!this.specs.some((s) => s.name === call.name)) return fail(`the tool ${call.name} is not enabled for this agent`);
    let raw: unknown;
    try {
      raw = JSON.parse(call.arguments || '{}');
    } catch {
      return fail('the arguments are not valid JSON');
    }
    const schema = Args[call.name as keyof typeof Args];
    const parsed = schema.safeParse(raw);
    if (!parsed.success) return fail(`invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
    try {
      const result = await this.dispatch(call.name as keyof typeof Args, parsed.data);
      const summary = this.mask(result.summary);
      return { ok: true, summary, content: this.mask(JSON.stringify({ ok: true, ...result, summary })) };
    } catch (err) {
      if (err instanceof FetchRefused || isAppError(err)) return fail(err.message);
      this.ctx.deps.log.error({ err, tool: call.name, requestId: this.ctx.requestId }, 'chat tool failed');
      return fail('the tool failed');
    }
  }

  private async dispatch(name: keyof typeof Args, args: unknown): Promise<{ summary: string } & Record<string, unknown>> {
    const agentId = this.agent.id;
    switch (name) {
      case 'read_file': {
        const { path } = args as z.infer<(typeof Args)['read_file']>;
        const file = await readAgentFile(this.ctx, agentId, path);
        const bytes = Buffer.from(file.bytes);
        const text = isText(file.contentType, bytes);
        return {
          summary: `read ${file.path} (${file.size} bytes)`,
          path: file.path,
          contentType: file.contentType,
          content: text ? clipText(bytes.toString('utf8'), MAX_TEXT_TO_MODEL) : `[binary, ${file.size} bytes]`,
          truncated: text && bytes.length > MAX_TEXT_TO_MODEL,
        };
      }
      case 'write_file': {
        const { path, content } = args as z.infer<(typeof Args)['write_file']>;
        const bytes = Buffer.from(content, 'utf8');
        const { file } = await writeAgentFile(this.ctx, agentId, path, bytes, /\.md$/i.test(path) ? 'text/markdown; charset=utf-8' : 'text/plain; charset=utf-8');
        return { summary: `wrote ${file.path} (${bytes.length} bytes)`, path: file.path };
      }
      case 'list_files': {
        const { prefix } = args as z.infer<(typeof Args)['list_files']>;
        const files = await listAgentFiles(this.ctx, agentId, prefix);
        return { summary: `${files.length} file${files.length === 1 ? '' : 's'}${prefix ? ` under ${prefix}` : ''}`, files: files.map((f) => ({ path: f.path, size: f.size, contentType: f.contentType })) };
      }
      case 'http_fetch': {
        const a = args as z.infer<(typeof Args)['http_fetch']>;
        if (HAS_SECRET_REF.test(a.url) || (a.body !== undefined && HAS_SECRET_REF.test(a.body))) {
          throw new FetchRefused('secrets may be used in header values only');
        }
        const headers = await this.substituteSecrets(a.headers);
        const { timeoutMs, maxBytes } = this.ctx.deps.config.chatHttpTool;
        const http = agentToolConfig(this.agent).http;
        const res = await guardedFetch({ url: a.url, method: a.method, headers, body: a.body }, { ...http, timeoutMs, maxBytes }, this.signal);
        return {
          summary: `${a.method} ${a.url} → ${res.status} (${res.bytes} bytes${res.truncated ? ', cut off' : ''})`,
          status: res.status,
          contentType: res.contentType,
          body: clipText(res.body, MAX_TEXT_TO_MODEL),
          truncated: res.truncated || res.body.length > MAX_TEXT_TO_MODEL,
          ...(res.location ? { location: res.location } : {}),
        };
      }
    }
  }

  private async substituteSecrets(headers: Record<string, string>): Promise<Record<string, string>> {
    const names = new Set<string>();
    for (const v of Object.values(headers)) for (const m of v.matchAll(SECRET_REF)) names.add(m[1]!);
    if (!names.size) return headers;
    const values = await secretValues(this.ctx, this.agent.userId, [...names]);
    const missing = [...names].filter((n) => values[n] === undefined);
    if (missing.length) throw new FetchRefused(`secret ${missing.join(', ')} is not set for this user`);
    for (const n of names) if (values[n]!.length) this.used.set(values[n]!, n);
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(SECRET_REF, (_m, n: string) => values[n]!)]));
  }
}
