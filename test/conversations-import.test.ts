/**
 * A team's conversations survive `personagraph export` / `import` in order: import keeps each message's `seq`,
 * and what is written after it (a new chat turn on the target server) lists after the imported history, over
 * REST and GraphQL. The export/import functions run in-process against two real servers on fresh databases
 * (test/cli-data.test.ts runs the same commands as processes).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportTeam, importTeam } from '../src/cli/transfer.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';

let source: TestServer;
let target: TestServer;
let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.chat.reply = 'Noted.';
  const env = { RATE_LIMIT_PER_MINUTE: '100000', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test-conversations-0000000' };
  source = await startTestServer(env);
  target = await startTestServer(env);
}, 120_000);
afterAll(async () => {
  await source?.close();
  await target?.close();
  await fake?.close();
});

describe('conversations across export and import', () => {
  it('a turn written after an import lists after the imported messages (REST and GraphQL)', async () => {
    // The source's sequence runs ahead of the exported team's messages (another team chatted first), as on a
    // shared server, so the imported numbers are well above where the target's fresh sequence starts.
    const team = await source.createTeam('travelling');
    const other = await source.createTeam('chatty neighbour');
    let user = '';
    for (const t of [other, team]) {
      user = (await source.request('POST', '/api/v1/users', { key: t.key, body: { username: 'talker', tier: 'enterprise' } })).body.id as string;
      const agent = await source.request('POST', `/api/v1/users/${user}/agents`, { key: t.key, body: { name: 'pal', provider: 'openai', model: 'gpt-4o-mini' } });
      expect(agent.status, agent.text).toBe(201);
      for (const content of ['one', 'two', 'three']) {
        const res = await source.request('POST', `/api/v1/users/${user}/agents/pal/chat`, { key: t.key, body: { messages: [{ role: 'user', content }] } });
        expect(res.status, res.text).toBe(200);
      }
    }

    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-import-'));
    const file = path.join(dir, 'team.jsonl');
    const lines: string[] = [];
    const counts = await exportTeam(source.app.deps.prisma, team.teamId, (l) => void lines.push(l), { withKeys: true });
    expect(counts.ChatMessage).toBe(6);
    await writeFile(file, lines.join('\n') + '\n');
    await importTeam(target.app.deps.prisma, file);

    // the exported key travelled with the team (same SECRET_KEY on both test servers)
    const key = team.key;
    // (import keeps ids: the team's agent user is the one made on the source)
    const base = `/api/v1/users/${user}/agents/pal`;
    const conv = (await target.request('GET', `${base}/conversations`, { key })).body.data[0];
    const before = (await target.request('GET', `${base}/conversations/${conv.id}/messages`, { key })).body.data.map((m: any) => m.content);
    expect(before).toEqual(['Noted.', 'three', 'Noted.', 'two', 'Noted.', 'one']);

    const res = await target.request('POST', `${base}/chat`, { key, body: { messages: [{ role: 'user', content: 'four' }], conversationId: conv.id } });
    expect(res.status, res.text).toBe(200);
    // the provider saw the imported history in order, then the new turn
    const sent = (fake.requests.at(-1)!.body.messages as { role: string; content: string }[]).filter((m) => m.role !== 'system').map((m) => m.content);
    expect(sent).toEqual(['one', 'Noted.', 'two', 'Noted.', 'three', 'Noted.', 'four']);

    const after = (await target.request('GET', `${base}/conversations/${conv.id}/messages?limit=4`, { key })).body.data.map((m: any) => m.content);
    expect(after).toEqual(['Noted.', 'four', 'Noted.', 'three']);
    const graph = await target.graphql(`query($id: ID!) { conversation(id: $id) { messages(first: 4) { edges { node { role content } } } } }`, { id: conv.id }, { key });
    expect(graph.body.errors).toBeUndefined();
    expect(graph.body.data.conversation.messages.edges.map((e: any) => `${e.node.role}: ${e.node.content}`)).toEqual([
      'assistant: Noted.',
      'user: four',
      'assistant: Noted.',
      'user: three',
    ]);
  }, 120_000);
});
