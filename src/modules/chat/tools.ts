/**
 * The tools an agent may use while chatting, switched on by its tool config
 * (`agentToolConfig`, PATCH …/config):
 * - files: `read_file`, `write_file`, `list_files` on the agent's workspace
 *   (through the files module, so its path rules and plan limits apply);
 * - http: `http_fetch` {url, method, headers, body}, through the server's one
 *   outbound guard (src/infra/safe-fetch.ts): the agent's config can only
 *   narrow what the operator allows (OUTBOUND_* settings): without
 *   `allowPrivateNetworks` private addresses are refused whatever the
 *   operator allows; with it, the operator's policy applies. Its
 *   `allowedHosts` (`host`, `*.example.com`, `host:port`) limit the hosts
 *   further. Redirects are not followed (status and Location are reported).
 *   Header values may use the user's secrets as `{{secrets.NAME}}`; a secret
 *   is substituted only when the request's host is one its owner allows
 *   (Secret.allowedHosts; none by default), else the call fails and nothing
 *   is sent. Every substituted value is masked (as `[secret NAME]`) in
 *   whatever goes back to the model, the stream, the run events and the log.
 * A tool never throws: it answers {ok, summary, content}, where `content` is
 * what the model reads (JSON) and `summary` what clients see.
 */
import { z } from 'zod';
import type { Agent, AgentUser } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import type { ToolCall, ToolSpec } from '../../infra/ai/chat.js';
import { agentToolConfig } from '../agents/service.js';
import { listAgentFiles, readAgentFile, writeAgentFile } from '../files/service.js';
import { secretAllowsHost, secretGrants } from '../secrets/service.js';
import { checkOutboundUrl, hostMatches, OutboundFailed, OutboundRefused, safeFetch, type OutboundPolicy } from '../../infra/safe-fetch.js';

/** A tool call refused before anything was sent; the message is for the model. */
class ToolRefused extends Error {
  override name = 'ToolRefused';
}

/** An agent that does not allow private networks: nothing private, whatever the operator allows. */
const PUBLIC_ONLY: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: [] };

/** The agent's own host list (`host`, `*.example.com`, optionally `:port`); empty allows every host. */
function agentAllowsHost(url: URL, allowed: string[]): boolean {
  if (!allowed.length) return true;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((entry) => {
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase())!;
    const [pattern, p] = [m[1]!, m[2]];
    if (p && p !== port) return false;
    return hostMatches(host, pattern);
  });
}
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

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]+\+(json|xml)))/i;

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
      if (err instanceof ToolRefused || err instanceof OutboundRefused || err instanceof OutboundFailed || isAppError(err)) return fail(err.message);
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
          throw new ToolRefused('secrets may be used in header values only');
        }
        const http = agentToolConfig(this.agent).http;
        const policy = http.allowPrivateNetworks ? this.ctx.deps.config.outbound : PUBLIC_ONLY;
        // Scheme, credentials, metadata names and literal addresses first: a refused URL never gets a secret.
        const url = checkOutboundUrl(a.url, policy);
        if (!agentAllowsHost(url, http.allowedHosts)) throw new ToolRefused(`host ${url.hostname} is not in this agent's allowed hosts`);
        const headers = await this.substituteSecrets(a.headers, url);
        const { timeoutMs, maxBytes } = this.ctx.deps.config.chatHttpTool;
        const res = await safeFetch(url.toString(), {
          method: a.method,
          headers,
          body: a.body,
          timeoutMs,
          maxBytes,
          onTooLarge: 'truncate',
          followRedirects: false,
          policy,
          signal: this.signal,
        });
        const contentType = res.headers['content-type'] ?? '';
        const text = !res.body.length ? '' : TEXTUAL.test(contentType) || !contentType ? res.body.toString('utf8') : `[${res.body.length} bytes of ${contentType}]`;
        return {
          summary: `${a.method} ${a.url} → ${res.status} (${res.body.length} bytes${res.truncated ? ', cut off' : ''})`,
          status: res.status,
          contentType,
          body: clipText(text, MAX_TEXT_TO_MODEL),
          truncated: res.truncated || text.length > MAX_TEXT_TO_MODEL,
          ...(res.headers.location ? { location: res.headers.location } : {}),
        };
      }
    }
  }

  /** Fills in `{{secrets.NAME}}`, only for secrets whose owner allows the request's host; else refuses the whole call. */
  private async substituteSecrets(headers: Record<string, string>, url: URL): Promise<Record<string, string>> {
    const names = new Set<string>();
    for (const v of Object.values(headers)) for (const m of v.matchAll(SECRET_REF)) names.add(m[1]!);
    if (!names.size) return headers;
    const grants = await secretGrants(this.ctx, this.agent.userId, [...names]);
    const missing = [...names].filter((n) => grants[n] === undefined);
    if (missing.length) throw new ToolRefused(`secret ${missing.join(', ')} is not set for this user`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    for (const n of names) {
      const g = grants[n]!;
      if (!secretAllowsHost(g, host)) {
        throw new ToolRefused(
          g.allowedHosts.length
            ? `secret ${n} may not be sent to ${host}: its owner allows it only for ${g.allowedHosts.join(', ')}; nothing was sent`
            : `secret ${n} may not be sent to ${host}: its owner allows it for no host (set its allowedHosts); nothing was sent`,
        );
      }
    }
    for (const n of names) if (grants[n]!.value.length) this.used.set(grants[n]!.value, n);
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(SECRET_REF, (_m, n: string) => grants[n]!.value)]));
  }
}
