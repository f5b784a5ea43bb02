/**
 * An agent's tool configuration (Agent.config, changed with PATCH …/config).
 * Everything is off by default: the files tool (read, write, list the
 * agent's workspace) and the HTTP fetch tool, which also refuses private and
 * loopback addresses unless `allowPrivateNetworks`, and when `allowedHosts`
 * is non-empty fetches only those hosts (`*.example.com` matches subdomains).
 */
import type { Agent } from '../../generated/prisma/client.js';
import type { AgentConfigPatch } from './inputs.js';

export interface AgentToolConfig {
  files: boolean;
  http: { enabled: boolean; allowPrivateNetworks: boolean; allowedHosts: string[] };
}

export interface StoredAgentConfig {
  tools: AgentToolConfig;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The typed tool config with defaults filled in. */
export function agentToolConfig(agent: Pick<Agent, 'config'>): AgentToolConfig {
  const tools = obj(obj(agent.config).tools);
  const http = obj(tools.http);
  return {
    files: tools.files === true,
    http: {
      enabled: http.enabled === true,
      allowPrivateNetworks: http.allowPrivateNetworks === true,
      allowedHosts: Array.isArray(http.allowedHosts) ? http.allowedHosts.filter((h): h is string => typeof h === 'string') : [],
    },
  };
}

/** Merges a validated PATCH into the current config. */
export function mergeAgentConfig(agent: Pick<Agent, 'config'>, patch: AgentConfigPatch): StoredAgentConfig {
  const current = agentToolConfig(agent);
  return {
    tools: {
      files: patch.tools.files ?? current.files,
      http: {
        enabled: patch.tools.http?.enabled ?? current.http.enabled,
        allowPrivateNetworks: patch.tools.http?.allowPrivateNetworks ?? current.http.allowPrivateNetworks,
        allowedHosts: patch.tools.http?.allowedHosts ?? current.http.allowedHosts,
      },
    },
  };
}
