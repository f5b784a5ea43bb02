/**
 * Skills (seed 003) over real HTTP: custom SKILL.md uploads validated by their
 * front matter, registry installs verified against the registry's published
 * sha256 (a tampered skill is refused and nothing is stored), the plan's skill
 * limit, other teams, scopes, and the GraphQL listing.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../src/modules/auth/service.js';
import { userSkills } from '../src/modules/skills/service.js';
import { TIERS } from '../src/modules/users/tiers.js';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { GOOD_SKILL, LINKED_SKILL, startSkillRegistry, type SkillRegistry } from './helpers/skill-registry.js';
import { expectPlainError } from './helpers/errors.js';

let s: TestServer;
let registry: SkillRegistry;
let other: { teamId: string; key: string };

beforeAll(async () => {
  registry = await startSkillRegistry();
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', SKILL_REGISTRY_URL: registry.url });
  other = await s.createTeam('skills other team');
});
afterAll(async () => {
  await s?.close();
  await registry?.close();
});

let n = 0;
async function newUser(key?: string) {
  const res = await s.request('POST', '/api/v1/users', { body: { username: `skiller-${++n}` }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

const skill = (name: string, description = 'Does a useful thing.') => `---\nname: ${name}\ndescription: ${description}\n---\nBody of ${name}.\n`;
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

describe('custom skills', () => {
  it('PUT uploads a SKILL.md (201, then 200 on replace), DELETE removes it (204, then 404)', async () => {
    const u = await newUser();
    const put = await s.request('PUT', `/api/v1/users/${u}/skills/summarise/file`, { rawBody: skill('Summarise'), headers: { 'Content-Type': 'text/markdown' } });
    expect(put.status, put.text).toBe(201);
    expect(put.body).toMatchObject({ id: 'summarise', name: 'Summarise', description: 'Does a useful thing.', source: 'custom', sha256: sha(skill('Summarise')) });
    const again = await s.request('PUT', `/api/v1/users/${u}/skills/summarise/file`, { rawBody: skill('Summarise v2'), headers: { 'Content-Type': 'text/plain' } });
    expect(again.status).toBe(200);
    expect(again.body.name).toBe('Summarise v2');
    const gq = await s.graphql(`query($u: ID!) { agentUser(ref: $u) { skills { id name description source sha256 } } }`, { u });
    expect(gq.body.data.agentUser.skills).toEqual([{ id: 'summarise', name: 'Summarise v2', description: 'Does a useful thing.', source: 'custom', sha256: sha(skill('Summarise v2')) }]);
    expect((await s.request('DELETE', `/api/v1/users/${u}/skills/summarise/file`)).status).toBe(204);
    expectPlainError(await s.request('DELETE', `/api/v1/users/${u}/skills/summarise/file`), 404, 'skill not found');
  });

  it('refuses bad SKILL.md files and ids with 400, storing nothing', async () => {
    const u = await newUser();
    const put = (body: string, id = 'x') => s.request('PUT', `/api/v1/users/${u}/skills/${id}/file`, { rawBody: body, headers: { 'Content-Type': 'text/markdown' } });
    expectPlainError(await put('# no front matter'), 400, 'invalid SKILL.md: it must start with YAML front matter between --- lines');
    expectPlainError(await put('---\nname: [unclosed\n---\n'), 400, 'invalid SKILL.md: its front matter is not valid YAML');
    expectPlainError(await put('---\n- a list\n---\n'), 400, 'invalid SKILL.md: its front matter must be a mapping');
    expectPlainError(await put('---\ndescription: d\n---\n'), 400, 'invalid SKILL.md: front matter needs a name');
    expectPlainError(await put('---\nname: n\n---\n'), 400, 'invalid SKILL.md: front matter needs a description');
    expectPlainError(await put(skill('x'.repeat(101))), 400, 'invalid SKILL.md: name must be at most 100 characters');
    expectPlainError(await put(skill('ok', 'd'.repeat(1025))), 400, 'invalid SKILL.md: description must be at most 1024 characters');
    expectPlainError(await put(skill('ok'), 'Bad_ID'), 400, /^skill id must be/);
    expectPlainError(await put(`${skill('big')}${'x'.repeat(64 * 1024)}`), 413, /exceeds the limit/);
    expectPlainError(await s.request('PUT', `/api/v1/users/${u}/skills/x/file`, { rawBody: Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]) }), 400, 'invalid SKILL.md: it is not UTF-8 text');
    expectPlainError(
      await s.request('PUT', `/api/v1/users/${u}/skills/x/file`, { rawBody: JSON.stringify({ name: 'a', description: 'b' }), headers: { 'Content-Type': 'application/json' } }),
      415,
      'a skill file must be sent as text/markdown or text/plain, not application/json',
    );
    expect(await s.app.deps.prisma.skill.count({ where: { userId: u } })).toBe(0);
  });

  it('keeps the bytes as sent: a BOM and CRLF line ends parse, and the sha256 is that of the bytes', async () => {
    const u = await newUser();
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(skill('Windows').replace(/\n/g, '\r\n'))]);
    const res = await s.request('PUT', `/api/v1/users/${u}/skills/windows/file`, { rawBody: bytes, headers: { 'Content-Type': 'text/markdown; charset=utf-8' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'Windows', sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('the plan’s skill limit answers 403 naming it', async () => {
    const u = await newUser();
    const limit = TIERS.free.skills;
    for (let i = 0; i < limit; i++) {
      expect((await s.request('PUT', `/api/v1/users/${u}/skills/s${i}/file`, { rawBody: skill(`S${i}`) })).status).toBe(201);
    }
    const res = await s.request('PUT', `/api/v1/users/${u}/skills/one-more/file`, { rawBody: skill('One more') });
    expectPlainError(res, 403, /^skill limit reached: the free tier allows 5 skills/);
    // Replacing an existing one is not a new skill; a registry install counts against the same limit.
    expect((await s.request('PUT', `/api/v1/users/${u}/skills/s0/file`, { rawBody: skill('S0 again') })).status).toBe(200);
    expectPlainError(await s.request('POST', `/api/v1/users/${u}/skills/web-research/registry-install`), 403, /^skill limit reached/);
    // A bigger plan lifts it.
    expect((await s.request('PUT', `/api/v1/users/${u}/tier`, { body: { tier: 'pro' } })).status).toBe(200);
    expect((await s.request('POST', `/api/v1/users/${u}/skills/web-research/registry-install`)).status).toBe(201);
  });

  it('unknown and foreign users, and scopes', async () => {
    expectPlainError(await s.request('PUT', '/api/v1/users/nobody/skills/a/file', { rawBody: skill('A') }), 404, 'user not found');
    const theirs = await newUser(other.key);
    expectPlainError(await s.request('PUT', `/api/v1/users/${theirs}/skills/a/file`, { rawBody: skill('A') }), 404, 'user not found');
    expectPlainError(await s.request('POST', `/api/v1/users/${theirs}/skills/web-research/registry-install`), 404, 'user not found');
    const u = await newUser();
    const reader = (await s.createKey(['agent:read'])).key;
    const res = await s.request('PUT', `/api/v1/users/${u}/skills/a/file`, { key: reader, rawBody: skill('A') });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain('agent:write');
  });
});

describe('registry installs', () => {
  it('installs a skill whose content matches the published sha256 and pins it', async () => {
    const u = await newUser();
    const res = await s.request('POST', `/api/v1/users/${u}/skills/web-research/registry-install`);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ id: 'web-research', name: 'Web research', source: 'registry', version: '1.2.0', sha256: sha(GOOD_SKILL), registryUrl: registry.url });
    const linked = await s.request('POST', `/api/v1/users/${u}/skills/translator/registry-install`);
    expect(linked.status, linked.text).toBe(201);
    expect(linked.body).toMatchObject({ name: 'Translator', version: '3', sha256: sha(LINKED_SKILL) });
    expect(registry.requests).toContain('GET /content/translator.md');
    // Installing again updates in place.
    expect((await s.request('POST', `/api/v1/users/${u}/skills/web-research/registry-install`)).status).toBe(200);
  });

  it('refuses content that does not match the registry’s hash, stores nothing, and logs why', async () => {
    const u = await newUser();
    expectPlainError(await s.request('POST', `/api/v1/users/${u}/skills/tampered/registry-install`), 422, "skill content does not match the registry's published sha256");
    expect(await s.app.deps.prisma.skill.count({ where: { userId: u } })).toBe(0);
    const logs = await s.request('GET', `/api/v1/users/${u}/logs`);
    expect(JSON.stringify(logs.body)).toContain('refused skill tampered');
    // The same when the content is fetched from the entry's url.
    expectPlainError(await s.request('POST', `/api/v1/users/${u}/skills/tampered-linked/registry-install`), 422, "skill content does not match the registry's published sha256");
    expect(await s.app.deps.prisma.skill.count({ where: { userId: u } })).toBe(0);
  });

  it('stops reading a registry answer that is larger than a SKILL.md may be', async () => {
    const u = await newUser();
    expectPlainError(await s.request('POST', `/api/v1/users/${u}/skills/huge/registry-install`), 422, "the registry's skill is larger than 65536 bytes");
    expect(await s.app.deps.prisma.skill.count({ where: { userId: u } })).toBe(0);
  });

  it('skills apply to all of a user’s agents: userSkills gives their names and descriptions for the system prompt', async () => {
    const u = await newUser();
    await s.request('POST', `/api/v1/users/${u}/skills/web-research/registry-install`);
    await s.request('PUT', `/api/v1/users/${u}/skills/summarise/file`, { rawBody: skill('Summarise', 'Summarises long text.') });
    const ctx = { deps: s.app.deps, actor: await authenticate(s.app.deps, s.adminKey), requestId: 'skills-test' };
    expect(await userSkills(ctx, u)).toEqual([
      { name: 'Summarise', description: 'Summarises long text.' },
      { name: 'Web research', description: 'Searches the web and summarises sources with citations.' },
    ]);
    // A registry skill is removed like a custom one.
    expect((await s.request('DELETE', `/api/v1/users/${u}/skills/web-research/file`)).status).toBe(204);
    expect((await userSkills(ctx, u)).map((x) => x.name)).toEqual(['Summarise']);
    // Another team's caller sees none of them.
    expect(await userSkills({ ...ctx, actor: await authenticate(s.app.deps, other.key) }, u)).toEqual([]);
  });

  it('an unknown slug is 404; a failing registry is a 5xx that says only "internal server error"', async () => {
    const u = await newUser();
    expectPlainError(await s.request('POST', `/api/v1/users/${u}/skills/no-such-skill/registry-install`), 404, 'skill not found in registry');
    expectPlainError(await s.request('POST', `/api/v1/users/${u}/skills/broken/registry-install`), 502, 'internal server error');
  });

  it('without SKILL_REGISTRY_URL a registry install is a clear 400', async () => {
    const plain = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      const u = (await plain.request('POST', '/api/v1/users', { body: { username: 'noreg' } })).body.id;
      expectPlainError(await plain.request('POST', `/api/v1/users/${u}/skills/web-research/registry-install`), 400, 'no skill registry is configured (set SKILL_REGISTRY_URL)');
    } finally {
      await plain.close();
    }
  });
});
