/**
 * GraphiQL and the docs page in a real browser: playwright-core driving
 * Debian's Chromium (.ci/run installs it; without it these tests are skipped
 * with a visible message). Screenshots go to test-artifacts/.
 * - GraphiQL runs a query with the key from its Headers tab and shows the result;
 * - GraphiQL runs a chat subscription over graphql-ws and the tokens appear live;
 * - GraphiQL shows a publication's status changes live (retries included) until it is published;
 * - /docs renders every family and a "try it" request with a pasted key succeeds.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { makeProfile, teamOf, waitForBatch } from './helpers/content.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\n  SKIPPED: browser tests (no Chromium at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH).\n`);

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-artifacts');

describe.skipIf(!hasChromium)('in a browser', () => {
  let s: TestServer;
  let fake: FakeOpenAI;
  let browser: Browser;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    s = await startTestServer({ OPENAI_API_KEY: 'sk-browser-test', OPENAI_BASE_URL: fake.url, RATE_LIMIT_PER_MINUTE: '10000', PUBLISH_BACKOFF_MS: '1500', JOB_POLL_MS: '100' });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    await mkdir(artifacts, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
    await fake?.close();
  });

  /** Opens a new GraphiQL tab with `query`, and the admin key in that tab's Headers editor (headers are per tab). */
  async function newTab(page: Page, query: string) {
    await page.locator('.graphiql-tab-add').click();
    await page.waitForTimeout(300);
    await setEditor(page, '.graphiql-query-editor', query);
    await page.getByRole('button', { name: 'Headers' }).click();
    await setEditor(page, '.graphiql-editor-tool', JSON.stringify({ Authorization: `Bearer ${s.adminKey}` }));
    await page.waitForTimeout(1000); // GraphiQL stores editor changes debounced
  }

  /** Replaces the content of the Monaco editor inside `container` (GraphiQL's query or headers editor). */
  async function setEditor(page: Page, container: string, text: string) {
    await page.locator(`${container} .monaco-editor >> visible=true`).first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  async function openGraphiQL(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${s.url}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    return page;
  }

  /** The response panel's text (Monaco renders spaces as no-break spaces). */
  const responseText = async (page: Page) => (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');

  it('GraphiQL sends no operation while it has no key, says where the key goes, and runs once one is set', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const sent: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/graphql' && r.method() !== 'GET') sent.push(`${r.method()} ${r.postData() ?? ''}`);
    });
    await page.goto(`${s.url}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-query-editor .monaco-editor').first().waitFor();
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => responseText(page), { timeout: 15_000 }).toContain('Nothing was sent: put your API key');
    expect(sent).toEqual([]); // neither the schema fetch on load nor the run left the page
    await page.keyboard.press('Escape'); // the operation picker the example document opens
    await newTab(page, 'query Team { me { team { name } } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => responseText(page), { timeout: 15_000 }).toContain('"name": "default"');
    expect(sent.length).toBe(1);
    await page.close();
  }, 60_000);

  it('GraphiQL runs a query with the key from its Headers tab and shows the result', async () => {
    const page = await openGraphiQL();
    await newTab(page, 'query Team { me { team { name } key { name } } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => responseText(page), { timeout: 15_000 }).toContain('"name": "default"');
    expect(await responseText(page)).toContain('bootstrap admin');
    await page.screenshot({ path: path.join(artifacts, 'graphiql-query.png') });
    await page.close();
  }, 60_000);

  it('GraphiQL streams a chat run’s tokens live over graphql-ws', async () => {
    const user = await s.request('POST', '/api/v1/users', { body: { username: 'browser-user' } });
    expect(user.status, user.text).toBe(201);
    await s.request('POST', '/api/v1/users/browser-user/agents', { body: { name: 'talker', provider: 'openai', model: 'gpt-4o-mini' } });
    await expect.poll(async () => (await s.request('GET', '/api/v1/users/browser-user/deploy/status')).body.status, { timeout: 15_000 }).toBe('succeeded');

    const words = Array.from({ length: 40 }, (_, i) => `word${i + 1}`);
    fake.chat.reply = words.join(' ');
    fake.chat.delayMs = 120;
    const page = await openGraphiQL();
    const started = await s.graphql(
      'mutation { startChatRun(user: "browser-user", agent: "talker", messages: [{ role: "user", content: "count" }]) { ... on MutationStartChatRunSuccess { data { id } } } }',
    );
    const runId = started.body.data.startChatRun.data.id as string;
    await newTab(page, `subscription Tokens { chatRunEvents(runId: "${runId}", afterSeq: 0) { seq type delta message } }`);
    await page.locator('.graphiql-execute-button').click();

    // While the provider is still streaming, the panel shows growing sequence numbers.
    const seen = new Set<number>();
    const deadline = Date.now() + 20_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await responseText(page);
      const seq = /"seq": (\d+)/.exec(text);
      if (seq) seen.add(Number(seq[1]));
      if (text.includes('"type": "done"')) break;
      await page.waitForTimeout(100);
    }
    expect(text).toContain('"type": "done"');
    expect(text).toContain('word40');
    expect(seen.size, `sequence numbers seen: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(5);
    await page.screenshot({ path: path.join(artifacts, 'graphiql-chat-subscription.png') });
    await page.close();
    fake.chat.delayMs = 0;
  }, 90_000);

  it('GraphiQL shows each status change of a publication live, retries included', async () => {
    const p = await makeProfile(s.app.deps.prisma, await teamOf(s));
    const gen = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
    const itemId = (await waitForBatch(s, gen.body.id)).items[0].id as string;
    await s.request('POST', `/api/v1/content/${itemId}/approve`);
    // The sandbox fails the first two attempts, so the status goes queued → publishing → queued … → published.
    await s.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'sandbox', handle: 'browser', config: { failPublishAttempts: 2 } } });
    const page = await openGraphiQL();
    await newTab(page, `subscription PublishStatus { publishStatus(contentItemId: "${itemId}") { status itemStatus attempts error } }`);
    await page.locator('.graphiql-execute-button').click();
    await page.waitForTimeout(1000);
    expect((await s.request('POST', `/api/v1/content/${itemId}/publish`)).status).toBe(202);
    const seen: string[] = [];
    const deadline = Date.now() + 30_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await responseText(page);
      const state = /"status": "(\w+)",\s*"itemStatus": "\w+",\s*"attempts": (\d+)/.exec(text);
      if (state && seen.at(-1) !== `${state[1]}#${state[2]}`) seen.push(`${state[1]}#${state[2]}`);
      if (text.includes('"status": "published"')) break;
      await page.waitForTimeout(50);
    }
    expect(text).toContain('"status": "published"');
    expect(text).toContain('"attempts": 3');
    // Earlier states showed up in the panel before the last one (the retries take 1.5 s and 3 s).
    expect(seen.length, `states seen: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: path.join(artifacts, 'graphiql-publish-status.png') });
    await page.close();
  }, 90_000);

  it('the docs page renders the API and a “try it” request with a pasted key succeeds', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${s.url}/docs`, { waitUntil: 'networkidle' });
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('personagraph REST API');
    // Swagger UI renders sections as they scroll into view; its filter box finds each family's tags.
    const filter = page.locator('.operation-filter-input');
    for (const tag of ['Autousers', 'AutoPersonas: content', 'EvalStudio', 'Autonomis']) {
      await filter.fill(tag);
      await expect.poll(() => page.locator('.opblock-tag').filter({ hasText: tag }).count(), { message: tag, timeout: 10_000 }).toBeGreaterThan(0);
    }
    await filter.fill('');
    await page.locator('.btn.authorize').first().click();
    const bearer = page.locator('.auth-container').filter({ hasText: 'bearerAuth' });
    await bearer.locator('input').fill(s.adminKey);
    await bearer.locator('button', { hasText: 'Authorize' }).click();
    await expect.poll(() => bearer.innerText()).toContain('Logout');
    await page.locator('.auth-container button', { hasText: 'Close' }).first().click();

    const op = page.locator('.opblock').filter({ has: page.locator('[data-path="/api/v1/me"]') }).first();
    await op.locator('.opblock-summary').click();
    await op.locator('button.execute').click();
    const status = op.locator('.live-responses-table tr.response .response-col_status').first();
    await expect.poll(() => status.innerText(), { timeout: 15_000 }).toBe('200');
    expect(await op.locator('.live-responses-table tr.response .response-col_description').first().innerText()).toContain('"team"');
    await page.screenshot({ path: path.join(artifacts, 'docs-try-it.png'), fullPage: false });
    await page.close();
  }, 60_000);
});
