/**
 * Calling the system under test. One `invoke` (and one connection test) for
 * the three connector types, each in a file of its own:
 *   - langgraph (connector-langgraph.ts): a LangGraph server's thread, sent
 *     only the messages it has not seen;
 *   - http (connector-http.ts): an OpenAI-compatible chat completions endpoint,
 *     sent the whole conversation;
 *   - agent (connector-agent.ts): the team's personagraph agent, in-process.
 * Request headers: content type, then the connector's headers, then the
 * persona's (a persona header replaces a connector header of the same name,
 * whatever its case); outbound HTTP goes through safeFetch (SSRF guard), both
 * in connector-request.ts. Failures are results (`success: false`), never
 * exceptions. The rest of the module calls connectors through this file.
 */
import type { EvalConnector } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { failure, type InvokeRequest, type InvokeResult, type TestResult } from './connector-request.js';
import { invokeLangGraph, testLangGraph } from './connector-langgraph.js';
import { invokeHttp, testHttp } from './connector-http.js';
import { invokeAgent, testAgent } from './connector-agent.js';

export type { InvokeRequest, InvokeResult, RunMessage, TestResult, TokensUsage, ToolCallOut } from './connector-request.js';
export { recoverLangGraphTurn } from './connector-langgraph.js';

export async function invokeConnector(ctx: ServiceContext, c: EvalConnector, req: InvokeRequest): Promise<InvokeResult> {
  switch (c.type) {
    case 'langgraph':
      return invokeLangGraph(ctx, c, req);
    case 'http':
      return invokeHttp(ctx, c, req);
    case 'agent':
      return invokeAgent(ctx, c, req);
    default:
      return failure(performance.now(), `Unknown connector type: "${c.type}"`);
  }
}

export async function testConnector(ctx: ServiceContext, c: EvalConnector): Promise<TestResult> {
  switch (c.type) {
    case 'langgraph':
      return testLangGraph(ctx, c);
    case 'agent':
      return testAgent(ctx, c);
    case 'http':
      return testHttp(ctx, c);
    default:
      return { success: false, latencyMs: 0, error: `Unknown connector type: "${c.type}"` };
  }
}
