/** Seeded data for test/helpers/mutation-cases.ts: one of each record the GraphQL write counterparts touch. */
import { expect } from 'vitest';
import type { TestServer } from './server.js';
import { png, wav } from './influencers.js';

export const SKILL = '---\nname: Summarise\ndescription: Does a useful thing.\n---\nBody.\n';
export const PNG = png([200, 40, 40]).toString('base64');
export const WAV = wav(1).toString('base64');

export interface Fixtures {
  user: string;
  agent: string;
  project: string;
  persona: string;
  image: string;
  influencer: string;
  connector: string;
  scenario: string;
  evalId: string;
  run: string;
  voiceSample: string;
  conversation: string;
}


export async function seedMutationFixtures(s: TestServer): Promise<Fixtures> {
  const rest = async (method: string, p: string, body: unknown, status = 201) => {
    const res = await s.request(method, p, { body });
    expect(res.status, `${method} ${p}: ${res.text}`).toBe(status);
    return res.body;
  };
  const prisma = s.app.deps.prisma;
  const teamId = (await s.request('GET', '/api/v1/me')).body.team.id as string;
  const project = (await rest('POST', '/api/projects', { name: 'inputs' })).id as string;
  const persona = (await rest('POST', `/api/projects/${project}/personas`, { name: 'Ann' })).id as string;
  const user = (await rest('POST', '/api/v1/users', { username: 'inputs-user' })).id as string;
  const agent = (await rest('POST', `/api/v1/users/${user}/agents`, { name: 'helper', provider: 'embedded', personaId: persona })).id as string;
  const put = await s.request('PUT', `/api/v1/users/${user}/agents/${agent}/files/notes.txt`, { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } });
  expect(put.status, put.text).toBeLessThan(300);
  const skill = await s.request('PUT', `/api/v1/users/${user}/skills/summarise/file`, { rawBody: SKILL, headers: { 'Content-Type': 'text/markdown' } });
  expect(skill.status, skill.text).toBe(201);
  const image = await s.graphql(`mutation($p: ID!, $b: String!) { uploadProjectImage(projectId: $p, imageBase64: $b) { ... on MutationUploadProjectImageSuccess { data } } }`, { p: project, b: PNG });
  const influencer = (await rest('POST', '/api/v1/influencers', { name: 'Mara Voss' })).id as string;
  const voice = await s.graphql(`mutation($id: ID!, $f: [UploadInput!]!) { addInfluencerVoiceSamples(id: $id, files: $f) { __typename } }`, { id: influencer, f: [{ base64: WAV, contentType: 'audio/wav' }] });
  expect(voice.body.data?.addInfluencerVoiceSamples, voice.text).toEqual({ __typename: 'MutationAddInfluencerVoiceSamplesSuccess' });
  const connector = (await rest('POST', `/api/projects/${project}/connectors`, { name: 'the agent', type: 'agent', config: { agentId: agent } })).id as string;
  const scenario = (await rest('POST', `/api/projects/${project}/scenarios`, { name: 'help', instructions: 'Ask.', maxMessages: 2, personaIds: [persona] })).id as string;
  const evalId = (await rest('POST', `/api/projects/${project}/evals`, { name: 'e', connectorId: connector, scenarioIds: [scenario] })).id as string;
  const run = (await prisma.evalRun.create({ data: { teamId, projectId: project, scenarioId: scenario, evalId, personaId: persona, connectorId: connector, status: 'completed' } })).id;
  const conversation = (await rest('POST', `/api/v1/users/${user}/agents/${agent}/conversations`, { name: 'kept' })).id as string;
  const voiceSample = (await s.request('GET', `/api/v1/characters/${influencer}/voice-profile`)).body.samples[0].audioUrl as string;
  return { user, agent, project, persona, image: image.body.data.uploadProjectImage.data, influencer, connector, scenario, evalId, run, voiceSample, conversation };
}
