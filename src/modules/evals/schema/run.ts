/** EvalRun: one conversation of a persona with the connector under test. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import * as evals from '../service.js';
import { JudgeDecision } from './events.js';

export const EvalRun = builder.prismaObject('EvalRun', {
  authScopes: readableWith.evals,
  description: 'One conversation of a persona with the connector under test; its events stream on evalRunEvents.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'queued | pending (waiting for a concurrency slot) | running | completed | error' }),
    executionId: t.exposeInt('executionId', { nullable: true, description: 'Shared by the runs one start of an eval made.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    latencyMs: t.exposeInt('latencyMs', { nullable: true, description: 'Total time the connector took to answer.' }),
    threadId: t.exposeString('threadId', { nullable: true }),
    messages: t.expose('messages', { type: 'JSON', description: 'The transcript, the simulated user’s system prompt first.' }),
    output: t.expose('output', { type: 'JSON', nullable: true }),
    result: t.expose('result', { type: 'JSON', nullable: true, description: '{success, verdict, score, reason}' }),
    decision: t.field({ type: JudgeDecision, nullable: true, description: 'pass, fail or inconclusive once completed (success is true only for pass).', resolve: (r) => evals.resultDecision(r.result) }),
    success: t.boolean({ nullable: true, resolve: (r) => (r.result as { success?: boolean } | null)?.success ?? null }),
    score: t.float({ nullable: true, resolve: (r) => (r.result as { score?: number } | null)?.score ?? null }),
    error: t.exposeString('error', { nullable: true }),
    eval: t.relation('eval', { nullable: true }),
    scenario: t.relation('scenario'),
    persona: t.relation('persona', { nullable: true }),
    connector: t.relation('connector', { nullable: true }),
    project: t.relation('project'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

registerNode('EvalRun', (ctx, id) => evals.getRunById(ctx, id));
