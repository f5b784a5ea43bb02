/**
 * The `personagraph` data commands as a user runs them (real processes through
 * bin/personagraph.mjs): export and import of a team with its bytes, and the
 * demo seed the server then serves. Apart from test/cli.test.ts so the two
 * slow halves run side by side.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, freshDatabase, serverOn } from './helpers/cli.js';
import { onceAcrossDatabases } from './helpers/database.js';

describe('personagraph data commands', () => {
  it.runIf(onceAcrossDatabases())('exports a team with its data and bytes and imports it elsewhere, keeping ids; refuses a second import and non-exports', async () => {
    const source = await freshDatabase();
    const teamOut = JSON.parse((await cli(['--json', 'teams', 'create', 'exported'], source.env)).stdout);
    const key = teamOut.apiKey.key as string;
    let s = await serverOn(source.url);
    let personaId: string;
    let userId: string;
    try {
      const project = await s.request('POST', '/api/projects', { key, body: { name: 'travel' } });
      const persona = await s.request('POST', `/api/projects/${project.body.id}/personas`, { key, body: { name: 'nomad', systemPrompt: 'You travel light.' } });
      personaId = persona.body.id;
      const user = await s.request('POST', '/api/v1/users', { key, body: { username: 'zoe' } });
      userId = user.body.id;
      await s.request('POST', `/api/v1/users/zoe/agents`, { key, body: { name: 'guide' } });
      const put = await s.request('PUT', '/api/v1/users/zoe/agents/guide/files/bin/blob.dat', {
        key,
        rawBody: Buffer.from([0, 1, 2, 253, 254, 255]),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      expect(put.status, put.text).toBe(201);
      await s.request('PUT', '/api/v1/users/zoe/secrets', { key, body: { TOKEN: 'travel-secret-value-0001' } });
    } finally {
      await s.close();
    }

    const file = path.join(await mkdtemp(path.join(tmpdir(), 'personagraph-export-')), 'team.jsonl');
    const exp = await cli(['--json', 'export', '--team', 'exported', '--out', file], source.env);
    expect(exp.code, exp.stderr).toBe(0);
    const summary = JSON.parse(exp.stdout);
    expect(summary.counts).toMatchObject({ Project: 1, Persona: 1, AgentUser: 1, Agent: 1, AgentFile: 1, Secret: 1 });
    expect(summary.counts.ApiKey).toBeUndefined();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('travel-secret-value-0001');

    const target = await freshDatabase();
    const imp = await cli(['--json', 'import', file], target.env);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout).team.name).toBe('exported');
    expect((await cli(['import', file], target.env)).stderr).toContain('already exists here');

    // The imported team works on the new server once it has a key (export leaves keys out).
    const newKey = JSON.parse((await cli(['--json', 'keys', 'create', '--name', 'after-import', '--scopes', 'all', '--team', 'exported'], target.env)).stdout).key;
    s = await serverOn(target.url);
    try {
      const persona = await s.request('GET', `/api/v1/autousers/${personaId!}`, { key: newKey });
      expect(persona.body).toMatchObject({ id: personaId!, name: 'nomad', systemPrompt: 'You travel light.' });
      const bytes = await fetch(`${s.url}/api/v1/users/${userId!}/agents/guide/files/bin/blob.dat`, { headers: { 'X-API-Key': newKey } });
      expect(Buffer.from(await bytes.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 253, 254, 255]));
      const secrets = await s.request('GET', '/api/v1/users/zoe/secrets', { key: newKey });
      expect(secrets.body.map((x: any) => [x.name, x.readable])).toEqual([['TOKEN', true]]);
    } finally {
      await s.close();
    }

    const junk = path.join(path.dirname(file), 'junk.jsonl');
    await writeFile(junk, '{"hello":"world"}\n');
    const notExport = await cli(['import', junk], target.env);
    expect(notExport.code).toBe(1);
    expect(notExport.stderr).toContain('not a personagraph export');
    const none = await cli(['import', path.join(path.dirname(file), 'missing.jsonl')], target.env);
    expect(none.code).toBe(2);
  }, 300_000);

  it.runIf(onceAcrossDatabases())('seed --demo fills a new database with data across every part, which the server then serves; a second seed is refused', async () => {
    const { env, url } = await freshDatabase();
    const bare = await cli(['seed'], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('say what to seed: --demo');
    const seeded = await cli(['--json', 'seed', '--demo'], env);
    expect(seeded.code, seeded.stderr).toBe(0);
    const demo = JSON.parse(seeded.stdout);
    expect(demo.contentItemIds).toHaveLength(3);
    expect(demo.personaIds).toHaveLength(2);
    expect(demo.executionId).toBe(1);
    const again = await cli(['seed', '--demo'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already has the demo data');

    const made = await cli(['--json', 'keys', 'create', '--name', 'explore', '--scopes', 'all'], env);
    expect(made.code, made.stderr).toBe(0);
    const key = JSON.parse(made.stdout).key as string;
    const s = await serverOn(url);
    try {
      const get = (p: string) => s.request('GET', p, { key });
      expect((await get(`/api/projects/${demo.projectId}/personas`)).body.map((p: any) => p.name)).toEqual(expect.arrayContaining(['Impatient Ian', 'Polite Pia']));
      const runs = (await get(`/api/projects/${demo.projectId}/runs?evalId=${demo.evalId}`)).body;
      expect(runs).toHaveLength(2);
      expect(runs.every((r: any) => r.status === 'completed' && r.messages.length > 2)).toBe(true);
      expect((await get(`/api/projects/${demo.projectId}/executions/1`)).body.byPersona).toHaveLength(2);
      expect((await get('/api/v1/users/demo/agents')).body.map((a: any) => [a.name, a.status])).toEqual([['helpdesk', 'online']]);
      expect((await get('/api/v1/users/demo/agents/helpdesk/files')).text).toContain('notes/faq.md');
      expect((await get(`/api/v1/influencers/${demo.influencerId}`)).body.name).toBe('Mara Voss');
      const items = (await get(`/api/v1/content?profileId=${demo.profileId}`)).body.data;
      expect(items).toHaveLength(3);
      expect(items.find((i: any) => i.id === demo.publishedItemId).status).toBe('published');
      expect((await get(`/api/v1/accounts/${demo.accountId}/posts`)).body.data).toHaveLength(1);
    } finally {
      await s.close();
    }
  }, 300_000);
});
