/**
 * Deploys: creating agents or changing their templates, tool config or
 * provider queues a DeployJob in the same transaction as the change; after
 * commit it runs in the background, one job at a time per user (in this
 * process). Each agent goes through four steps, each recorded with status and
 * detail, written to the runtime log and published on `deploy.progress`:
 *
 *   validate-provider-and-model  the provider resolves and (openai) lists the model, within AGENT_CHECK_TIMEOUT_MS
 *   render-templates             the effective templates compose a system prompt
 *   check-skills                 every installed skill still matches its pinned sha256
 *   go-online                    the agent is marked online
 *
 * An agent whose step fails is marked `failed` (the reason is the step's
 * detail) and skips its remaining steps; the job ends `failed` naming every
 * failed agent, else `succeeded`. A job never stays `running`: unexpected
 * errors end it `failed`, and a job left behind by a stopped process is
 * reported `failed` ("interrupted") once it has not moved for a while.
 */
import type { DeployJob, Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { sha256Hex } from '../../infra/crypto.js';
import { writeLog } from '../logs/service.js';
import type { DeployAgentState, DeployJobStatus, DeployProgressEvent, DeployStep, DeployStepName } from './events.js';
import { checkAgentProvider } from './runtime.js';
import { composeSystemPrompt, effectiveTemplates, TEMPLATE_NAMES } from './templates.js';

export const DEPLOY_STEPS: DeployStepName[] = ['validate-provider-and-model', 'render-templates', 'check-skills', 'go-online'];

class DeployStepError extends Error {}

type Tx = Prisma.TransactionClient;

/** Queues a deploy of these agents (inside the caller's transaction) and marks them deploying. */
export async function queueDeploy(tx: Tx, teamId: string, userId: string, agents: { id: string; name: string }[]): Promise<DeployJob> {
  const steps: DeployStep[] = DEPLOY_STEPS.flatMap((name) =>
    agents.map((a) => ({ name, agentId: a.id, agent: a.name, status: 'pending' as const, detail: null })),
  );
  await tx.agent.updateMany({ where: { id: { in: agents.map((a) => a.id) } }, data: { status: 'deploying' } });
  return tx.deployJob.create({ data: { teamId, userId, status: 'queued', steps: steps as unknown as Prisma.InputJsonValue } });
}

/** Jobs this process has queued or is running (never reported as interrupted). */
const inFlight = new Set<string>();
/** The tail of each user's chain of jobs. */
const chains = new Map<string, Promise<void>>();

/** Runs a queued job in the background, after the user's earlier jobs. Call after commit. */
export function scheduleDeploy(ctx: ServiceContext, job: DeployJob): void {
  inFlight.add(job.id);
  const previous = chains.get(job.userId) ?? Promise.resolve();
  const next = previous
    .then(() => runDeploy(ctx, job.id))
    .catch((err: unknown) => ctx.deps.log.error({ err, jobId: job.id }, 'deploy failed unexpectedly'))
    .finally(() => {
      inFlight.delete(job.id);
      if (chains.get(job.userId) === next) chains.delete(job.userId);
    });
  chains.set(job.userId, next);
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

/** How long a job may sit without progress before a reader reports it interrupted. */
function staleAfterMs(ctx: ServiceContext): number {
  return 60_000 + 10 * ctx.deps.config.agentCheckTimeoutMs;
}

/** The user's latest deploy (null if none), ending a job a stopped process left behind. */
export async function latestDeploy(ctx: ServiceContext, userId: string): Promise<DeployProgressEvent | null> {
  let job = await ctx.deps.prisma.deployJob.findFirst({ where: { userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  if (!job) return null;
  if ((job.status === 'queued' || job.status === 'running') && !inFlight.has(job.id) && Date.now() - job.updatedAt.getTime() > staleAfterMs(ctx)) {
    const error = 'deploy interrupted: the server stopped before it finished; change the agents again to redeploy';
    const ended = await ctx.deps.prisma.deployJob.updateMany({ where: { id: job.id, updatedAt: job.updatedAt }, data: { status: 'failed', error } });
    if (ended.count) {
      const ids = [...new Set(stepsOf(job).map((s) => s.agentId))];
      await ctx.deps.prisma.agent.updateMany({ where: { id: { in: ids }, status: 'deploying' }, data: { status: 'failed' } });
    }
    job = await ctx.deps.prisma.deployJob.findUniqueOrThrow({ where: { id: job.id } });
  }
  return viewWithAgents(ctx, job);
}

async function runDeploy(ctx: ServiceContext, jobId: string): Promise<void> {
  const { prisma, pubsub } = ctx.deps;
  let job = await prisma.deployJob.findUnique({ where: { id: jobId } });
  if (!job) return; // the user was deleted meanwhile
  const userId = job.userId;
  const steps = stepsOf(job);
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
    await save({ status: 'running' });
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
    // Never left running: whatever went wrong, the job and its unfinished agents end failed.
    ctx.deps.log.error({ err, jobId }, 'deploy aborted');
    const error = 'deploy aborted by an internal error';
    for (const s of steps) if (s.status === 'pending' || s.status === 'running') (s.status = 'skipped'), (s.detail = error);
    try {
      await prisma.deployJob.updateMany({ where: { id: jobId }, data: { status: 'failed', error, steps: steps as unknown as Prisma.InputJsonValue } });
      await prisma.agent.updateMany({ where: { id: { in: steps.map((s) => s.agentId) }, status: 'deploying' }, data: { status: 'failed' } });
      const ended = await prisma.deployJob.findUnique({ where: { id: jobId } });
      if (ended) pubsub.publish('deploy.progress', userId, await viewWithAgents(ctx, ended));
    } catch (inner) {
      ctx.deps.log.warn({ err: inner, jobId }, 'could not record the aborted deploy');
    }
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
