/**
 * The `personagraph` command line (bin/personagraph.mjs, through main.ts): the chores of
 * running a server, against the database the usual configuration names
 * (DATABASE_URL / DATA_DIR, read by src/config.ts).
 *
 *   serve                      start the server (same as npm start)
 *   migrate                    apply the committed migrations
 *   teams create <name> | list
 *   keys create | list | revoke
 *   secrets rotate-master-key  re-encrypt user secrets under SECRET_KEY
 *   export / import            a team's data as JSON lines
 *   seed --demo                demo data across every part (src/cli/seed.ts)
 *
 * Every command has --help; --json prints machine-readable output; bad input
 * exits 2 with the reason, a failed operation 1. Commands that open the
 * embedded database refuse while a server has it open (talk to it over HTTP).
 */
import { createWriteStream, existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig, type Config } from '../config.js';
import type { Core } from '../core.js';
import type { ServiceContext } from '../context.js';
import { isAppError } from '../errors.js';
import { SCOPES, isScope } from '../modules/auth/scopes.js';
import type { Progress } from './transfer.js';

// The database, services and transfer code load only when a command runs, so --help and usage errors answer at once.
const auth = () => import('../modules/auth/service.js');
const database = () => import('../infra/db/client.js');
const transfer = () => import('./transfer.js');

/** Where a run writes and what configuration it reads: the process's own from bin/personagraph.mjs, collected ones in tests. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}

const positiveInt = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(v);
};
const port = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('must be a port number (0–65535)');
  return v;
};

/** The command tree for one run, writing to `io` (a fresh one per run: commander keeps parsed option values on its commands). */
function createProgram(io: CliIo, result: { exitCode: number }) {
  const program = new Command('personagraph')
    .description('Run and administer a personagraph server. Configuration comes from the environment (see .env.example).')
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });

  const json = () => program.opts<{ json?: boolean }>().json === true;

  function out(data: unknown, human: () => string): void {
    io.stdout.write(json() ? JSON.stringify(data, null, 2) + '\n' : human() + '\n');
  }

  function config(): Config {
    return loadConfig(io.env);
  }

  /**
   * Opens the core (database, migrations, services) without serving, for one
   * command; background jobs run only with `runJobs` (e.g. the demo seed waits
   * for what it generates), and are handed back when the command ends.
   */
  async function withApp<T>(fn: (app: Core) => Promise<T>, opts: { runJobs?: boolean } = {}): Promise<T> {
    const c = config();
    const [{ openCore }, { createLogger }] = await Promise.all([import('../core.js'), import('../infra/logger.js')]);
    const app = await openCore({ ...c, jobs: { ...c.jobs, concurrency: opts.runJobs ? Math.max(c.jobs.concurrency, 2) : 0, pollMs: opts.runJobs ? 100 : c.jobs.pollMs } }, createLogger('warn'));
    if (opts.runJobs) await app.deps.jobs.start();
    if (app.createdAdminKey && !c.bootstrapApiKey) {
      io.stderr.write(`note: this database was new; its first admin key was created${app.adminKeyFile ? ` and written to ${app.adminKeyFile}` : ''}\n`);
    }
    try {
      return await fn(app);
    } finally {
      if (opts.runJobs) await app.deps.jobs.stop(c.shutdownTimeoutMs);
      await app.close();
    }
  }

  /** Acts on a team as the platform operator would (every scope). `ref` is a team id or name; default the first team. */
  async function teamContext(app: Core, ref: string | undefined): Promise<ServiceContext> {
    const prisma = app.deps.prisma;
    const team = ref
      ? ((await prisma.team.findUnique({ where: { id: ref } })) ?? (await prisma.team.findFirst({ where: { name: ref }, orderBy: { createdAt: 'asc' } })))
      : await prisma.team.findFirst({ orderBy: { createdAt: 'asc' } });
    if (!team) throw new UsageError(ref ? `no team with id or name "${ref}" (see: personagraph teams list)` : 'there is no team yet');
    return {
      deps: app.deps,
      requestId: 'cli',
      actor: { teamId: team.id, teamName: team.name, keyId: 'cli', keyName: 'command line', keyPrefix: '', scopes: new Set(SCOPES), rateLimitPerMinute: Number.MAX_SAFE_INTEGER },
    };
  }

  function bar(label: string): Progress {
    const b = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} rows`, stream: io.stderr, noTTYOutput: false, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    return { start: (total) => b.start(Math.max(total, 1), 0), tick: (n = 1) => b.increment(n), stop: () => b.stop() };
  }

  program
    .command('serve')
    .description('start the server (what npm start runs)')
    .addOption(new Option('--port <port>', 'port to listen on (PORT)').argParser(port))
    .option('--host <host>', 'address to listen on (HOST)')
    .action(async (o: { port?: string; host?: string }) => {
      if (o.port) process.env.PORT = o.port;
      if (o.host) process.env.HOST = o.host;
      await import('../main.js');
      await new Promise(() => {}); // the server runs until a signal stops the process
    });

  program
    .command('migrate')
    .description('apply the committed migrations to the configured database')
    .action(async () => {
      const db = await (await database()).openDatabase(config().database);
      try {
        out({ database: db.description, applied: db.appliedMigrations }, () =>
          db.appliedMigrations.length ? `applied ${db.appliedMigrations.join(', ')} to ${db.description}` : `${db.description} is up to date`,
        );
      } finally {
        await db.close();
      }
    });

  const teams = program.command('teams').description('tenants: each has its own keys and data');
  teams
    .command('create')
    .description('create a team and its first admin key (shown once)')
    .argument('<name>', 'the team name')
    .action(async (name: string) =>
      withApp(async (app) => {
        const ctx = await teamContext(app, undefined);
        const created = await (await auth()).createTeam(ctx, { name });
        out({ team: { id: created.team.id, name: created.team.name }, apiKey: { id: created.apiKey.id, key: created.secret, scopes: created.apiKey.scopes } }, () =>
          [`team ${created.team.name} (${created.team.id})`, `admin key (shown once): ${created.secret}`].join('\n'),
        );
      }),
    );
  teams
    .command('list')
    .description('list the teams')
    .action(async () =>
      withApp(async (app) => {
        const rows = await app.deps.prisma.team.findMany({ orderBy: { createdAt: 'asc' }, include: { _count: { select: { apiKeys: true } } } });
        const data = rows.map((t) => ({ id: t.id, name: t.name, keys: t._count.apiKeys, createdAt: t.createdAt.toISOString() }));
        out(data, () => (data.length ? data.map((t) => `${t.id}  ${t.name}  (${t.keys} key${t.keys === 1 ? '' : 's'})`).join('\n') : 'no teams'));
      }),
    );

  const keys = program.command('keys').description('API keys of a team');
  const teamOption = () => new Option('--team <id-or-name>', 'the team (default: the first team)');
  keys
    .command('create')
    .description('create an API key (the secret is shown once)')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <list>', `comma-separated scopes, or "all" (${SCOPES.filter((s) => s !== 'platform').join(', ')})`)
    .addOption(new Option('--rate-limit <perMinute>', 'requests per minute (default RATE_LIMIT_PER_MINUTE)').argParser(positiveInt))
    .option('--expires-at <iso>', 'when the key stops working (ISO 8601)')
    .addOption(teamOption())
    .action(async (o: { name: string; scopes: string; rateLimit?: number; expiresAt?: string; team?: string }) => {
      const scopes = o.scopes === 'all' ? SCOPES.filter((s) => s !== 'platform') : o.scopes.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = scopes.filter((s) => !isScope(s));
      if (!scopes.length || unknown.length) throw new UsageError(`unknown scope${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ') || '(none given)'}; known: ${SCOPES.join(', ')}`);
      if (o.expiresAt && Number.isNaN(Date.parse(o.expiresAt))) throw new UsageError('--expires-at must be an ISO 8601 date-time');
      await withApp(async (app) => {
        const ctx = await teamContext(app, o.team);
        const created = await (await auth()).createApiKey(ctx, { name: o.name, scopes, rateLimitPerMinute: o.rateLimit, expiresAt: o.expiresAt });
        out({ id: created.apiKey.id, key: created.secret, name: created.apiKey.name, scopes: created.apiKey.scopes, team: ctx.actor.teamId }, () =>
          [`key ${created.apiKey.id} for team ${ctx.actor.teamName}`, `secret (shown once): ${created.secret}`].join('\n'),
        );
      });
    });
  keys
    .command('list')
    .description('list a team’s keys (never their secrets)')
    .addOption(teamOption())
    .action(async (o: { team?: string }) =>
      withApp(async (app) => {
        const ctx = await teamContext(app, o.team);
        const now = new Date();
        const data = (await (await auth()).listApiKeys(ctx)).map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          scopes: k.scopes,
          status: k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= now ? 'expired' : 'active',
          lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
          createdAt: k.createdAt.toISOString(),
        }));
        out(data, () => data.map((k) => `${k.id}  ${k.prefix}…  ${k.status.padEnd(7)}  ${k.name}  [${k.scopes.join(' ')}]`).join('\n') || 'no keys');
      }),
    );
  keys
    .command('revoke')
    .description('revoke a key at once')
    .argument('<id>', 'the key id (see keys list)')
    .addOption(teamOption())
    .action(async (id: string, o: { team?: string }) =>
      withApp(async (app) => {
        const ctx = await teamContext(app, o.team);
        const key = await (await auth()).revokeApiKey(ctx, id);
        out({ id: key.id, revokedAt: key.revokedAt?.toISOString() }, () => `revoked ${key.id} (${key.name})`);
      }),
    );

  program
    .command('secrets')
    .description('stored user secrets')
    .command('rotate-master-key')
    .description('after setting SECRET_KEY to a new key (the old one in SECRET_KEYS_PREVIOUS), re-encrypt every secret under it')
    .action(async () => {
      const c = config();
      if (!c.secretKey) throw new UsageError('set SECRET_KEY to the new master key, and SECRET_KEYS_PREVIOUS to the old one(s), first');
      const [{ openDatabase }, { reencryptAll }, { reencryptConnectorHeaders }, { SecretVault }] = await Promise.all([
        database(),
        import('../modules/secrets/service.js'),
        import('../modules/evals/service.js'),
        import('../infra/vault.js'),
      ]);
      const db = await openDatabase(c.database);
      try {
        const vault = new SecretVault(c.secretKey, c.previousSecretKeys);
        const users = await reencryptAll(db.prisma, vault);
        const connectors = await reencryptConnectorHeaders(db.prisma, vault);
        const moved = users.moved + connectors.moved;
        const unreadable = [...users.unreadable, ...connectors.unreadable];
        out({ moved, unreadable }, () => `re-encrypted ${moved} secret(s) under the current key${unreadable.length ? `\ncould not decrypt (no matching key): ${unreadable.join(', ')}` : ''}`);
        if (unreadable.length) result.exitCode = 1;
      } finally {
        await db.close();
      }
    });

  program
    .command('export')
    .description('write a team’s data as JSON lines (to stdout or --out)')
    .addOption(teamOption())
    .option('--out <file>', 'file to write (default: stdout)')
    .option('--with-keys', 'include API key hashes (the old keys will work where this is imported)')
    .action(async (o: { team?: string; out?: string; withKeys?: boolean }) =>
      withApp(async (app) => {
        const ctx = await teamContext(app, o.team);
        const file = o.out ? createWriteStream(o.out, { encoding: 'utf8', mode: 0o600 }) : null;
        const write = (line: string) =>
          new Promise<void>((resolve, reject) => {
            const target = file ?? io.stdout;
            if (target.write(line + '\n')) resolve();
            else target.once('drain', resolve).once('error', reject);
          });
        const counts = await (await transfer()).exportTeam(app.deps.prisma, ctx.actor.teamId, write, { withKeys: o.withKeys, progress: o.out ? bar('export') : undefined });
        if (file) {
          await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
          const rows = Object.values(counts).reduce((a, b) => a + b, 0);
          out({ team: ctx.actor.teamId, file: o.out, rows, counts }, () => `exported ${rows} rows of team ${ctx.actor.teamName} to ${o.out}`);
        }
      }),
    );

  program
    .command('import')
    .description('load a team exported with `personagraph export` (ids kept; refused if the team exists)')
    .argument('<file>', 'the JSON lines file')
    .action(async (file: string) => {
      if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
      await withApp(async (app) => {
        const { team, counts } = await (await transfer()).importTeam(app.deps.prisma, file, { progress: bar('import') });
        const rows = Object.values(counts).reduce((a, b) => a + b, 0);
        out({ team, rows, counts }, () => `imported team ${team.name} (${team.id}): ${rows} rows`);
      });
    });

  program
    .command('seed')
    .description('load demo data: personas, an agent with a file and a skill, an influencer and profile with generated and published content, a scenario and an eval with its runs')
    .option('--demo', 'the demo data set (the only one there is)')
    .addOption(teamOption())
    .action(async (o: { demo?: boolean; team?: string }) => {
      if (!o.demo) throw new UsageError('say what to seed: --demo (the demo data set)');
      await withApp(
        async (app) => {
          const ctx = await teamContext(app, o.team);
          const { seedDemo } = await import('./seed.js');
          const b = new cliProgress.SingleBar({ format: 'seed [{bar}] {value}/{total} {step}', stream: io.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
          b.start(7, 0, { step: '' });
          let steps = 0;
          let result;
          try {
            result = await seedDemo(app, ctx, { step: (label) => b.update(steps++, { step: label }) });
            b.update(7, { step: 'done' });
          } finally {
            b.stop();
          }
          out({ team: ctx.actor.teamId, ...result }, () =>
            [
              `demo data for team ${ctx.actor.teamName}:`,
              `  EvalStudio project ${result.projectId} ("Demo: support QA"), eval ${result.evalId}, execution ${result.executionId} (pass rate ${result.passRate === null ? 'n/a' : Math.round(result.passRate * 100) + '%'})`,
              `  Autonomis user "demo" with agent "helpdesk" (${result.agentId}), a file and the skill "refunds"`,
              `  AutoPersonas influencer ${result.influencerId}, profile ${result.profileId}, batch ${result.batchId} (${result.contentItemIds.length} items; ${result.publishedItemId} published to sandbox account ${result.accountId})`,
              'Explore it: GET /api/v1/profiles, /api/v1/content, /api/projects/<project>/runs, /api/v1/users/demo/agents, or GraphiQL at /graphql.',
            ].join('\n'),
          );
        },
        { runJobs: true },
      );
    });
  return program;
}

/**
 * Runs the command line on `argv` (as process.argv: node and script first) and
 * resolves with the exit code; never exits the process (main.ts sets process.exitCode).
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const result = { exitCode: 0 };
  try {
    await createProgram(io, result).parseAsync(argv);
    return result.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // help/version, or usage errors (already printed)
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    if (isAppError(err)) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.httpStatus >= 500 ? 1 : 2;
    }
    if (err instanceof Error && err.name === 'DemoExistsError') {
      io.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Error && ['TransferError', 'DatabaseInUseError', 'MigrationError'].includes(err.name)) {
      io.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      io.stderr.write(`error: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}

