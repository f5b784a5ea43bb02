/** Chat in the graph: start and cancel runs; stream a run's events with replay from a seq. */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { Agent } from '../agents/schema.js';
import { ChatMessage } from '../conversations/schema.js';
import * as conversations from '../conversations/service.js';
import type { ChatRunEventPayload } from './events.js';
import * as chat from './service.js';

const Usage = builder.objectRef<{ promptTokens: number; completionTokens: number; totalTokens: number }>('TokenUsage').implement({
  authScopes: readableWith.chat,
  fields: (t) => ({ promptTokens: t.exposeInt('promptTokens'), completionTokens: t.exposeInt('completionTokens'), totalTokens: t.exposeInt('totalTokens') }),
});

const ChatRun = builder.prismaObject('ChatRun', {
  authScopes: readableWith.chat,
  description: 'One chat turn of an agent. Its reply streams as chatRunEvents.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    conversationId: t.exposeID('conversationId', { nullable: true, description: 'The conversation it continued; null when stateless.' }),
    conversation: t.relation('conversation', { nullable: true }),
    messages: t.field({
      type: [ChatMessage],
      description: 'The messages it wrote to its conversation (the user’s, then the reply), in order; none when stateless or after a reset.',
      resolve: (r, _a, ctx) => conversations.runMessages(ctx, r),
    }),
    status: t.exposeString('status', { description: 'running | done | error | cancelled' }),
    agentId: t.exposeID('agentId'),
    agent: t.field({ type: Agent, resolve: (r, _a, ctx) => ctx.deps.prisma.agent.findUniqueOrThrow({ where: { id: r.agentId } }) }),
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    message: t.exposeString('message', { nullable: true, description: 'The whole reply, once done.' }),
    error: t.exposeString('error', { nullable: true }),
    usage: t.field({ type: Usage, resolve: (r) => ({ promptTokens: r.promptTokens, completionTokens: r.completionTokens, totalTokens: r.promptTokens + r.completionTokens }) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const ChatRunEvent = builder.objectRef<ChatRunEventPayload>('ChatRunEvent').implement({
  authScopes: readableWith.chat,
  description:
    'A run event: `delta` (a token), `tool_call` and `tool_result` when the agent uses a tool, then one of `done`, `error`, `cancelled`. `seq` counts from 1.',
  fields: (t) => ({
    runId: t.exposeID('runId'),
    seq: t.exposeInt('seq'),
    type: t.exposeString('type'),
    delta: t.string({ nullable: true, resolve: (e) => e.data.text ?? null }),
    toolName: t.string({ nullable: true, description: 'tool_call / tool_result: the tool.', resolve: (e) => e.data.name ?? null }),
    toolArguments: t.field({ type: 'JSON', nullable: true, description: 'tool_call: its arguments (secret values masked).', resolve: (e) => (e.type === 'tool_call' ? (e.data.arguments ?? null) : null) }),
    toolOk: t.boolean({ nullable: true, description: 'tool_result: whether the tool succeeded.', resolve: (e) => e.data.ok ?? null }),
    toolSummary: t.string({ nullable: true, description: 'tool_result: what the tool did (secret values masked).', resolve: (e) => e.data.summary ?? null }),
    message: t.string({ nullable: true, resolve: (e) => e.data.message ?? null }),
    model: t.string({ nullable: true, resolve: (e) => e.data.model ?? null }),
    usage: t.field({ type: Usage, nullable: true, resolve: (e) => e.data.usage ?? null }),
    error: t.string({ nullable: true, resolve: (e) => e.data.error ?? null }),
  }),
});

const ChatMessageInput = builder.inputType('ChatMessageInput', {
  fields: (t) => ({ role: t.string({ required: true, description: 'user or assistant' }), content: t.string({ required: true }) }),
});

registerNode('ChatRun', (ctx, id) => chat.getChatRun(ctx, id));

builder.queryField('chatRun', (t) =>
  t.field({ type: ChatRun, args: { id: t.arg.id({ required: true }) }, resolve: (_r, { id }, ctx) => chat.getChatRun(ctx, String(id)) }),
);

builder.mutationFields((t) => ({
  startChatRun: t.field({
    type: ChatRun,
    errors: mutationErrors,
    description: 'Starts a chat turn; subscribe to chatRunEvents(runId) for the reply. The run continues without subscribers.',
    args: {
      user: t.arg.id({ required: true }),
      agent: t.arg.id({ required: true }),
      messages: t.arg({ type: [ChatMessageInput], required: true }),
      conversationId: t.arg.id({ required: false, description: 'The conversation to continue; absent: the caller’s default conversation with the agent.' }),
      stateless: t.arg.boolean({ required: false, description: 'true: the messages are the whole transcript; no history is read and nothing is kept.' }),
    },
    resolve: (_r, args, ctx) =>
      chat.startChatRun(ctx, String(args.user), String(args.agent), {
        messages: args.messages,
        ...(args.conversationId != null ? { conversationId: String(args.conversationId) } : {}),
        ...(args.stateless != null ? { stateless: args.stateless } : {}),
      }),
  }),
  cancelChatRun: t.field({
    type: ChatRun,
    errors: mutationErrors,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => chat.cancelChatRun(ctx, String(id)),
  }),
}));

builder.subscriptionField('chatRunEvents', (t) =>
  t.field({
    type: ChatRunEvent,
    description: 'A run’s events after `afterSeq` (default 0): missed ones first, then live; ends with the run.',
    args: { runId: t.arg.id({ required: true }), afterSeq: t.arg.int({ required: false }) },
    subscribe: (_r, { runId, afterSeq }, ctx) => chat.runEvents(ctx, String(runId), afterSeq ?? 0),
    resolve: (e) => e,
  }),
);
