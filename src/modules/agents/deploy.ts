/**
 * Deploys: creating agents or changing their templates, tool config or
 * provider queues a DeployJob and a durable `agents.deploy` job
 * (src/infra/jobs.ts) in the same transaction as the change; any worker runs
 * it after commit, one deploy at a time per user (a later one waits for the
 * earlier ones), and a deploy a stopped process left unfinished runs again
 * (its steps are idempotent). Each agent goes through four steps, each
 * recorded with status and detail, written to the runtime log and published
 * on `deploy.progress`:
 *
 *   validate-provider-and-model  the provider resolves and (openai) lists the model, within AGENT_CHECK_TIMEOUT_MS
 *   render-templates             the effective templates compose a system prompt
 *   check-skills                 every installed skill still matches its pinned sha256
 *   go-online                    the agent is marked online
 *
 * An agent whose step fails is marked `failed` (the reason is the step's
 * detail) and skips its remaining steps; the deploy ends `failed` naming
 * every failed agent, else `succeeded`. A deploy never stays `running`:
 * unexpected errors are retried by the job queue and, once it gives up, end
 * the deploy `failed`.
 */
import type { DeployJob, Prisma } from '../../generated/prisma/client.js';
import type { Deps, ServiceContext } from '../../context.js';
import { jobContext } from '../../context.js';
import { DeferJob } from '../../infra/jobs.js';
import { sha256Hex } from '../../infra/crypto.js';
import { writeLog } from '../logs/service.js';
import type { DeployAgentState, DeployJobStatus, DeployProgressEvent, DeployStep, DeployStepName } from './events.js';
import { checkAgentProvider } from './runtime.js';
import { composeSystemPrompt, effectiveTemplates, TEMPLATE_NAMES } from './templates.js';

export const DEPLOY_STEPS: DeployStepName[] = ['validate-provider-and-model', 'render-templates', 'check-skills', 'go-online'];

class DeployStepError extends Error {}

type Tx = Prisma.TransactionClient;

export const DEPLOY_JOB = 'agents.deploy';

/** Queues a deploy of these agents (inside the caller's transaction) and marks them deploying; call scheduleDeploy after commit. */
export async function queueDeploy(ctx: ServiceContext, tx: Tx, userId: string, agents: { id: string; name: string }[]): Promise<DeployJob> {
  const steps: DeployStep[] = DEPLOY_STEPS.flatMap((name) =>
    agents.map((a) => ({ name, agentId: a.id, agent: a.name, status: 'pending' as const, detail: null })),
  );
  await tx.agent.updateMany({ where: { id: { in: agents.map((a) => a.id) } }, data: { status: 'deploying' } });
  const deploy = await tx.deployJob.create({ data: { teamId: ctx.actor.teamId, userId, status: 'queued', steps: steps as unknown as Prisma.InputJsonValue } });
  await ctx.deps.jobs.enqueue(DEPLOY_JOB, { deployJobId: deploy.id }, { teamId: ctx.actor.teamId, tx });
  return deploy;
}

/** After the transaction that queued a deploy committed: start it now rather than at the next poll. */
export function scheduleDeploy(ctx: ServiceContext): void {
  ctx.deps.jobs.kick();
}

/** How long a deploy waits before looking again whether the user's earlier deploys have finished. */
const WAIT_FOR_EARLIER_MS = 200;

export function registerDeployJobs(deps: Deps): void {
  deps.jobs.register<{ deployJobId: string }>(DEPLOY_JOB, {
    maxAttempts: 3,
    backoffMs: 1000,
    async run({ deployJobId }, jc) {
      const job = await deps.prisma.deployJob.findUnique({ where: { id: deployJobId } });
      if (!job || job.status === 'succeeded' || job.status === 'failed') return; // the user was deleted, or it already ran
      // One deploy at a time per user, in the order they were queued.
      const earlier = await deps.prisma.deployJob.count({
        where: { userId: job.userId, status: { in: ['queued', 'running'] }, id: { not: job.id }, OR: [{ createdAt: { lt: job.createdAt } }, { createdAt: job.createdAt, id: { lt: job.id } }] },
      });
      if (earlier) throw new DeferJob(WAIT_FOR_EARLIER_MS, 'an earlier deploy of this user is still running');
      await runDeploy(jobContext(deps, job.teamId, jc.job.id), deployJobId);
    },
    async onFailed({ deployJobId }, _error, job) {
      await endAborted(jobContext(deps, job.teamId ?? '', job.id), deployJobId, 'deploy aborted by an internal error');
    },
  });
}

function stepsOf(job: Pick<DeployJob, 'steps'>): DeployStep[] {
  return Array.isArray(job.steps) ? (job.steps as unknown as DeployStep[]) : [];
}

/** The status view of a job, with the current status of its agents. */
export function deployView(job: DeployJob, agents: { id: string; name: string; status: string }[]): DeployProgressEvent {
  const steps = stepsOf(job);
  const byId = new Map(agents.map((a) => [a.id, a]));
  const seen = new Map<string, DeployAgentState>();
  for (const s of steps) {
    if (!seen.has(s.agentId)) {
      const row = byId.get(s.agentId);
      seen.set(s.agentId, { id: s.agentId, name: row?.name ?? s.agent, status: row?.status ?? 'deleted', error: null });
    }
    if (s.status === 'failed') seen.get(s.agentId)!.error = `${s.name}: ${s.detail ?? 'failed'}`;
  }
  return {
    id: job.id,
    userId: job.userId,
    status: job.status as DeployJobStatus,
    progress: job.progress,
    steps,
    error: job.error,
    agents: [...seen.values()],
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}

async function viewWithAgents(ctx: ServiceContext, job: DeployJob): Promise<DeployProgressEvent> {
  const ids = [...new Set(stepsOf(job).map((s) => s.agentId))];
  const agents = await ctx.deps.prisma.agent.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, status: true } });
  return deployView(job, agents);
}

/** The user's latest deploy (null if none). */
export async function latestDeploy(ctx: ServiceContext, userId: string): Promise<DeployProgressEvent | null> {
  const job = await ctx.deps.prisma.deployJob.findFirst({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return job ? viewWithAgents(ctx, job) : null;
}

/** Ends a deploy that cannot finish: unfinished steps skipped, its deploying agents failed. */
async function endAborted(ctx: ServiceContext, jobId: string, error: string): Promise<void> {
  const { prisma, pubsub } = ctx.deps;
  const job = await prisma.deployJob.findUnique({ where: { id: jobId } });
  if (!job) return;
  const steps = stepsOf(job);
  for (const s of steps) if (s.status === 'pending' || s.status === 'running') (s.status = 'skipped'), (s.detail = error);
  await prisma.deployJob.updateMany({ where: { id: jobId }, data: { status: 'failed', error, steps: steps as unknown as Prisma.InputJsonValue } });
  await prisma.agent.updateMany({ where: { id: { in: steps.map((s) => s.agentId) }, status: 'deploying' }, data: { status: 'failed' } });
  const ended = await prisma.deployJob.findUnique({ where: { id: jobId } });
  if (ended) pubsub.publish('deploy.progress', job.userId, await viewWithAgents(ctx, ended));
}

async function runDeploy(ctx: ServiceContext, jobId: string): Promise<void> {
  const { prisma, pubsub } = ctx.deps;
  let job = await prisma.deployJob.findUnique({ where: { id: jobId } });
  if (!job) return; // the user was deleted meanwhile
  const userId = job.userId;
  // A rerun (the previous worker stopped) starts the steps over: each is idempotent.
  const steps: DeployStep[] = stepsOf(job).map((s) => ({ ...s, status: 'pending', detail: null }));
  const total = steps.length || 1;
  const failures = new Map<string, string>();

  const save = async (data: { status?: DeployJobStatus; error?: string | null }) => {
    const done = steps.filter((s) => s.status !== 'pending' && s.status !== 'running').length;
    job = await prisma.deployJob.update({
      where: { id: jobId },
      data: { ...data, steps: steps as unknown as Prisma.InputJsonValue, progress: Math.round((done / total) * 100) },
    });
    pubsub.publish('deploy.progress', userId, await viewWithAgents(ctx, job));
  };

  /** Sets an agent's status unless a later queued job will deploy it again. */
  const setAgentStatus = async (agentId: string, status: 'online' | 'failed') => {
    const later = await prisma.deployJob.findMany({
      where: { userId, status: { in: ['queued', 'running'] }, id: { not: jobId }, createdAt: { gte: job!.createdAt } },
      select: { steps: true },
    });
    if (later.some((j) => stepsOf(j).some((s) => s.agentId === agentId))) return;
    await prisma.agent.updateMany({ where: { id: agentId }, data: { status } });
  };

  try {
    await save({ status: 'running', error: null });
    await writeLog(ctx, { userId, level: 'info', message: `deploy started: ${new Set(steps.map((s) => s.agentId)).size} agent(s)`, data: { jobId } });
    const agents = await prisma.agent.findMany({
      where: { id: { in: [...new Set(steps.map((s) => s.agentId))] } },
      include: { user: true, persona: true },
    });
    const byId = new Map(agents.map((a) => [a.id, a]));

    for (const name of DEPLOY_STEPS) {
      for (const step of steps.filter((s) => s.name === name)) {
        const agent = byId.get(step.agentId);
        if (!agent || failures.has(step.agentId)) {
          step.status = 'skipped';
          step.detail = !agent ? 'the agent no longer exists' : 'an earlier step failed';
          continue;
        }
        step.status = 'running';
        await save({});
        try {
          step.detail = await STEP_RUNNERS[name](ctx, agent, setAgentStatus);
          step.status = 'succeeded';
          await writeLog(ctx, { userId, agentId: agent.id, level: 'info', message: `deploy ${name}: ${step.detail}`, data: { jobId, step: name } });
        } catch (err) {
          const reason = err instanceof DeployStepError ? err.message : 'internal error';
          if (!(err instanceof DeployStepError)) ctx.deps.log.error({ err, jobId, step: name }, 'deploy step failed unexpectedly');
          step.status = 'failed';
          step.detail = reason;
          failures.set(agent.id, `${agent.name}: ${name} failed: ${reason}`);
          await setAgentStatus(agent.id, 'failed');
          await writeLog(ctx, { userId, agentId: agent.id, level: 'error', message: `deploy ${name} failed: ${reason}`, data: { jobId, step: name } });
        }
        await save({});
      }
    }
    const error = failures.size ? [...failures.values()].join('; ') : null;
    await save({ status: failures.size ? 'failed' : 'succeeded', error });
    await writeLog(ctx, {
      userId,
      level: failures.size ? 'error' : 'info',
      message: failures.size ? `deploy failed: ${error}` : 'deploy succeeded: every agent is online',
      data: { jobId },
    });
  } catch (err) {
    // Retried by the job queue; once it gives up, onFailed ends the deploy failed (never left running).
    ctx.deps.log.error({ err, jobId }, 'deploy attempt failed');
    throw err;
  }
}

type AgentRow = Prisma.AgentGetPayload<{ include: { user: true; persona: true } }>;
type StepRunner = (ctx: ServiceContext, agent: AgentRow, setStatus: (agentId: string, s: 'online' | 'failed') => Promise<void>) => Promise<string>;

const STEP_RUNNERS: Record<DeployStepName, StepRunner> = {
  async 'validate-provider-and-model'(ctx, agent) {
    const check = await checkAgentProvider(ctx.deps.config, agent);
    if (!check.ok) throw new DeployStepError(check.error ?? 'the provider check failed');
    return check.provider === 'openai'
      ? `openai, model ${check.model} offered (the provider answered in ${check.latencyMs} ms)`
      : `embedded, model ${check.model}`;
  },
  async 'render-templates'(ctx, agent) {
    const templates = await effectiveTemplates(ctx, agent);
    const skills = await ctx.deps.prisma.skill.findMany({ where: { userId: agent.userId }, select: { name: true, description: true }, orderBy: { slug: 'asc' } });
    const prompt = await composeSystemPrompt(ctx, agent, { skills });
    return `${TEMPLATE_NAMES.map((n) => `${n} (${templates[n].source})`).join(', ')}; system prompt of ${prompt.length} characters`;
  },
  async 'check-skills'(ctx, agent) {
    const skills = await ctx.deps.prisma.skill.findMany({ where: { userId: agent.userId }, orderBy: { slug: 'asc' } });
    for (const s of skills) {
      if (sha256Hex(s.content) !== s.sha256) throw new DeployStepError(`skill ${s.slug} does not match its pinned sha256`);
    }
    return skills.length ? `${skills.length} skill(s) verified: ${skills.map((s) => s.slug).join(', ')}` : 'no skills installed';
  },
  async 'go-online'(_ctx, agent, setStatus) {
    await setStatus(agent.id, 'online');
    return 'online';
  },
};
