/**
 * The table behind test/graphql-mutation-input.test.ts: for each GraphQL counterpart of a REST write route
 * added in issue 17/18 (skills, influencer uploads, voice samples, references, wardrobe, analyzePhotos, project
 * images, workspace files, eval connectors / scenarios / evals / runs, test/invoke connector, conversations), valid
 * variables on seeded data, the scope it needs and a key scope that lacks it, bad inputs with the error they
 * must answer, and a read of what the mutation would change.
 */
import { expect } from 'vitest';
import type { TestServer } from './server.js';
import { wav } from './influencers.js';
import { PNG, SKILL, type Fixtures } from './mutation-fixtures.js';

export { seedMutationFixtures } from './mutation-fixtures.js';

export interface BadInput {
  what: string;
  vars: Record<string, unknown>;
  code: string;
  message: string | RegExp;
  param?: string | null;
  /** ValidationError unless given (OperationError, or GraphQLError for what the schema itself refuses). */
  typename?: string;
}

export interface MutationCase {
  name: string;
  /** `($u: ID!, ...)` */
  signature: string;
  /** `uploadSkill(user: $u, ...)` */
  call: string;
  vars: () => Record<string, unknown>;
  scope: string;
  narrow: string[];
  bad: BadInput[];
  /** What the mutation would change, read back (equal before and after a refusal). */
  read: () => Promise<unknown>;
  /** No id of the team in its arguments (nothing to try as another team). */
  noIds?: boolean;
  /** Valid variables that still do not succeed here (e.g. an outbound call nothing answers). */
  succeeds?: false;
}

const U = '00000000-0000-4000-8000-000000000000';
const big = (n: number) => 'x'.repeat(n);
const b64 = (t: string) => Buffer.from(t).toString('base64');

export function mutationCases(s: TestServer, f: Fixtures): MutationCase[] {
  const gql = async (q: string, v: Record<string, unknown>) => {
    const res = await s.graphql(q, v);
    expect(res.body.errors, res.text).toBeUndefined();
    return res.body.data;
  };
  const get = async (...paths: string[]) => Promise.all(paths.map(async (p) => (await s.request('GET', p)).body));
  const prisma = s.app.deps.prisma;
  const skills = () => gql(`query($u: ID!) { agentUser(ref: $u) { skills { id name description sha256 updatedAt } } }`, { u: f.user });
  const files = () => get(`/api/v1/users/${f.user}/agents/${f.agent}/files`, `/api/v1/users/${f.user}/agents/${f.agent}/files/notes.txt`);
  const influencer = () => get(`/api/v1/influencers/${f.influencer}`, `/api/v1/characters/${f.influencer}/voice-profile`);
  const images = () => prisma.image.findMany({ where: { projectId: f.project }, select: { id: true }, orderBy: { id: 'asc' } });
  const evals = () => get(...['connectors', 'scenarios', 'evals', 'runs'].map((x) => `/api/projects/${f.project}/${x}`));
  const costs = () => prisma.costRecord.count();
  const conversations = () => get(`/api/v1/users/${f.user}/agents/${f.agent}/conversations`);
  const UA = '$u: ID!, $a: ID!';
  const P = '$p: ID!, $id: ID!';
  const PI = 'projectId: $p, id: $id';
  const ids = { p: f.project };

  return [
    {
      name: 'uploadSkill', signature: '($u: ID!, $id: ID!, $c: String!, $e: ContentEncoding, $t: String)', call: 'uploadSkill(user: $u, id: $id, content: $c, encoding: $e, contentType: $t)',
      vars: () => ({ u: f.user, id: 'summarise', c: SKILL.replace('Body.', 'Body v2.') }), scope: 'agent:write', narrow: ['agent:read'], read: skills,
      bad: [
        { what: 'without front matter', vars: { c: '# none' }, code: 'invalid_skill', message: "invalid SKILL.md: it must start with YAML front matter between --- lines" },
        { what: 'bad base64', vars: { c: '***', e: 'BASE64' }, code: 'invalid_base64', message: "content must be base64-encoded" },
        { what: 'wrong encoding enum', vars: { e: 'BINARY' }, typename: 'GraphQLError', code: 'BAD_USER_INPUT', message: "Variable \"$e\" got invalid value \"BINARY\"; Value \"BINARY\" does not exist in \"ContentEncoding\" enum." },
        { what: 'bad slug', vars: { id: '../x' }, code: 'invalid_skill_id', message: "skill id must be 1–64 of a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit" },
        { what: 'not text', vars: { t: 'image/png' }, typename: 'OperationError', code: 'unsupported_content_type', message: "a skill file must be sent as text/markdown or text/plain, not image/png" },
        { what: 'oversize', vars: { c: SKILL + big(2_000_000) }, typename: 'OperationError', code: 'payload_too_large', message: "Request body exceeds the limit of 65536 bytes" },
      ],
    },
    {
      name: 'installSkill', signature: '($u: ID!, $slug: String!)', call: 'installSkill(user: $u, slug: $slug)',
      vars: () => ({ u: f.user, slug: 'summarise' }), scope: 'agent:write', narrow: ['agent:read'], read: skills, succeeds: false,
      bad: [{ what: 'bad slug', vars: { slug: 'Bad Slug!' }, code: 'invalid_skill_id', message: "skill id must be 1–64 of a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit" }, { what: 'too long', vars: { slug: big(300) }, code: 'invalid_skill_id', message: "skill id must be 1–64 of a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit" }],
    },
    {
      name: 'addInfluencerVoiceSamples', signature: '($id: ID!, $f: [UploadInput!]!)', call: 'addInfluencerVoiceSamples(id: $id, files: $f)',
      vars: () => ({ id: f.influencer, f: [{ base64: wav(2, 1000, 330).toString('base64'), contentType: 'audio/wav' }] }), scope: 'character:write', narrow: ['character:read'], read: influencer,
      bad: [
        { what: 'no files', vars: { f: [] }, code: 'invalid_request', message: "send at least one audio file" },
        { what: 'bad base64', vars: { f: [{ base64: '***' }] }, code: 'invalid_base64', message: "files.0.base64 must be base64-encoded" },
        { what: 'not audio', vars: { f: [{ base64: PNG, contentType: 'audio/wav' }] }, typename: 'OperationError', code: 'unsupported_media_type', message: "the upload is not audio (its bytes are image/png)" },
        { what: 'text', vars: { f: [{ base64: b64('hello'), contentType: 'text/plain' }] }, typename: 'OperationError', code: 'unsupported_media_type', message: "the upload is not audio (its bytes are of an unknown type)" },
      ],
    },
    {
      name: 'setInfluencerReferences', signature: '($id: ID!, $f: [UploadInput!], $r: JSON)', call: 'setInfluencerReferences(id: $id, files: $f, references: $r)',
      vars: () => ({ id: f.influencer, f: [{ base64: PNG, contentType: 'image/png', field: 'front' }] }), scope: 'character:write', narrow: ['character:read'], read: influencer,
      bad: [
        { what: 'nothing', vars: { f: null }, code: 'invalid_request', message: "send at least one image (multipart fields front, left, right, back, other, or files with views)" },
        { what: 'bad base64', vars: { f: [{ base64: '***', field: 'front' }] }, code: 'invalid_base64', message: "files.0.base64 must be base64-encoded" },
        { what: 'unknown view', vars: { f: [{ base64: PNG, contentType: 'image/png', field: 'sideways' }] }, code: 'invalid_request', message: "unknown file field \"sideways\": name a view (front, left, right, back, other) or send files with views" },
        { what: 'not an image', vars: { f: [{ base64: b64('hello'), contentType: 'image/png', field: 'front' }] }, typename: 'OperationError', code: 'unsupported_media_type', message: "the upload is not image (its bytes are of an unknown type)" },
        { what: 'reference without media', vars: { f: null, r: [{ view: 'front' }] }, code: 'invalid_request', message: "references.0: give exactly one of mediaId or url" },
        { what: 'references not a list', vars: { f: null, r: 'front' }, code: 'invalid_request', message: "references must be an array of { view, mediaId | url }" },
      ],
    },
    {
      name: 'generateWardrobe', signature: '($id: ID!, $n: Int, $d: Boolean, $pr: String, $x: Boolean)', call: 'generateWardrobe(id: $id, count: $n, dryRun: $d, prompt: $pr, replace: $x)',
      vars: () => ({ id: f.influencer, n: 2 }), scope: 'character:write', narrow: ['character:read'], read: influencer,
      bad: [
        { what: 'count 0', vars: { n: 0 }, code: 'invalid_request', message: "count must be an integer between 1 and 10" },
        { what: 'count 1000', vars: { n: 1000 }, code: 'invalid_request', message: "count must be an integer between 1 and 10" },
        { what: 'prompt too long', vars: { pr: big(20_000) }, code: 'invalid_request', message: "prompt must be at most 1000 characters" },
      ],
    },
    {
      name: 'analyzePhotos', signature: '($f: [UploadInput!]!, $d: Boolean)', call: 'analyzePhotos(files: $f, dryRun: $d)', noIds: true,
      vars: () => ({ f: [{ base64: PNG, contentType: 'image/png' }] }), scope: 'character:write', narrow: ['character:read'], read: costs,
      bad: [
        { what: 'no files', vars: { f: [] }, code: 'invalid_request', message: "send 1–10 photos" },
        { what: 'eleven files', vars: { f: Array.from({ length: 11 }, () => ({ base64: PNG, contentType: 'image/png' })) }, code: 'invalid_request', message: "at most 10 files" },
        { what: 'bad base64', vars: { f: [{ base64: '%%%' }] }, code: 'invalid_base64', message: "files.0.base64 must be base64-encoded" },
        { what: 'not an image', vars: { f: [{ base64: b64('plain text'), contentType: 'image/png' }] }, typename: 'OperationError', code: 'unsupported_media_type', message: "the upload is not image (its bytes are of an unknown type)" },
      ],
    },
    {
      name: 'uploadProjectImage', signature: '($p: ID!, $b: String!, $n: String)', call: 'uploadProjectImage(projectId: $p, imageBase64: $b, filename: $n)',
      vars: () => ({ ...ids, b: PNG }), scope: 'persona:write', narrow: ['persona:read'], read: images,
      bad: [
        { what: 'bad base64', vars: { b: '***' }, code: 'invalid_image', message: "imageBase64 must be base64-encoded image data" },
        { what: 'not an image', vars: { b: b64('hello there') }, code: 'invalid_image', message: "Image data must be a PNG, JPEG, WebP or GIF image" },
        { what: 'empty', vars: { b: '' }, code: 'invalid_request', message: "imageBase64 is required" },
        { what: 'oversize', vars: { b: Buffer.alloc(12_000_000).toString('base64') }, typename: 'GraphQLError', code: 'payload_too_large', message: "Request body exceeds the limit of 10485760 bytes" },
        { what: 'filename too long', vars: { n: big(1000) }, code: 'invalid_request', message: "filename must be at most 255 characters" },
      ],
    },
    {
      name: 'writeAgentFile', signature: '($u: ID!, $a: ID!, $path: String!, $c: String!, $e: ContentEncoding)', call: 'writeAgentFile(user: $u, agent: $a, path: $path, content: $c, encoding: $e)',
      vars: () => ({ u: f.user, a: f.agent, path: 'notes.txt', c: 'hello again' }), scope: 'agent:write', narrow: ['agent:read'], read: files,
      bad: [
        { what: 'path escapes', vars: { path: '../../etc/passwd' }, code: 'invalid_path', message: "invalid file path: it contains \"..\"" },
        { what: 'absolute path', vars: { path: '/etc/passwd' }, code: 'invalid_path', message: "invalid file path: it is absolute" },
        { what: 'empty path', vars: { path: '' }, code: 'invalid_path', message: "invalid file path: it is empty" },
        { what: 'bad base64', vars: { c: '***', e: 'BASE64' }, code: 'invalid_base64', message: "content must be base64-encoded" },
        { what: 'path too long', vars: { path: big(5000) }, code: 'invalid_path', message: "invalid file path: it is longer than 1024 characters" },
      ],
    },
    {
      name: 'createEvalConnector', signature: '($p: ID!, $i: EvalConnectorInput!)', call: 'createEvalConnector(projectId: $p, input: $i)',
      vars: () => ({ ...ids, i: { name: 'second', type: 'agent', config: { agentId: f.agent } } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'no type', vars: { i: { name: 'x' } }, code: 'invalid_request', message: "Type is required" },
        { what: 'unknown type', vars: { i: { name: 'x', type: 'soap' } }, code: 'invalid_request', message: "Type must be one of langgraph, http, agent" },
        { what: 'no name', vars: { i: { type: 'agent', config: { agentId: f.agent } } }, code: 'invalid_request', message: "Name is required" },
        { what: 'name too long', vars: { i: { name: big(1000), type: 'agent', config: { agentId: f.agent } } }, code: 'invalid_request', message: "Name must be at most 200 characters" },
        { what: 'agent without agentId', vars: { i: { name: 'x', type: 'agent' } }, code: 'invalid_request', message: "config.agentId is required for agent connectors" },
        { what: 'http without baseUrl', vars: { i: { name: 'x', type: 'http', config: { model: 'm' } } }, code: 'invalid_request', message: "Base URL is required" },
        { what: 'headers not an object', vars: { i: { name: 'x', type: 'agent', config: { agentId: f.agent }, headers: 'Bearer x' } }, code: 'invalid_request', message: "Headers must be an object of string values" },
        { what: 'duplicate name', vars: { i: { name: 'the agent', type: 'agent', config: { agentId: f.agent } } }, typename: 'ConflictError', code: 'connector_name_taken', message: "Connector with name already exists" },
      ],
    },
    {
      name: 'updateEvalConnector', signature: `(${P}, $i: EvalConnectorInput!)`, call: `updateEvalConnector(${PI}, input: $i)`,
      vars: () => ({ ...ids, id: f.connector, i: { name: 'the agent' } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'unknown type', vars: { i: { type: 'soap' } }, code: 'invalid_request', message: "Type must be one of langgraph, http, agent" },
        { what: 'empty name', vars: { i: { name: '' } }, code: 'invalid_request', message: "Name is required" },
        { what: 'headers not an object', vars: { i: { headers: 42 } }, code: 'invalid_request', message: "Headers must be an object of string values" },
      ],
    },
    {
      name: 'testEvalConnector', signature: `(${P})`, call: `testEvalConnector(${PI})`,
      vars: () => ({ ...ids, id: f.connector }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [{ what: 'unknown id', vars: { id: U }, typename: 'NotFoundError', code: 'connector_not_found', message: "Connector not found" }],
    },
    {
      name: 'invokeEvalConnector', signature: `(${P}, $m: JSON!)`, call: `invokeEvalConnector(${PI}, messages: $m)`,
      vars: () => ({ ...ids, id: f.connector, m: [{ role: 'user', content: 'hi' }] }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'messages not a list', vars: { m: 'hi' }, code: 'invalid_request', message: "Messages array is required" },
        { what: 'unknown role', vars: { m: [{ role: 'robot', content: 'hi' }] }, code: 'invalid_request', message: "message role must be system, user, assistant or tool" },
        { what: 'no messages', vars: { m: [] }, code: 'invalid_request', message: "Messages array is required" },
      ],
    },
    {
      name: 'createScenario', signature: '($p: ID!, $i: ScenarioInput!)', call: 'createScenario(projectId: $p, input: $i)',
      vars: () => ({ ...ids, i: { name: 'second', instructions: 'Ask again.' } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'no name', vars: { i: { instructions: 'x' } }, code: 'invalid_request', message: "Name is required" },
        { what: 'maxMessages 0', vars: { i: { name: 'x', maxMessages: 0 } }, code: 'invalid_request', message: "maxMessages must be an integer between 1 and 100" },
        { what: 'maxMessages 10000', vars: { i: { name: 'x', maxMessages: 10000 } }, code: 'invalid_request', message: "maxMessages must be an integer between 1 and 100" },
        { what: 'unknown failureCriteriaMode', vars: { i: { name: 'x', failureCriteriaMode: 'sometimes' } }, code: 'invalid_request', message: "failureCriteriaMode must be on_max_messages or every_turn" },
        { what: 'messages not a list', vars: { i: { name: 'x', messages: 'hi' } }, code: 'invalid_request', message: "messages must be an array of {role, content}" },
        { what: 'foreign persona', vars: { i: { name: 'x', personaIds: [U] } }, typename: 'NotFoundError', code: 'persona_not_found', message: "Persona not found: 00000000-0000-4000-8000-000000000000" },
      ],
    },
    {
      name: 'updateScenario', signature: `(${P}, $i: ScenarioInput!)`, call: `updateScenario(${PI}, input: $i)`,
      vars: () => ({ ...ids, id: f.scenario, i: { instructions: 'Ask.' } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'empty name', vars: { i: { name: '' } }, code: 'invalid_request', message: "Name is required" },
        { what: 'maxMessages -1', vars: { i: { maxMessages: -1 } }, code: 'invalid_request', message: "maxMessages must be an integer between 1 and 100" },
        { what: 'unknown failureCriteriaMode', vars: { i: { failureCriteriaMode: 'sometimes' } }, code: 'invalid_request', message: "failureCriteriaMode must be on_max_messages or every_turn" },
      ],
    },
    {
      name: 'createEval', signature: '($p: ID!, $i: EvalInput!)', call: 'createEval(projectId: $p, input: $i)',
      vars: () => ({ ...ids, i: { name: 'second', connectorId: f.connector, scenarioIds: [f.scenario] } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'no name', vars: { i: { connectorId: f.connector } }, code: 'invalid_request', message: "Name is required" },
        { what: 'unknown connector', vars: { i: { name: 'x', connectorId: U, scenarioIds: [f.scenario] } }, typename: 'NotFoundError', code: 'connector_not_found', message: "Connector not found" },
        { what: 'unknown scenario', vars: { i: { name: 'x', connectorId: f.connector, scenarioIds: [U] } }, typename: 'NotFoundError', code: 'scenario_not_found', message: "Scenario not found" },
        { what: 'name too long', vars: { i: { name: big(1000), connectorId: f.connector, scenarioIds: [f.scenario] } }, code: 'invalid_request', message: "Name must be at most 200 characters" },
      ],
    },
    {
      name: 'updateEval', signature: `(${P}, $i: EvalInput!)`, call: `updateEval(${PI}, input: $i)`,
      vars: () => ({ ...ids, id: f.evalId, i: { name: 'e' } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'empty name', vars: { i: { name: '' } }, code: 'invalid_request', message: "Name is required" },
        { what: 'unknown scenario', vars: { i: { scenarioIds: [U] } }, typename: 'NotFoundError', code: 'scenario_not_found', message: "Scenario not found" },
      ],
    },
    {
      name: 'updateEvalRun', signature: `(${P}, $i: EvalRunUpdateInput!)`, call: `updateEvalRun(${PI}, input: $i)`,
      vars: () => ({ ...ids, id: f.run, i: { latencyMs: 12 } }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'bad startedAt', vars: { i: { startedAt: 'yesterday' } }, code: 'invalid_request', message: "startedAt must be an ISO 8601 date-time" },
        { what: 'negative latency', vars: { i: { latencyMs: -5 } }, code: 'invalid_request', message: "latencyMs must be a whole number of milliseconds, 0 or more" },
        { what: 'result not an object', vars: { i: { result: 'great' } }, code: 'invalid_request', message: "result must be an object" },
        { what: 'unknown status', vars: { i: { status: 'vibing' } }, code: 'invalid_request', message: "status must be one of queued, pending, running, completed, error" },
      ],
    },
    {
      name: 'createConversation', signature: `(${UA}, $n: String)`, call: 'createConversation(user: $u, agent: $a, name: $n)',
      vars: () => ({ u: f.user, a: f.agent, n: 'second' }), scope: 'agent:chat', narrow: ['agent:write'], read: conversations,
      bad: [
        { what: 'empty name', vars: { n: '' }, code: 'invalid_request', message: 'name must not be empty' },
        { what: 'name too long', vars: { n: big(201) }, code: 'invalid_request', message: 'name must be at most 200 characters' },
      ],
    },
    {
      name: 'renameConversation', signature: `(${UA}, $id: ID!, $n: String!)`, call: 'renameConversation(user: $u, agent: $a, id: $id, name: $n)',
      vars: () => ({ u: f.user, a: f.agent, id: f.conversation, n: 'kept' }), scope: 'agent:chat', narrow: ['agent:write'], read: conversations,
      bad: [
        { what: 'empty name', vars: { n: '' }, code: 'invalid_request', message: 'name must not be empty' },
        { what: 'unknown id', vars: { id: U }, typename: 'NotFoundError', code: 'conversation_not_found', message: 'conversation not found' },
      ],
    },
    {
      name: 'resetConversation', signature: `(${UA}, $id: ID!)`, call: 'resetConversation(user: $u, agent: $a, id: $id)',
      vars: () => ({ u: f.user, a: f.agent, id: f.conversation }), scope: 'agent:chat', narrow: ['agent:write'], read: conversations,
      bad: [{ what: 'unknown id', vars: { id: U }, typename: 'NotFoundError', code: 'conversation_not_found', message: 'conversation not found' }],
    },
    // Starting runs queues work that runs on in the background: checked for refusals only (test/eval-runs.test.ts runs them).
    {
      name: 'startEval', signature: '($p: ID!, $e: ID!)', call: 'startEval(projectId: $p, evalId: $e)', succeeds: false,
      vars: () => ({ ...ids, e: f.evalId }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [{ what: 'unknown eval', vars: { e: U }, typename: 'NotFoundError', code: 'eval_not_found', message: 'Eval not found' }],
    },
    {
      name: 'startPlaygroundRun', signature: '($p: ID!, $c: ID!, $sc: ID!, $pe: ID)', call: 'startPlaygroundRun(projectId: $p, connectorId: $c, scenarioId: $sc, personaId: $pe)', succeeds: false,
      vars: () => ({ ...ids, c: f.connector, sc: f.scenario, pe: f.persona }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [
        { what: 'unknown scenario', vars: { sc: U }, typename: 'NotFoundError', code: 'scenario_not_found', message: 'Scenario not found' },
        { what: 'unknown connector', vars: { c: U }, typename: 'NotFoundError', code: 'connector_not_found', message: 'Connector not found' },
        { what: 'unknown persona', vars: { pe: U }, typename: 'NotFoundError', code: 'persona_not_found', message: 'Persona not found' },
      ],
    },
    {
      name: 'cancelRun', signature: '($id: ID!)', call: 'cancelRun(id: $id)', succeeds: false,
      vars: () => ({ id: f.run }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [{ what: 'a finished run', vars: {}, typename: 'ConflictError', code: 'run_not_cancellable', message: 'Cannot cancel run with status "completed"' }, { what: 'unknown id', vars: { id: U }, typename: 'NotFoundError', code: 'run_not_found', message: 'Run not found' }],
    },
    {
      name: 'retryRun', signature: '($id: ID!)', call: 'retryRun(id: $id)', succeeds: false,
      vars: () => ({ id: f.run }), scope: 'eval:write', narrow: ['eval:read'], read: evals,
      bad: [{ what: 'unknown id', vars: { id: U }, typename: 'NotFoundError', code: 'run_not_found', message: 'Run not found' }],
    },
    // deletes last: the success check runs the rows in order
    ...(
      [
        ['deleteProjectImage', `(${P})`, `deleteProjectImage(${PI})`, () => ({ ...ids, id: f.image }), 'persona:write', 'persona:read', images, [{ id: U }, 'image_not_found', 'Image not found']],
        ['deleteEvalRun', `(${P})`, `deleteEvalRun(${PI})`, () => ({ ...ids, id: f.run }), 'eval:write', 'eval:read', evals, [{ id: U }, 'run_not_found', 'Run not found']],
        ['deleteEval', `(${P})`, `deleteEval(${PI})`, () => ({ ...ids, id: f.evalId }), 'eval:write', 'eval:read', evals, [{ id: U }, 'eval_not_found', 'Eval not found']],
        ['deleteScenario', `(${P})`, `deleteScenario(${PI})`, () => ({ ...ids, id: f.scenario }), 'eval:write', 'eval:read', evals, [{ id: U }, 'scenario_not_found', 'Scenario not found']],
        ['deleteEvalConnector', `(${P})`, `deleteEvalConnector(${PI})`, () => ({ ...ids, id: f.connector }), 'eval:write', 'eval:read', evals, [{ id: U }, 'connector_not_found', 'Connector not found']],
        ['deleteSkill', '($u: ID!, $id: ID!)', 'deleteSkill(user: $u, id: $id)', () => ({ u: f.user, id: 'summarise' }), 'agent:write', 'agent:read', skills, [{ id: 'nope' }, 'skill_not_found', 'skill not found']],
        ['deleteAgentFile', '($u: ID!, $a: ID!, $path: String!)', 'deleteAgentFile(user: $u, agent: $a, path: $path)', () => ({ u: f.user, a: f.agent, path: 'notes.txt' }), 'agent:write', 'agent:read', files, [{ path: 'nope.txt' }, 'file_not_found', 'file not found']],
        ['deleteConversation', `(${UA}, $id: ID!)`, 'deleteConversation(user: $u, agent: $a, id: $id)', () => ({ u: f.user, a: f.agent, id: f.conversation }), 'agent:chat', 'agent:write', conversations, [{ id: U }, 'conversation_not_found', 'conversation not found']],
        ['deleteVoiceSample', '($id: ID!, $audio: String!)', 'deleteVoiceSample(id: $id, audio: $audio)', () => ({ id: f.influencer, audio: f.voiceSample }), 'character:write', 'character:read', influencer, [{ audio: 'nope' }, 'voice_sample_not_found', 'This influencer has no voice sample with that audio URL']],
      ] as const
    ).map(([name, signature, call, vars, scope, narrow, read, unknown]): MutationCase => ({
      name, signature, call, vars, scope, narrow: [narrow], read,
      bad: [{ what: 'unknown id', vars: unknown[0], typename: 'NotFoundError', code: unknown[1], message: unknown[2] }],
    })),
  ];
}
