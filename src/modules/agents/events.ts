/** Deploy progress: published by src/modules/agents/deploy.ts on topic `deploy.progress`, keyed by user id. */
export type DeployJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type DeployStepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';
export type DeployStepName = 'validate-provider-and-model' | 'render-templates' | 'check-skills' | 'go-online';

export interface DeployStep {
  name: DeployStepName;
  agentId: string;
  agent: string;
  status: DeployStepStatus;
  detail: string | null;
}

export interface DeployAgentState {
  id: string;
  name: string;
  /** deploying | online | failed; `deleted` when the agent is gone. */
  status: string;
  /** Why this agent failed in this deploy. */
  error: string | null;
}

/** The deploy status REST returns and the subscription pushes: the same shape. */
export interface DeployProgressEvent {
  id: string;
  userId: string;
  status: DeployJobStatus;
  progress: number;
  steps: DeployStep[];
  error: string | null;
  agents: DeployAgentState[];
  createdAt: string;
  updatedAt: string;
}
