import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('config', () => {
  it('starts with zero setup: embedded PGlite under ./data/pglite, port 4000 on loopback, 60 requests a minute', () => {
    const c = loadConfig({});
    expect(c.database).toEqual({ kind: 'pglite', dataDir: path.resolve('./data/pglite') });
    expect(c.port).toBe(4000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.rateLimitPerMinute).toBe(60);
    expect(c.embeddedAi).toBe(true);
    expect(c.redisUrl).toBeNull();
  });

  it('reads every DATABASE_URL form', () => {
    expect(loadConfig({ DATABASE_URL: 'pglite:memory' }).database).toEqual({ kind: 'pglite', dataDir: null });
    expect(loadConfig({ DATABASE_URL: 'pglite:/tmp/x' }).database).toEqual({ kind: 'pglite', dataDir: '/tmp/x' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).database).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).database.kind).toBe('postgres');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', RATE_LIMIT_PER_MINUTE: '0', REDIS_URL: 'http://x', EMBEDDED_AI: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'RATE_LIMIT_PER_MINUTE', 'REDIS_URL', 'EMBEDDED_AI']) expect(problems).toContain(name);
    expect((error as ConfigError).message).toMatch(/^Invalid configuration:/);
  });

  it('treats empty variables as unset, as .env files write them', () => {
    expect(loadConfig({ DATABASE_URL: '', OPENAI_API_KEY: '' }).openai.apiKey).toBeNull();
  });
});
