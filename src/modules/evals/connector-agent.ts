/**
 * Agent connectors: the team's personagraph agent through the chat service,
 * in-process, with the run's conversation as the whole history (nothing kept
 * by the agent). A connection test checks the agent's AI provider.
 */
import type { EvalConnector } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { jobContext } from '../../context.js';
import { isAppError } from '../../errors.js';
import { clipText } from '../../infra/unicode.js';
import * as chat from '../chat/service.js';
import { checkAgentProvider } from '../agents/service.js';
import { failure, type InvokeRequest, type InvokeResult, type RunMessage, type TestResult, type ToolCallOut } from './connector-request.js';

/** The context an agent connector calls the chat service in: the connector's team, every team scope. */
function agentContext(deps: Deps, teamId: string, label: string): ServiceContext {
  return jobContext(deps, teamId, label);
}

export async function invokeAgent(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
  const started = performance.now();
  if (!c.agentId) return failure(started, 'Agent not found');
  const agent = await ctx.deps.prisma.agent.findFirst({ where: { id: c.agentId, teamId: c.teamId } });
  if (!agent) return failure(started, 'Agent not found');
  // The agent sees the conversation as user/assistant turns; it must end with the user's.
  const turns = req.messages
    .filter((m) => (m.role === 'user' || m.role === 'assistant') && m.content.trim())
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: clipText(m.content, 32_000) }))
    .slice(-100);
  if (turns.at(-1)?.role !== 'user') return failure(started, 'The conversation must end with a user message');
  const actx = agentContext(ctx.deps, c.teamId, `eval-connector:${c.id}`);
  let runId: string | null = null;
  try {
    const run = await chat.startChatRun(actx, agent.userId, agent.id, { messages: turns }, { isolated: true });
    runId = run.id;
    const messages: RunMessage[] = [];
    const calls: ToolCallOut[] = [];
    const onAbort = () => void chat.cancelChatRun(actx, run.id).catch(() => {});
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const ev of chat.runEvents(actx, run.id, 0)) {
        if (ev.type === 'tool_call') {
          const call: ToolCallOut = { id: `call_${calls.length + 1}`, type: 'function', function: { name: ev.data.name ?? '', arguments: JSON.stringify(ev.data.arguments ?? {}) } };
          calls.push(call);
          messages.push({ role: 'assistant', content: '', tool_calls: [call] });
        } else if (ev.type === 'tool_result') {
          messages.push({ role: 'tool', content: ev.data.summary ?? '', tool_call_id: calls.at(-1)?.id ?? '', name: ev.data.name ?? '' });
        } else if (ev.type === 'done') {
          messages.push({ role: 'assistant', content: ev.data.message ?? '' });
          const u = ev.data.usage;
          return {
            success: true,
            latencyMs: Math.round(performance.now() - started),
            messages,
            threadId: run.id,
            rawResponse: { runId: run.id, model: ev.data.model },
            ...(u ? { tokensUsage: { input_tokens: u.promptTokens, output_tokens: u.completionTokens, total_tokens: u.totalTokens } } : {}),
          };
        } else if (ev.type === 'error') {
          return failure(started, ev.data.error ?? 'the agent failed', { threadId: run.id });
        } else if (ev.type === 'cancelled') {
          return failure(started, 'the agent run was cancelled', { threadId: run.id });
        }
      }
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
    }
    return failure(started, 'the agent ended without a reply', { threadId: run.id });
  } catch (err) {
    return failure(started, isAppError(err) ? err.message : 'the agent failed', runId ? { threadId: runId } : {});
  }
}

export async function testAgent(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
  const started = performance.now();
  const agent = c.agentId ? await ctx.deps.prisma.agent.findFirst({ where: { id: c.agentId, teamId: c.teamId } }) : null;
  if (!agent) return { success: false, latencyMs: Math.round(performance.now() - started), error: 'Agent not found' };
  const check = await checkAgentProvider(ctx.deps.config, agent);
  return check.ok
    ? { success: true, latencyMs: Math.round(performance.now() - started), response: `agent ${agent.name} is reachable (${check.provider}, ${check.model})` }
    : { success: false, latencyMs: Math.round(performance.now() - started), error: check.error ?? 'the agent’s provider is unavailable' };
}
