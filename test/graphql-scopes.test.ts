/**
 * A type's scope holds wherever the type is reached (issue 16, class 3).
 *
 * Reads schema.graphql (the committed printed schema), finds every relation
 * edge (a field of an object type whose type, unwrapped, is an object type,
 * a connection or an interface, `node` included), reaches each edge's parent
 * from a root field or `node(id:)` over seeded data, and asks for the target
 * type through the edge with keys of one scope each (on top of the scopes
 * needed to reach the parent) and with an agent key: the target's fields come
 * back only when the key holds a scope that may read the target type; else
 * the answer carries a `missing_scope` error naming the scope and none of the
 * target's data. Edges that the seed cannot populate (or that only mutations
 * and subscriptions reach) still have their target type checked through
 * another edge or root field, and every type's declared rule is compared with
 * the table below.
 *
 * Also: `node(id:)` with a narrow key (class 9a) and `{ __typename }` on the
 * delete mutations (class 9b).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/modules/auth/scopes.js';
import { builder } from '../src/graphql/builder.js';
import '../src/graphql/schema.js';
import { putBlob } from '../src/infra/blobs.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { onceAcrossDatabases } from './helpers/database.js';
import { makeProfile } from './helpers/content.js';

// --- who may read each type (the rule this test holds the server to) ----------------------------

const PERSONAS = ['persona:read', 'persona:write'];
const EVALS = ['eval:read', 'eval:write'];
const AGENTS = ['agent:read', 'agent:write'];
const SECRETS = ['agent:read', 'secrets:write'];
const CHAT = ['agent:chat'];
const CHARACTERS = ['character:read', 'character:write'];
const ESTIMATES = ['character:read', 'character:write', 'content:generate'];
const CONTENT = ['content:read', 'content:write', 'content:generate'];
const VOICE_CORPUS = ['content:read', 'profile:write'];
const MEDIA = ['content:read'];
const IMPORTS = ['content:read', 'content:write'];
const PROFILES = ['profile:read', 'profile:write'];
const DIRECTIONS = ['profile:read', 'profile:write', 'content:generate'];
const GENERATED = ['content:generate'];
const PUBLISHING = ['publishing:write'];
const WEBHOOKS = ['webhook:read', 'webhook:write'];
const ANALYTICS = ['analytics:read'];

/** Any of these scopes reads the type; the first is the read scope its root fields and node() loaders require. */
const TYPE_SCOPES: Record<string, string[]> = {
  Persona: PERSONAS, PersonaEvent: PERSONAS, Project: PERSONAS, ProjectConfig: PERSONAS, LlmSettings: PERSONAS,
  EvalConnector: EVALS, Scenario: EVALS, Eval: EVALS, EvalRun: EVALS, EvalExecution: EVALS, EvalPersonaResult: EVALS, EvalScenarioResult: EVALS,
  EvalTokenTotals: EVALS, EvalLatency: EVALS, EvalRunEvent: EVALS, JudgeVerdict: EVALS, EvalConnectorTestResult: EVALS, EvalConnectorInvokeResult: EVALS, ScenarioPrompt: EVALS, EvalNextExecutionEvent: EVALS,
  // evals: comparison, generation, export
  EvalRunMessage: EVALS, EvalToolCall: EVALS, EvalMessageAuthor: EVALS, EvalRunVerdict: EVALS, EvalEvaluatorResult: EVALS, EvalExecutionExport: EVALS,
  EvalComparison: EVALS, EvalComparisonSide: EVALS, EvalComparedRun: EVALS, EvalScenarioChange: EVALS, EvalComparisonDelta: EVALS, EvalChangeCounts: EVALS,
  EvalLatencyStats: EVALS, GeneratedPersonas: PERSONAS,
  Agent: AGENTS, AgentUser: AGENTS, TemplateFile: AGENTS, HttpToolConfig: AGENTS, AgentToolConfig: AGENTS, DeployStep: AGENTS, DeployAgentState: AGENTS,
  DeployStatus: AGENTS, CreatedAgent: AGENTS, TierLimits: AGENTS, AgentFile: AGENTS, Skill: AGENTS, AgentModelUsage: AGENTS, UsageReport: AGENTS,
  AgentFileContent: AGENTS, AgentLogEntry: AGENTS, AgentPing: AGENTS,
  Secret: SECRETS,
  ChatRun: CHAT, ChatRunEvent: CHAT, TokenUsage: CHAT, Conversation: CHAT, ChatMessage: CHAT, ResetConversationResult: CHAT,
  ApiKey: ['admin'], CreatedApiKey: ['admin'], CreatedTeam: ['platform'],
  Influencer: CHARACTERS, Collaboration: CHARACTERS, Preview: CHARACTERS, ReferencePack: CHARACTERS, InfluencerReference: CHARACTERS, InfluencerVoice: CHARACTERS,
  VoiceSample: CHARACTERS, WardrobeItem: CHARACTERS, InfluencerCost: CHARACTERS, InfluencerJobEvent: CHARACTERS, GenerateReferencesPayload: CHARACTERS,
  GeneratePreviewsPayload: CHARACTERS, AestheticGrade: CHARACTERS, Rate: CHARACTERS, GenerateWardrobePayload: CHARACTERS, AnalyzePhotosPayload: CHARACTERS,
  CostEstimate: ESTIMATES, CostEstimateLine: ESTIMATES,
  ContentItem: CONTENT, Batch: CONTENT, ContentVideo: CONTENT, ContentCost: CONTENT, BatchEvent: CONTENT, ContentVideoRequest: CONTENT, GenerateContentPayload: CONTENT,
  ProfileVoiceSample: VOICE_CORPUS, VoiceStats: VOICE_CORPUS, VoiceStyle: VOICE_CORPUS, VoiceCorpusBySource: VOICE_CORPUS,
  MediaItem: MEDIA,
  Media: ['content:read', 'content:write'],
  SocialImport: IMPORTS, SocialImportProgress: IMPORTS,
  Profile: PROFILES, SocialAccount: PROFILES, ConnectedAccount: PROFILES, AddVoiceSamplesPayload: PROFILES, SocialAccountPage: PROFILES, SandboxPostPage: PROFILES, SandboxPost: PROFILES,
  ContentDirection: DIRECTIONS,
  DraftContentDirectionsPayload: GENERATED, GenerateCaptionPayload: GENERATED,
  Publication: PUBLISHING, PublicationAttempt: PUBLISHING, PublishStatusChange: PUBLISHING,
  WebhookEndpoint: WEBHOOKS, WebhookDelivery: WEBHOOKS, WebhookDeliveryAttempt: WEBHOOKS, WebhookEndpointWithSecret: WEBHOOKS, WebhookEventType: WEBHOOKS, TeamEvent: WEBHOOKS,
  AnalyticsStats: ANALYTICS, EngagementTotals: ANALYTICS, EngagementBucket: ANALYTICS, EngagementSeries: ANALYTICS, TopContentEntry: ANALYTICS, PlatformBreakdown: ANALYTICS,
  FollowerGrowth: ANALYTICS, FollowerSeries: ANALYTICS, FollowerPoint: ANALYTICS, FollowerTotal: ANALYTICS, AnalyticsRefresh: ANALYTICS, RefreshedAccount: ANALYTICS, SkippedRefresh: ANALYTICS,
};
/** Read by any API key (not an agent key): the caller and its team (GET /api/v1/me). A key also reads itself as `Me.key`. */
const ANY_API_KEY = new Set(['Me', 'Team']);
/** Types with no data of their own: the answer's wrappers and the typed errors. */
const isOpen = (name: string) => ['PageInfo', 'ValidationError', 'NotFoundError', 'ConflictError', 'ForbiddenError', 'OperationError'].includes(name) || /^(Mutation|Query)\w+Success$/.test(name);
/** Fields narrower than their type: they load through a service that needs this scope (as the REST path does). */
const FIELD_RULES: Record<string, string> = {
  'Profile.voiceSamples': 'content:read',
  'Profile.voiceStats': 'content:read',
  'Profile.mediaLibrary': 'content:read',
  'Project.evalExecution': 'eval:read',
  'Agent.conversations': 'agent:chat',
};
/**
 * Targets no query reaches with data: mutation payloads (and what only they hold), and what the seed does not make
 * (a reference pack, token usage, analytics, skills). Their rule is checked as declared (the first test).
 */
const NOT_REACHED_BY_QUERIES = new Set([
  'AddVoiceSamplesPayload', 'ConnectedAccount', 'ContentVideoRequest', 'CostEstimate', 'CostEstimateLine', 'CreatedAgent', 'CreatedApiKey', 'CreatedTeam',
  'DraftContentDirectionsPayload', 'GenerateCaptionPayload', 'GenerateContentPayload', 'GeneratePreviewsPayload', 'GenerateReferencesPayload', 'JudgeVerdict',
  'ReferencePack', 'InfluencerCost', 'WebhookEndpointWithSecret', 'Skill', 'AgentModelUsage', 'TopContentEntry',
  'AnalyticsRefresh', 'RefreshedAccount', 'SkippedRefresh',
  'EvalConnectorTestResult', 'EvalConnectorInvokeResult', 'GenerateWardrobePayload', 'AnalyzePhotosPayload', 'SandboxPost', 'EvalRunEvent', 'ResetConversationResult',
  // evals: comparison, generation, export (Query.compareExecutions answers a result union, as mutations do)
  'GeneratedPersonas', 'EvalComparison', 'EvalComparisonSide', 'EvalComparedRun', 'EvalScenarioChange', 'EvalComparisonDelta', 'EvalChangeCounts', 'EvalLatencyStats',
]);

/**
 * Lists of the caller's own records (an agent's conversations list the calling key's): a key that may read them
 * is answered without error, with data only for what it made itself (the fixtures are the bootstrap key's).
 */
const PER_CALLER = new Set(['Agent.conversations', 'Query.conversations', 'AgentConversationsConnection.edges', 'AgentConversationsConnectionEdge.node', 'QueryConversationsConnection.edges', 'QueryConversationsConnectionEdge.node']);

const TEST_SCOPES = SCOPES.filter((s) => s !== 'admin' && s !== 'platform');

// --- the schema's edges ------------------------------------------------------------------------

const sdl: GraphQLSchema = buildSchema(readFileSync(path.join(import.meta.dirname, '..', 'schema.graphql'), 'utf8'));

/** A connection or edge type reads as its node type. */
function scopesOf(typeName: string): string[] | 'apiKey' | 'open' {
  if (ANY_API_KEY.has(typeName)) return 'apiKey';
  if (isOpen(typeName)) return 'open';
  const t = sdl.getType(typeName);
  if (isObjectType(t) && /Connection(Edge)?$/.test(typeName)) {
    const edge = typeName.endsWith('Edge') ? t : (getNamedType(t.getFields().edges!.type) as GraphQLObjectType);
    return scopesOf(getNamedType(edge.getFields().node!.type).name);
  }
  const s = TYPE_SCOPES[typeName];
  if (!s) throw new Error(`no rule for type ${typeName}: add it to TYPE_SCOPES`);
  return s;
}
const readScope = (typeName: string): string | null => {
  const s = scopesOf(typeName);
  return Array.isArray(s) ? s[0]! : null;
};

const isTarget = (f: GraphQLField<unknown, unknown>) => {
  const t = getNamedType(f.type);
  return isObjectType(t) || isInterfaceType(t);
};

interface Edge {
  parent: string;
  field: string;
  target: string;
}

function allEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const t of Object.values(sdl.getTypeMap())) {
    if (!isObjectType(t) || t.name.startsWith('__') || t.name === 'Mutation' || t.name === 'Subscription') continue;
    for (const f of Object.values(t.getFields())) if (isTarget(f)) edges.push({ parent: t.name, field: f.name, target: getNamedType(f.type).name });
  }
  return edges;
}

// --- the seed ------------------------------------------------------------------------------

let s: TestServer;
/** Ids of seeded records by type name (one of each). */
const FIX: Record<string, string> = {};
let agentKey = '';
const EXECUTION_ID = 7;

const uid = (p: string) => `${p}_${Math.random().toString(16).slice(2, 14)}`;

async function rest(method: string, p: string, body: unknown, status = 201) {
  const res = await s.request(method, p, { body });
  expect(res.status, `${method} ${p}: ${res.text}`).toBe(status);
  return res.body;
}

async function seed() {
  const prisma = s.app.deps.prisma;
  const teamId = (await s.request('GET', '/api/v1/me')).body.team.id as string;
  FIX.Project = (await rest('POST', '/api/projects', { name: 'scoped' })).id;
  FIX.Persona = (await rest('POST', `/api/projects/${FIX.Project}/personas`, { name: 'Ann' })).id;
  FIX.AgentUser = (await rest('POST', '/api/v1/users', { username: 'scoped-user' })).id;
  const agent = await rest('POST', `/api/v1/users/${FIX.AgentUser}/agents`, { name: 'helper', provider: 'embedded', personaId: FIX.Persona });
  FIX.Agent = agent.id;
  agentKey = agent.key;
  await rest('PUT', `/api/v1/users/${FIX.AgentUser}/secrets`, { API_TOKEN: 'sk-test-0123456789abcdef' }, 200);
  const put = await s.request('PUT', `/api/v1/users/${FIX.AgentUser}/agents/${FIX.Agent}/files/notes.txt`, { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } });
  expect(put.status, put.text).toBeLessThan(300);
  FIX.EvalConnector = (
    await prisma.evalConnector.create({
      data: { teamId, projectId: FIX.Project, name: 'the agent', type: 'agent', baseUrl: '', agentId: FIX.Agent, headers: { Authorization: 'Bearer connector-credential' }, config: { agentId: FIX.Agent } },
    })
  ).id;
  FIX.Scenario = (await rest('POST', `/api/projects/${FIX.Project}/scenarios`, { name: 'help', instructions: 'Ask.', maxMessages: 2, personaIds: [FIX.Persona] })).id;
  FIX.Eval = (await rest('POST', `/api/projects/${FIX.Project}/evals`, { name: 'e', connectorId: FIX.EvalConnector, scenarioIds: [FIX.Scenario] })).id;
  FIX.EvalRun = (
    await prisma.evalRun.create({
      data: { teamId, projectId: FIX.Project, scenarioId: FIX.Scenario, evalId: FIX.Eval, personaId: FIX.Persona, connectorId: FIX.EvalConnector, executionId: EXECUTION_ID, status: 'completed', result: { success: true, score: 1, reason: 'ok' },
        messages: [
          { role: 'user', content: 'Where is my order?', metadata: { provider: 'embedded', model: 'embedded-simulated-user-v1' } },
          { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        ],
        stats: { evaluatorResults: [{ type: 'contains', label: 'Contains text', kind: 'assertion', passed: true, reason: 'ok' }] } },
    })
  ).id;
  FIX.Conversation = (await prisma.conversation.create({ data: { teamId, agentId: FIX.Agent, name: 'scoped', createdBy: `key:${(await s.request('GET', '/api/v1/me')).body.key.id}` } })).id;
  FIX.ChatRun = (await prisma.chatRun.create({ data: { teamId, userId: FIX.AgentUser, agentId: FIX.Agent, conversationId: FIX.Conversation, provider: 'embedded', model: 'embedded', status: 'done', message: 'hi' } })).id;
  FIX.ChatMessage = (await prisma.chatMessage.create({ data: { teamId, agentId: FIX.Agent, conversationId: FIX.Conversation, runId: FIX.ChatRun, role: 'user', content: 'hello' } })).id;

  await rest('PUT', '/api/workspace', { llmSettings: { provider: 'embedded' } }, 200);
  const { profileId, influencerId } = await makeProfile(prisma, teamId, { references: 1, voice: ['slow mornings'], directions: [{ id: 'd1', title: 'Trails', prompt: 'trail runs' }] });
  FIX.Profile = profileId;
  FIX.Influencer = influencerId!;
  await prisma.influencer.update({ where: { id: influencerId! }, data: { personaId: FIX.Persona, wardrobe: [{ name: 'rain jacket' }] } });
  const second = await prisma.influencer.create({ data: { id: uid('inf'), teamId, name: 'Second', handle: uid('second') } });
  FIX.Collaboration = (await rest('POST', '/api/v1/collaborations', { name: 'duo', influencerIds: [influencerId, second.id] })).id;
  FIX.Preview = (await prisma.preview.create({ data: { id: uid('prev'), teamId, influencerId, spec: { name: 'x' }, count: 1 } })).id;
  const audio = await putBlob(prisma, { teamId, bytes: Buffer.from('RIFF'), kind: 'audio', contentType: 'audio/wav', metadata: {} });
  await prisma.voiceSample.create({ data: { teamId, influencerId: influencerId!, blobId: audio.id } });

  FIX.Batch = (await prisma.batch.create({ data: { id: uid('batch'), teamId, profileId, count: 1, completed: 1, status: 'completed' } })).id;
  FIX.ContentItem = (await prisma.contentItem.create({ data: { id: uid('item'), teamId, profileId, batchId: FIX.Batch, influencerId, status: 'approved', caption: 'hello' } })).id;
  FIX.ContentVideo = (await prisma.contentVideo.create({ data: { id: uid('vid'), teamId, contentItemId: FIX.ContentItem } })).id;
  await prisma.mediaItem.create({ data: { teamId, profileId, kind: 'image', source: 'generated', contentItemId: FIX.ContentItem } });
  FIX.SocialAccount = (await rest('POST', '/api/v1/accounts', { profileId, platform: 'sandbox', handle: 'scoped' })).id;
  const publication = await prisma.publication.create({ data: { id: uid('pub'), teamId, contentItemId: FIX.ContentItem, accountId: FIX.SocialAccount, profileId, idempotencyKey: uid('idem') } });
  await prisma.publicationAttempt.create({ data: { publicationId: publication.id, attempt: 1, outcome: 'success', durationMs: 5 } });
  FIX.SocialImport = (await prisma.socialImport.create({ data: { id: uid('imp'), teamId, accountId: FIX.SocialAccount, profileId, platform: 'sandbox' } })).id;

  FIX.WebhookEndpoint = (await rest('POST', '/api/v1/webhooks', { url: 'https://example.com/hook' })).id;
  const event = await prisma.webhookEvent.create({ data: { id: uid('msg'), teamId, type: 'webhook.test', payload: { type: 'webhook.test', timestamp: new Date().toISOString(), data: {} } } });
  FIX.WebhookDelivery = (await prisma.webhookDelivery.create({ data: { teamId, endpointId: FIX.WebhookEndpoint, eventId: event.id } })).id;
  await prisma.webhookDeliveryAttempt.create({ data: { deliveryId: FIX.WebhookDelivery, attempt: 1, durationMs: 3, statusCode: 200 } });
}

// --- reaching a type ---------------------------------------------------------------------------

/** A selection that reaches a type: `open(inner)` wraps the inner selection; `scopes` are the read scopes of the types on the way. */
interface Reach {
  open: (inner: string) => string;
  scopes: Set<string>;
  hops: number;
  /** The root field is non-null: a refusal under it nulls the whole answer, so it is asked alone. */
  solo: boolean;
}

/** Arguments for required arguments, by field and by name; fields whose required arguments are unknown here are not walked. */
function argsFor(parent: string, f: GraphQLField<unknown, unknown>): string | null {
  const parts: string[] = [];
  for (const a of f.args) {
    if (!(a.type.toString().endsWith('!'))) continue;
    let v: string | undefined;
    if (a.name === 'id' && parent === 'Query') v = FIX[getNamedType(f.type).name];
    else if (a.name === 'ref' || a.name === 'user') v = FIX.AgentUser;
    else if (a.name === 'agent' && parent === 'Query') v = FIX.Agent;
    else if (a.name === 'projectId') v = FIX.Project;
    else if (a.name === 'path') v = 'notes.txt';
    else if (a.name === 'executionId') parts.push(`${a.name}: ${EXECUTION_ID}`);
    if (a.name === 'executionId') continue;
    if (!v) return null;
    parts.push(`${a.name}: ${JSON.stringify(v)}`);
  }
  return parts.length ? `(${parts.join(', ')})` : '';
}

/** The shortest way from a root field or node(id:) to each object type, over fields without unknown required arguments. */
function reachAll(): Map<string, Reach> {
  const reach = new Map<string, Reach>();
  const queue: string[] = [];
  const add = (type: string, r: Reach) => {
    if (reach.has(type) || isOpen(type)) return;
    reach.set(type, r);
    queue.push(type);
  };
  const own = (type: string) => {
    const rs = readScope(type);
    return rs ? [rs] : [];
  };
  for (const [type, id] of Object.entries(FIX)) {
    const t = sdl.getType(type);
    if (isObjectType(t) && t.getInterfaces().some((i) => i.name === 'Node')) {
      add(type, { open: (inner) => `node(id: ${JSON.stringify(id)}) { ... on ${type} { ${inner} } }`, scopes: new Set(own(type)), hops: 1, solo: false });
    }
  }
  for (const f of Object.values(sdl.getQueryType()!.getFields())) {
    if (f.name === 'node' || !isTarget(f)) continue;
    const args = argsFor('Query', f);
    if (args === null) continue;
    const type = getNamedType(f.type).name;
    if (!reach.has(type)) add(type, { open: (inner) => `${f.name}${args} { ${inner} }`, scopes: new Set(own(type)), hops: 1, solo: f.type.toString().endsWith('!') });
  }
  while (queue.length) {
    const type = queue.shift()!;
    const from = reach.get(type)!;
    const t = sdl.getType(type) as GraphQLObjectType;
    for (const f of Object.values(t.getFields())) {
      if (!isTarget(f)) continue;
      const target = getNamedType(f.type).name;
      if (reach.has(target) || isInterfaceType(getNamedType(f.type))) continue;
      const args = argsFor(type, f);
      if (args === null) continue;
      add(target, { open: (inner) => from.open(`${f.name}${args} { ${inner} }`), scopes: new Set([...from.scopes, ...own(target)]), hops: from.hops + 1, solo: from.solo });
    }
  }
  return reach;
}

/** A field of the target to ask for, aliased `probe`. */
function probeOf(target: string): string {
  const t = sdl.getType(target)!;
  if (isInterfaceType(t)) return 'probe: id';
  const fields = Object.values((t as GraphQLObjectType).getFields()).filter((f) => !f.args.some((a) => a.type.toString().endsWith('!')));
  if (fields.some((f) => f.name === 'id')) return 'probe: id';
  const scalar = fields.find((f) => isScalarType(getNamedType(f.type)) || isEnumType(getNamedType(f.type)));
  if (scalar) return `probe: ${scalar.name}`;
  if (fields.some((f) => f.name === 'pageInfo')) return 'pageInfo { probe: hasNextPage }';
  const nested = fields.find((f) => isObjectType(getNamedType(f.type)));
  if (nested) return `${nested.name} { ${probeOf(getNamedType(nested.type).name)} }`;
  throw new Error(`no field to probe on ${target}`);
}

/** One selection: an edge asked through its parent's reach, or a root field, or node(id) of a type. */
interface Probe {
  label: string;
  parent: string;
  field: string;
  target: string;
  select: string;
  needs: Set<string>;
  solo: boolean;
}

function probes(reach: Map<string, Reach>): { probes: Probe[]; unreached: Edge[] } {
  const out: Probe[] = [];
  const unreached: Edge[] = [];
  for (const e of allEdges()) {
    if (e.parent === 'Query') {
      if (e.field === 'node') continue; // below, per type
      const f = sdl.getQueryType()!.getFields()[e.field]!;
      const args = argsFor('Query', f);
      if (args === null) {
        unreached.push(e);
        continue;
      }
      out.push({ label: `Query.${e.field}`, ...e, select: `${e.field}${args} { ${probeOf(e.target)} }`, needs: new Set(), solo: f.type.toString().endsWith('!') });
      continue;
    }
    const r = reach.get(e.parent);
    const f = (sdl.getType(e.parent) as GraphQLObjectType).getFields()[e.field]!;
    const args = argsFor(e.parent, f);
    if (!r || args === null) {
      unreached.push(e);
      continue;
    }
    out.push({ label: `${e.parent}.${e.field}`, ...e, select: r.open(`${e.field}${args} { ${probeOf(e.target)} }`), needs: r.scopes, solo: r.solo });
  }
  for (const [type, id] of Object.entries(FIX)) {
    const t = sdl.getType(type);
    if (isObjectType(t) && t.getInterfaces().some((i) => i.name === 'Node')) {
      out.push({ label: `node(${type})`, parent: 'Query', field: 'node', target: type, select: `node(id: ${JSON.stringify(id)}) { probe: id }`, needs: new Set(), solo: false });
    }
  }
  return { probes: out, unreached };
}

/** Whether a key holding `held` (an agent key when `agent`) may read the edge's target. */
function allowed(p: Probe, held: Set<string>, agent: boolean): boolean {
  const rule = scopesOf(p.target);
  if (rule === 'open') return true;
  if (rule === 'apiKey' || (p.parent === 'Me' && p.field === 'key')) return !agent;
  // Root fields and node() load through services that need the type's read scope.
  if (p.parent === 'Query') return held.has(rule[0]!);
  const extra = FIELD_RULES[`${p.parent}.${p.field}`];
  return rule.some((sc) => held.has(sc)) && (!extra || held.has(extra));
}

const hasProbe = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && (Array.isArray(v) ? v.some(hasProbe) : Object.entries(v as object).some(([k, x]) => k === 'probe' || hasProbe(x)));

/** Two aliases a probe (eN and probe): 15 probes a document stay within GRAPHQL_MAX_ALIASES (30 by default). */
const PROBES_PER_DOCUMENT = 15;

/** Runs probes under one key, at most PROBES_PER_DOCUMENT a document (a probe under a non-null root field alone); answers data and errors by probe. */
async function run(list: Probe[], key: string): Promise<Map<Probe, { data: unknown; errors: any[] }>> {
  const out = new Map<Probe, { data: unknown; errors: any[] }>();
  const batched = list.filter((p) => !p.solo);
  const chunks = [...list.filter((p) => p.solo).map((p) => [p])];
  for (let i = 0; i < batched.length; i += PROBES_PER_DOCUMENT) chunks.push(batched.slice(i, i + PROBES_PER_DOCUMENT));
  for (const chunk of chunks) {
    const doc = `query { ${chunk.map((p, j) => `e${j}: ${p.select}`).join('\n')} }`;
    const res = await s.graphql(doc, {}, { key });
    expect(res.status, res.text).toBeLessThan(500);
    const unplaced = (res.body.errors ?? []).filter((e: any) => !e.path);
    expect(unplaced, doc).toEqual([]);
    chunk.forEach((p, j) => {
      const alias = `e${j}`;
      out.set(p, { data: res.body.data?.[alias] ?? null, errors: (res.body.errors ?? []).filter((e: any) => e.path?.[0] === alias) });
    });
  }
  return out;
}

// --- the tests -----------------------------------------------------------------------------------

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '1000000' });
  await seed();
});
afterAll(async () => {
  await s?.close();
});

describe('every object type of schema.graphql has a read rule', () => {
  it('declares on the type (authScopes) exactly the scopes of the table', () => {
    const wrong: string[] = [];
    for (const t of Object.values(sdl.getTypeMap())) {
      if (!isObjectType(t) || t.name.startsWith('__') || ['Query', 'Mutation', 'Subscription'].includes(t.name)) continue;
      const rule = scopesOf(t.name);
      const declared = (builder.configStore.getTypeConfig(t.name).pothosOptions as { authScopes?: unknown }).authScopes;
      if (rule === 'open') {
        if (declared !== undefined) wrong.push(`${t.name}: declares ${JSON.stringify(declared)}, expected none`);
      } else if (rule === 'apiKey' || t.name === 'ApiKey') {
        if (typeof declared !== 'function') wrong.push(`${t.name}: expected a rule by key`);
      } else if (JSON.stringify(Object.keys((declared ?? {}) as object).sort()) !== JSON.stringify([...rule].sort())) {
        wrong.push(`${t.name}: declares ${JSON.stringify(declared)}, expected any of ${rule.join(', ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('every relation edge, with keys of one scope and an agent key', () => {
  // Thousands of probes under ~100 keys: the rule is the GraphQL layer's, whatever stores the data, so once (on PostgreSQL
  // when the run has it, as the other slow database-independent tests); the relations themselves are read on both
  // databases by graph-relations.test.ts and the rest of this file.
  it.runIf(onceAcrossDatabases())('answers the target only to a key that may read it; else missing_scope naming the scope, and no data', async () => {
    const reach = reachAll();
    const { probes: list, unreached } = probes(reach);
    expect(list.length).toBeGreaterThan(150);

    // What exists: the bootstrap key reads everything; an edge it finds empty is checked through another way to its type.
    const all = await run(list, s.adminKey);
    const populated = list.filter((p) => {
      const r = all.get(p)!;
      expect(r.errors, `${p.label} with the bootstrap key`).toEqual([]);
      return hasProbe(r.data);
    });
    const checked = new Set(populated.map((p) => p.target));
    const emptyOrUnreached = [...list.filter((p) => !populated.includes(p)).map((p) => p.target), ...unreached.map((e) => e.target)];
    const notChecked = [...new Set(emptyOrUnreached.filter((t) => !checked.has(t) && scopesOf(t) !== 'open'))].sort();
    // Only types that mutations and subscriptions alone answer with (their rule is checked as declared above).
    const targets = new Set(allEdges().map((e) => e.target));
    expect(notChecked).toEqual([...NOT_REACHED_BY_QUERIES].filter((t) => targets.has(t)).sort());

    // Keys: the scopes that reach the parent, plus one scope.
    const keys = new Map<string, string>();
    const keyFor = async (held: Set<string>) => {
      const name = [...held].sort().join(' ');
      if (!keys.has(name)) keys.set(name, (await s.createKey([...held], { name: `scoped ${keys.size}` })).key);
      return keys.get(name)!;
    };
    const byKey = new Map<string, { held: Set<string>; agent: boolean; probes: Probe[] }>();
    for (const p of populated) {
      for (const scope of TEST_SCOPES) {
        const held = new Set([...p.needs, scope]);
        const key = await keyFor(held);
        if (!byKey.has(key)) byKey.set(key, { held, agent: false, probes: [] });
        byKey.get(key)!.probes.push(p);
      }
    }
    // The agent key (agent:chat only) reaches its own chat runs, and asks every root field and node().
    byKey.set(agentKey, { held: new Set(['agent:chat']), agent: true, probes: populated.filter((p) => [...p.needs].every((n) => n === 'agent:chat')) });

    const failures: string[] = [];
    let refused = 0;
    let answered = 0;
    for (const [key, { held, agent, probes: mine }] of byKey) {
        const results = await run(mine, key);
      for (const p of mine) {
        const { data, errors } = results.get(p)!;
        const who = agent ? 'agent key' : `key [${[...held].sort().join(', ')}]`;
        if (allowed(p, held, agent)) {
          answered++;
          if (errors.length) failures.push(`${p.label} → ${p.target}, ${who}: refused: ${errors.map((e) => e.message).join('; ')}`);
          else if (!hasProbe(data) && !PER_CALLER.has(`${p.parent}.${p.field}`)) failures.push(`${p.label} → ${p.target}, ${who}: no data`);
        } else {
          refused++;
          if (hasProbe(data)) failures.push(`${p.label} → ${p.target}, ${who}: LEAKED ${JSON.stringify(data)}`);
          if (p.field === 'node') continue; // node(id) answers null for what the key may not see, with no error
          const rule = scopesOf(p.target);
          const named = errors.some((e) => e.extensions?.code === 'missing_scope' && Array.isArray(rule) && rule.some((sc) => e.message.includes(sc)));
          // Root fields refuse in their service: missing_scope, or for an agent key (no API key outside its chat) invalid_api_key.
          const rootRefusal = (p.parent === 'Query' || agent) && errors.some((e) => ['missing_scope', 'invalid_api_key'].includes(e.extensions?.code));
          if (!named && !rootRefusal) failures.push(`${p.label} → ${p.target}, ${who}: expected missing_scope naming ${JSON.stringify(rule)}, got ${JSON.stringify(errors)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(500);
    expect(answered).toBeGreaterThan(500);
  }, 240_000);

  it('a persona:read key does not read connector headers, agents or users through project { evalConnectors { agent } }', async () => {
    const { key } = await s.createKey(['persona:read'], { name: 'persona reader' });
    const res = await s.graphql(
      `query($id: ID!) { project(id: $id) { name evalConnectors { headers agent { templates { content } user { username } } } } }`,
      { id: FIX.Project },
      { key },
    );
    expect(res.text).not.toContain('connector-credential');
    expect(res.text).not.toContain('scoped-user');
    // Each refused (nullable) field is null with its own error; the project's own fields stay.
    expect(res.body.data.project).toEqual({ name: 'scoped', evalConnectors: [{ headers: null, agent: null }] });
    const refusal = (...p: (string | number)[]) =>
      expect.objectContaining({ message: 'This API key lacks the required scope: eval:read or eval:write', path: ['project', 'evalConnectors', 0, ...p], extensions: expect.objectContaining({ code: 'missing_scope' }) });
    expect(res.body.errors).toEqual(expect.arrayContaining([refusal('headers'), refusal('agent')]));
    expect(res.body.errors).toHaveLength(2);
    const run = await s.graphql(`query($id: ID!) { project(id: $id) { name config { maxConcurrency } } persona(id: "${FIX.Persona}") { name } }`, { id: FIX.Project }, { key });
    expect(run.body).toEqual({ data: { project: { name: 'scoped', config: { maxConcurrency: expect.any(Number) } }, persona: { name: 'Ann' } } });
  });

  it('an agent key chats with its agent over GraphQL (the run and its usage) but does not read the agent through the run', async () => {
    const started = await s.graphql(
      `mutation($u: ID!, $a: ID!) { startChatRun(user: $u, agent: $a, messages: [{ role: "user", content: "hi" }]) { __typename ... on MutationStartChatRunSuccess { data { id status usage { totalTokens } } } } }`,
      { u: FIX.AgentUser, a: FIX.Agent },
      { key: agentKey },
    );
    expect(started.body.errors).toBeUndefined();
    const run = started.body.data.startChatRun.data;
    expect(run).toMatchObject({ id: expect.any(String), usage: { totalTokens: expect.any(Number) } });
    const read = await s.graphql(`query($id: ID!) { chatRun(id: $id) { status agent { name } } }`, { id: run.id }, { key: agentKey });
    expect(read.body.data).toBeNull();
    expect(read.body.errors).toEqual([expect.objectContaining({ message: 'This API key lacks the required scope: agent:read or agent:write', extensions: expect.objectContaining({ code: 'missing_scope' }) })]);
  });

  it('a write key reads what its mutation answers, and no further', async () => {
    const { key } = await s.createKey(['persona:write'], { name: 'persona writer' });
    const res = await s.graphql(
      `mutation($p: ID!) { createPersona(input: { name: "Written", projectId: $p }) { __typename ... on MutationCreatePersonaSuccess { data { id name project { name evalConnectors { headers } } } } } }`,
      { p: FIX.Project },
      { key },
    );
    expect(res.text).not.toContain('connector-credential');
    expect(res.body.data.createPersona).toEqual({ __typename: 'MutationCreatePersonaSuccess', data: { id: expect.any(String), name: 'Written', project: { name: 'scoped', evalConnectors: [{ headers: null }] } } });
    expect(res.body.errors).toEqual([expect.objectContaining({ path: ['createPersona', 'data', 'project', 'evalConnectors', 0, 'headers'], extensions: expect.objectContaining({ code: 'missing_scope' }) })]);
  });
});

describe('node(id:) with a narrow key (class 9a)', () => {
  it('finds what the key may read, and answers null (not an error) for what it may not or another team’s', async () => {
    const { key } = await s.createKey(['persona:read'], { name: 'node reader' });
    const q = `query($id: ID!) { node(id: $id) { __typename id ... on Persona { name } } }`;
    expect((await s.graphql(q, { id: FIX.Persona }, { key })).body).toEqual({ data: { node: { __typename: 'Persona', id: FIX.Persona, name: 'Ann' } } });
    expect((await s.graphql(q, { id: FIX.Project }, { key })).body).toEqual({ data: { node: { __typename: 'Project', id: FIX.Project } } });
    for (const id of [FIX.EvalConnector, FIX.Agent, FIX.Influencer, FIX.ContentItem, FIX.WebhookEndpoint]) {
      expect((await s.graphql(q, { id }, { key })).body).toEqual({ data: { node: null } });
    }
    const other = await s.createTeam('node other team');
    expect((await s.graphql(q, { id: FIX.Persona }, { key: other.key })).body).toEqual({ data: { node: null } });
  });
});

describe('delete mutations asked for nothing but __typename (class 9b)', () => {
  it('deleteWebhookEndpoint, deleteAgentUser, deleteAgent, deletePersona, deleteProject answer their success type and delete', async () => {
    const prisma = s.app.deps.prisma;
    const endpoint = (await rest('POST', '/api/v1/webhooks', { url: 'https://example.com/gone' })).id;
    const user = (await rest('POST', '/api/v1/users', { username: 'to-delete' })).id;
    const agent = (await rest('POST', `/api/v1/users/${FIX.AgentUser}/agents`, { name: 'to-delete', provider: 'embedded' })).id;
    const project = (await rest('POST', '/api/projects', { name: 'to delete' })).id;
    const persona = (await rest('POST', `/api/projects/${project}/personas`, { name: 'Gone' })).id;
    const cases: [string, string, Record<string, string>][] = [
      ['deleteWebhookEndpoint', `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }`, { id: endpoint }],
      ['deleteAgentUser', `mutation($u: ID!) { deleteAgentUser(user: $u) { __typename } }`, { u: user }],
      ['deleteAgent', `mutation($u: ID!, $a: ID!) { deleteAgent(user: $u, agent: $a) { __typename } }`, { u: FIX.AgentUser, a: agent }],
      ['deletePersona', `mutation($id: ID!) { deletePersona(id: $id) { __typename } }`, { id: persona }],
      ['deleteProject', `mutation($id: ID!) { deleteProject(id: $id) { __typename } }`, { id: project }],
    ];
    for (const [field, query, variables] of cases) {
      const res = await s.graphql(query, variables);
      expect(res.body, field).toEqual({ data: { [field]: { __typename: `Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success` } } });
    }
    expect(await prisma.webhookEndpoint.count({ where: { id: endpoint } })).toBe(0);
    expect(await prisma.agentUser.count({ where: { id: user } })).toBe(0);
    expect(await prisma.agent.count({ where: { id: agent } })).toBe(0);
    expect(await prisma.project.count({ where: { id: project } })).toBe(0);
    // And a second delete of the same endpoint is a typed NotFoundError, not "Unexpected error".
    const again = await s.graphql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }`, { id: endpoint });
    expect(again.body).toEqual({ data: { deleteWebhookEndpoint: { __typename: 'NotFoundError' } } });
  });
});
