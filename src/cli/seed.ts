/**
 * `personagraph seed --demo`: a team's worth of demo data to explore every
 * part, made through the same services the API uses (so every rule holds)
 * and with the job queue running, so the generated parts exist when it ends:
 *
 *   EvalStudio   project "Demo: support QA" with two personas, a scenario with
 *                success criteria and a `contains` evaluator, an `agent`
 *                connector to the demo agent, an eval, and one finished execution
 *   Autonomis    user "demo" with agent "helpdesk" (deployed), a file and a skill
 *   AutoPersonas influencer "Mara Voss", profile "Mara on the trails" with a voice
 *                corpus and content directions, a batch of 3 generated items (one
 *                approved and published to a sandbox account), engagement snapshots
 *
 * Offline it all runs on the embedded providers. It refuses when the team
 * already has the demo project (seed once; delete the data to seed again).
 */
import type { Core } from '../core.js';
import type { ServiceContext } from '../context.js';

export const DEMO_PROJECT = 'Demo: support QA';

export interface SeedProgress {
  step(label: string): void;
}

export interface SeedResult {
  projectId: string;
  personaIds: string[];
  agentUser: string;
  agentId: string;
  influencerId: string;
  profileId: string;
  batchId: string;
  contentItemIds: string[];
  publishedItemId: string;
  accountId: string;
  scenarioId: string;
  evalId: string;
  executionId: number | null;
  passRate: number | null;
}

export class DemoExistsError extends Error {
  override name = 'DemoExistsError';
}

const SOUL = `You are Helpdesk, the support agent of Kettle & Co, a kitchenware shop.
Be warm and brief. Offer a refund or a replacement for anything that arrived broken,
and give delivery estimates (3–5 working days) when asked.`;

const SKILL = `---
name: refunds
description: How Kettle & Co handles refunds and replacements
---
# Refunds
- Broken on arrival: offer a refund or a replacement, customer's choice.
- Ask for the order number; no photos needed.
- Refunds land in 3–5 working days.
`;

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`the demo seed timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function seedDemo(app: Core, ctx: ServiceContext, progress: SeedProgress): Promise<SeedResult> {
  const { prisma } = app.deps;
  if (await prisma.project.findFirst({ where: { teamId: ctx.actor.teamId, name: DEMO_PROJECT } })) {
    throw new DemoExistsError(`team ${ctx.actor.teamName} already has the demo data (project "${DEMO_PROJECT}")`);
  }
  const [projects, personas, users, agents, files, skills, influencers, profiles, content, accounts, publishing, evals, engagement] = await Promise.all([
    import('../modules/projects/service.js'),
    import('../modules/personas/service.js'),
    import('../modules/users/service.js'),
    import('../modules/agents/service.js'),
    import('../modules/files/service.js'),
    import('../modules/skills/service.js'),
    import('../modules/influencers/service.js'),
    import('../modules/profiles/service.js'),
    import('../modules/content/service.js'),
    import('../modules/accounts/service.js'),
    import('../modules/publishing/service.js'),
    import('../modules/evals/service.js'),
    import('../modules/engagement/service.js'),
  ]);

  progress.step('project and personas');
  const project = await projects.createProject(ctx, { name: DEMO_PROJECT });
  const ian = await personas.createPersona(
    ctx,
    { name: 'Impatient Ian', description: 'A busy customer whose kettle arrived broken', systemPrompt: 'You are terse and in a hurry. Your new kettle arrived with a cracked lid and you want your money back.' },
    { projectId: project.id },
  );
  const pia = await personas.createPersona(
    ctx,
    { name: 'Polite Pia', description: 'A patient customer with a dented teapot', systemPrompt: 'You are polite and thorough. Your teapot arrived dented; you would like a refund or a new one.' },
    { projectId: project.id },
  );

  progress.step('agent user, agent, file and skill');
  await users.createUser(ctx, { username: 'demo' });
  const { created } = await agents.createAgents(ctx, 'demo', [{ name: 'helpdesk' }]);
  const agent = created[0]!.agent;
  await agents.setAgentTemplates(ctx, 'demo', 'helpdesk', { 'SOUL.md': SOUL });
  await files.writeAgentFile(ctx, agent.id, 'notes/faq.md', Buffer.from('# FAQ\n- Delivery: 3–5 working days.\n- Broken on arrival: refund or replacement.\n'), 'text/markdown');
  await skills.uploadSkill(ctx, 'demo', 'refunds', { contentType: 'text/markdown', read: async () => Buffer.from(SKILL) });
  await until('the agent to deploy', async () => ((await prisma.agent.findUnique({ where: { id: agent.id } }))?.status === 'online' ? true : null));

  progress.step('influencer and profile');
  const influencer = await influencers.createInfluencer(ctx, {
    name: 'Mara Voss',
    handle: 'maravoss',
    bio: 'Trail runner, early riser, coffee optimist.',
    niche: 'trail running',
    basePrompt: 'a trail runner in her thirties with freckles and an auburn braid, athletic build',
    aestheticGrade: 'golden-hour',
  });
  const profile = await profiles.createProfile(ctx, {
    name: 'Mara on the trails',
    influencerId: influencer.id,
    niche: 'trail running',
    description: 'Dawn runs, muddy shoes and honest gear notes.',
    contentDirections: [
      { title: 'Dawn miles', prompt: 'Mara at sunrise on a ridge trail, breath visible, first light' },
      { title: 'Gear that earned its place', prompt: 'Mara checking her vest and shoes before a long run' },
    ],
    voiceCorpus: [
      'Dawn miles hit different ☕ #trailmornings',
      'Mud is just nature’s glitter. Ask my shoes. #trailmornings',
      'Slow is smooth, smooth is far.',
    ],
  });

  progress.step('a content batch (3 items)');
  const generated = await content.generateContent(ctx, { profileId: profile.id, count: 3 });
  if (generated.dryRun) throw new Error('unexpected dry run');
  const batch = generated.batch;
  await until('the batch to finish', async () => {
    const b = await prisma.batch.findUnique({ where: { id: batch.id } });
    return b && (b.status === 'completed' || b.status === 'failed') ? b : null;
  });
  const items = await prisma.contentItem.findMany({ where: { batchId: batch.id }, orderBy: { position: 'asc' } });
  const first = items.find((i) => i.status === 'pending_review');
  if (!first) throw new Error('the demo batch made no item');

  progress.step('approve and publish to a sandbox account');
  await content.approveContentItem(ctx, first.id);
  const { account } = await accounts.connectAccount(ctx, { profileId: profile.id, platform: 'sandbox', handle: 'maravoss' });
  await publishing.publish(ctx, first.id, {});
  await until('the post to be published', async () => {
    const p = await prisma.publication.findFirst({ where: { contentItemId: first.id } });
    return p && (p.status === 'published' || p.status === 'failed') ? p : null;
  });
  await engagement.captureEngagement(app.deps, { teamId: ctx.actor.teamId });

  progress.step('scenario, connector and eval');
  const connector = await evals.createConnector(ctx, project.id, { name: 'helpdesk agent', type: 'agent', config: { agentId: agent.id } });
  const scenario = await evals.createScenario(ctx, project.id, {
    name: 'Broken on arrival',
    instructions: 'Your order arrived broken. Get a refund or a replacement.',
    maxMessages: 6,
    successCriteria: 'The agent offers a refund or a replacement',
    evaluators: [{ type: 'contains', config: { value: 'refund' } }],
    personaIds: [ian.id, pia.id],
  });
  const evaluation = await evals.createEval(ctx, project.id, { name: 'Refund handling', connectorId: connector.id, scenarioIds: [scenario.id] });

  progress.step('run the eval');
  const started = await evals.startEval(ctx, project.id, { evalId: evaluation.id });
  const executionId = started[0]?.executionId ?? null;
  const finished = await until('the eval runs to finish', async () => {
    const rows = await prisma.evalRun.findMany({ where: { id: { in: started.map((r) => r.id) } } });
    return rows.every((r) => r.status === 'completed' || r.status === 'error') ? rows : null;
  });
  const done = finished.filter((r) => r.status === 'completed');
  const passed = done.filter((r) => (r.result as { success?: boolean } | null)?.success === true).length;

  return {
    projectId: project.id,
    personaIds: [ian.id, pia.id],
    agentUser: 'demo',
    agentId: agent.id,
    influencerId: influencer.id,
    profileId: profile.id,
    batchId: batch.id,
    contentItemIds: items.map((i) => i.id),
    publishedItemId: first.id,
    accountId: account.id,
    scenarioId: scenario.id,
    evalId: evaluation.id,
    executionId,
    passRate: finished.length ? passed / finished.length : null,
  };
}
