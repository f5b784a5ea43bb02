/**
 * Conversations (sessions) of an agent: the history a chat turn continues.
 *
 * Who sees what:
 * - Every caller has its own default conversation with each agent, made at its first chat: its principal is
 *   the API key (`key:<id>`) or, for the agent's own key, `agent:<agent id>`. A chat without a conversation id
 *   continues it, so two callers chatting with one agent at once never see each other's turns.
 * - A conversation id is shared within the team: any caller of the team holding `agent:chat` that may reach the
 *   agent (an agent key: only its own agent) may chat in, read, rename, reset or delete it by id. Passing the
 *   same id is how callers share one conversation. Another team's conversation, or one of another agent than
 *   the path names, is 404.
 * - Listing shows the caller's own conversations; `owner=all` lists every caller's and needs `admin`.
 *
 * Reset deletes the messages and keeps the conversation (its id, name and runs, whose replies stay on the
 * runs). Deleting it deletes its messages; its runs stay, without a conversation. A run still executing when its
 * conversation is reset or deleted keeps its reply on the run only (execution.ts adds the reply to the
 * conversation only while the run's own messages are still there).
 */
import type { Agent, Conversation, Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { keysetPage, type Page, type PageArgs } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { resolveAgent } from '../agents/service.js';
export { ConversationId } from './inputs.js';
import { ConversationId, ConversationListInput, CreateConversationInput, MessageListInput, RenameConversationInput } from './inputs.js';

export type ConversationQuery = { include?: Prisma.ConversationInclude; select?: Prisma.ConversationSelect };
/** The name of a caller's default conversation. */
export const DEFAULT_CONVERSATION_NAME = 'default';

const conversationNotFound = () => new NotFoundError('conversation not found', 'conversation_not_found');

/** Who is calling, as conversations record it: the agent's own key, or an API key. */
export function principalOf(ctx: ServiceContext): string {
  return ctx.actor.agentId ? `agent:${ctx.actor.agentId}` : `key:${ctx.actor.keyId}`;
}

/**
 * The caller's default conversation with the agent, made on first use, in one statement that writes nothing
 * when it exists (a chat's first token waits for it). Two first chats at once: one inserts, the other's insert
 * does nothing and it finds no row; chatConversation then asks again and finds the winner's.
 */
const DEFAULT_CONVERSATION = `found AS (
  SELECT * FROM "Conversation" WHERE "agentId" = $2 AND "defaultFor" = $4
), made AS (
  INSERT INTO "Conversation" (id, "teamId", "agentId", name, "createdBy", "defaultFor", "updatedAt")
  SELECT gen_random_uuid()::text, $1, $2, $3, $4, $4, now() AT TIME ZONE 'UTC' WHERE NOT EXISTS (SELECT 1 FROM found)
  ON CONFLICT ("agentId", "defaultFor") DO NOTHING
  RETURNING *
), c AS (
  SELECT * FROM found UNION ALL SELECT * FROM made
)`;

/** A conversation of this agent, by id, visible to the caller's team; anything else is 404. */
export async function conversationOf(ctx: ServiceContext, agent: Pick<Agent, 'id'>, rawId: unknown, query: ConversationQuery = {}): Promise<Conversation> {
  const id = parseInput(ConversationId, rawId);
  const found = await ctx.deps.prisma.conversation.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId, agentId: agent.id } });
  if (!found) throw conversationNotFound();
  return found;
}

/** A turn of a conversation's history, as a prompt takes it. */
export interface HistoryTurn {
  role: string;
  content: string;
}

/** The latest `$n` messages of conversation `c`, newest first, as one JSON array column. */
const HISTORY_COLUMN = (n: string) => `COALESCE((SELECT json_agg(json_build_object('role', m.role, 'content', m.content) ORDER BY m.seq DESC)
  FROM (SELECT role, content, seq FROM "ChatMessage" WHERE "conversationId" = c.id ORDER BY seq DESC LIMIT ${n}) m), '[]'::json) AS "__history"`;

const DEFAULT_WITH_HISTORY = `WITH ${DEFAULT_CONVERSATION}
SELECT c.*, ${HISTORY_COLUMN('$5')} FROM c`;

const NAMED_WITH_HISTORY = `SELECT c.*, ${HISTORY_COLUMN('$4')} FROM "Conversation" c WHERE c.id = $1 AND c."teamId" = $2 AND c."agentId" = $3`;

/**
 * The conversation a chat turn continues (the one named, else the caller's default) and its latest `take`
 * messages, newest first: one statement, since a chat's first token waits for it.
 */
export async function chatConversation(
  ctx: ServiceContext,
  agent: Pick<Agent, 'id' | 'teamId'>,
  rawId: string | undefined,
  take: number,
): Promise<{ conversation: Conversation; history: HistoryTurn[] }> {
  type Row = Conversation & { __history: HistoryTurn[] };
  const byDefault = () => ctx.deps.sql.rows<Row>('conversation_default_history', DEFAULT_WITH_HISTORY, [agent.teamId, agent.id, DEFAULT_CONVERSATION_NAME, principalOf(ctx), take]);
  let [row] =
    rawId === undefined
      ? await byDefault()
      : await ctx.deps.sql.rows<Row>('conversation_named_history', NAMED_WITH_HISTORY, [parseInput(ConversationId, rawId), ctx.actor.teamId, agent.id, take]);
  if (!row && rawId === undefined) [row] = await byDefault(); // made by a concurrent first chat meanwhile
  if (!row) throw conversationNotFound();
  const { __history: history, ...conversation } = row;
  return { conversation, history };
}

/** A conversation by id alone (GraphQL `conversation`, `node`): the team's, and for an agent key only its agent's. */
export async function getConversationById(ctx: ServiceContext, rawId: string, query: ConversationQuery = {}): Promise<Conversation> {
  requireScope(ctx, 'agent:chat');
  const id = parseInput(ConversationId, rawId);
  const found = await ctx.deps.prisma.conversation.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!found || (ctx.actor.agentId && found.agentId !== ctx.actor.agentId)) throw conversationNotFound();
  return found;
}

async function agentFor(ctx: ServiceContext, userRef: string, agentRef: string) {
  requireScope(ctx, 'agent:chat');
  return resolveAgent(ctx, userRef, agentRef);
}

/** The agent's conversations, newest first: the caller's own, or (`owner=all`, needs `admin`) everyone's. */
export async function listConversations(
  ctx: ServiceContext,
  userRef: string,
  agentRef: string,
  raw: unknown,
  query: ConversationQuery = {},
): Promise<Page<Conversation>> {
  const input = parseInput(ConversationListInput, raw);
  const agent = await agentFor(ctx, userRef, agentRef);
  if (input.owner === 'all') requireScope(ctx, 'admin');
  return keysetPage(input, 'a conversation', conversationList(ctx, agent.id, input.owner, query));
}

/** The list's filter and pager (REST and the GraphQL connection share it). */
export function conversationWhere(ctx: ServiceContext, agentId: string, owner: 'me' | 'all'): Prisma.ConversationWhereInput {
  return { teamId: ctx.actor.teamId, agentId, ...(owner === 'me' ? { createdBy: principalOf(ctx) } : {}) };
}

function conversationList(ctx: ServiceContext, agentId: string, owner: 'me' | 'all', query: ConversationQuery) {
  const where = conversationWhere(ctx, agentId, owner);
  return {
    anchor: (id: string) => ctx.deps.prisma.conversation.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (args: PageArgs) => ctx.deps.prisma.conversation.findMany({ ...query, where, ...args }),
  };
}

export async function createConversation(ctx: ServiceContext, userRef: string, agentRef: string, raw: unknown, query: ConversationQuery = {}): Promise<Conversation> {
  const input = parseInput(CreateConversationInput, raw);
  const agent = await agentFor(ctx, userRef, agentRef);
  return ctx.deps.prisma.conversation.create({
    ...query,
    data: { teamId: ctx.actor.teamId, agentId: agent.id, name: input.name ?? 'conversation', createdBy: principalOf(ctx) },
  });
}

export async function getConversation(ctx: ServiceContext, userRef: string, agentRef: string, id: string, query: ConversationQuery = {}): Promise<Conversation> {
  const agent = await agentFor(ctx, userRef, agentRef);
  return conversationOf(ctx, agent, id, query);
}

/** A page of the conversation's messages, newest first (the order they were written in). */
export async function listConversationMessages(ctx: ServiceContext, userRef: string, agentRef: string, id: string, raw: unknown) {
  const input = parseInput(MessageListInput, raw);
  const agent = await agentFor(ctx, userRef, agentRef);
  const conversation = await conversationOf(ctx, agent, id);
  const where = { conversationId: conversation.id };
  return keysetPage(input, 'a message', {
    anchor: (mid) => ctx.deps.prisma.chatMessage.findFirst({ where: { ...where, id: mid }, select: { id: true } }),
    // Messages of one turn share createdAt: `seq` is the order they were written in.
    rows: ({ orderBy: _byTime, ...args }) => ctx.deps.prisma.chatMessage.findMany({ where, ...args, orderBy: { seq: 'desc' } }),
  });
}

export async function renameConversation(ctx: ServiceContext, userRef: string, agentRef: string, id: string, raw: unknown, query: ConversationQuery = {}): Promise<Conversation> {
  const input = parseInput(RenameConversationInput, raw);
  const agent = await agentFor(ctx, userRef, agentRef);
  const found = await conversationOf(ctx, agent, id);
  const { count } = await ctx.deps.prisma.conversation.updateMany({ where: { id: found.id }, data: { name: input.name } });
  if (!count) throw conversationNotFound();
  return ctx.deps.prisma.conversation.findUniqueOrThrow({ ...query, where: { id: found.id } });
}

/** Clears the messages; the conversation (id, name, runs) stays. Answers it and how many messages went. */
export async function resetConversation(ctx: ServiceContext, userRef: string, agentRef: string, id: string, query: ConversationQuery = {}): Promise<{ conversation: Conversation; deletedMessages: number }> {
  const agent = await agentFor(ctx, userRef, agentRef);
  const found = await conversationOf(ctx, agent, id);
  const [deleted, conversation] = await ctx.deps.prisma.$transaction([
    ctx.deps.prisma.chatMessage.deleteMany({ where: { conversationId: found.id } }),
    ctx.deps.prisma.conversation.update({ ...query, where: { id: found.id }, data: { updatedAt: new Date() } }),
  ]);
  return { conversation, deletedMessages: deleted.count };
}

/** Deletes it and its messages (its runs stay, without a conversation); answers it as it was. */
export async function deleteConversation(ctx: ServiceContext, userRef: string, agentRef: string, id: string, query: ConversationQuery = {}): Promise<Conversation> {
  const agent = await agentFor(ctx, userRef, agentRef);
  const found = await conversationOf(ctx, agent, id, query);
  const { count } = await ctx.deps.prisma.conversation.deleteMany({ where: { id: found.id } });
  if (!count) throw conversationNotFound();
  return found;
}

/** A message by id (GraphQL `node`): the team's, and for an agent key only its agent's. */
export async function getMessageById(ctx: ServiceContext, rawId: string, query: { include?: Prisma.ChatMessageInclude; select?: Prisma.ChatMessageSelect } = {}) {
  requireScope(ctx, 'agent:chat');
  const id = parseInput(ConversationId, rawId);
  const found = await ctx.deps.prisma.chatMessage.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!found || (ctx.actor.agentId && found.agentId !== ctx.actor.agentId)) throw new NotFoundError('message not found', 'message_not_found');
  return found;
}

/** The messages a run wrote (its user messages, then its reply), in order; none for a stateless run or after a reset. */
export async function runMessages(ctx: ServiceContext, run: { id: string; teamId: string }) {
  requireScope(ctx, 'agent:chat');
  return ctx.deps.prisma.chatMessage.findMany({ where: { runId: run.id, teamId: ctx.actor.teamId }, orderBy: { seq: 'asc' } });
}

/** The GraphQL connection of the agent's conversations (Agent.conversations, Query.conversations): the same rows as the REST list. */
export async function findConversations(ctx: ServiceContext, userRef: string, agentRef: string, owner: 'me' | 'all', query: Prisma.ConversationFindManyArgs) {
  const agent = await agentFor(ctx, userRef, agentRef);
  if (owner === 'all') requireScope(ctx, 'admin');
  return ctx.deps.prisma.conversation.findMany({ ...query, where: conversationWhere(ctx, agent.id, owner), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}
