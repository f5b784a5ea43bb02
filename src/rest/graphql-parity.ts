/**
 * Every REST route's GraphQL counterpart, so the graph stays the whole product
 * and REST a thin adapter: keyed by "METHOD /path" exactly as in the route
 * table, the value names the root field or type field that does the same
 * thing ("Mutation.createAgent", "Query.agent", "Agent.files"), or, for the
 * few routes that have none, `{ none: 'why' }`. test/graphql-parity.test.ts
 * fails when a route is missing here or names a field the schema lacks.
 *
 * One block per module, in the route table's order (src/rest/routes.ts), so
 * parallel changes merge cleanly: add a new route's entry to its module's block.
 */
export type Counterpart = string | { none: string };

const RAW_BYTES = 'raw bytes for <img>/<audio>/downloads: the graph answers the URL of the same bytes';

export const graphqlCounterparts: Record<string, Counterpart> = {
  // --- health and docs (src/rest/routes.ts, src/modules/auth/rest.ts, src/modules/llm-catalog/rest.ts)
  'GET /api/v1/health': { none: 'liveness probe for load balancers, answered without a key; it has no data' },
  'GET /api/status': { none: 'EvalStudio’s server status probe, answered without a key; it has no data' },
  'GET /api/v1/openapi.json': { none: 'the description of the REST paths themselves (the graph describes itself by introspection and schema.graphql)' },

  // --- auth (src/modules/auth/rest.ts)
  'GET /api/v1/me': 'Query.me',
  'POST /api/v1/api-keys': 'Mutation.createApiKey',
  'GET /api/v1/api-keys': 'Query.apiKeys',
  'DELETE /api/v1/api-keys/:id': 'Mutation.revokeApiKey',
  'POST /api/v1/api-keys/:id/rotate': 'Mutation.rotateApiKey',
  'POST /api/v1/teams': 'Mutation.createTeam',

  // --- personas: Autousers (src/modules/personas/rest.ts)
  'POST /api/v1/autousers': 'Mutation.createPersona',
  'GET /api/v1/autousers': 'Query.personas',
  'GET /api/v1/autousers/:id': 'Query.persona',
  'PATCH /api/v1/autousers/:id': 'Mutation.updatePersona',
  'DELETE /api/v1/autousers/:id': 'Mutation.deletePersona',

  // --- projects (src/modules/projects/rest.ts)
  'GET /api/projects': 'Query.projects',
  'POST /api/projects': 'Mutation.createProject',
  'DELETE /api/projects/:projectId': 'Mutation.deleteProject',
  'GET /api/projects/:projectId/config': 'Project.config',
  'PUT /api/projects/:projectId/config': 'Mutation.updateProjectConfig',
  'GET /api/workspace': 'Query.workspace',
  'PUT /api/workspace': 'Mutation.updateWorkspace',
  'POST /api/projects/:projectId/images': 'Mutation.uploadProjectImage',
  'GET /api/projects/:projectId/images/:id': { none: RAW_BYTES },
  'DELETE /api/projects/:projectId/images/:id': 'Mutation.deleteProjectImage',

  // --- personas: EvalStudio (src/modules/personas/rest.ts)
  'GET /api/projects/:projectId/personas': 'Project.personas',
  'POST /api/projects/:projectId/personas': 'Mutation.createPersona',
  'GET /api/projects/:projectId/personas/:id': 'Query.persona',
  'PUT /api/projects/:projectId/personas/:id': 'Mutation.updatePersona',
  'DELETE /api/projects/:projectId/personas/:id': 'Mutation.deletePersona',
  'POST /api/projects/:projectId/personas/:id/generate-image': 'Mutation.generatePersonaImage',

  // --- users (src/modules/users/rest.ts)
  'POST /api/v1/users': 'Mutation.createAgentUser',
  'GET /api/v1/users': 'Query.agentUsers',
  'GET /api/v1/users/:user': 'Query.agentUser',
  'DELETE /api/v1/users/:user': 'Mutation.deleteAgentUser',
  'PUT /api/v1/users/:user/tier': 'Mutation.setAgentUserTier',

  // --- agents (src/modules/agents/rest.ts)
  'POST /api/v1/users/:user/agents': 'Mutation.createAgents',
  'GET /api/v1/users/:user/agents': 'AgentUser.agents',
  'GET /api/v1/users/:user/agents/:agent': 'Query.agent',
  'DELETE /api/v1/users/:user/agents/:agent': 'Mutation.deleteAgent',
  'POST /api/v1/users/:user/agents/:agent/rotate-key': 'Mutation.rotateAgentKey',
  'GET /api/v1/users/:user/agents/:agent/ping': 'Agent.ping',
  'GET /api/v1/users/:user/agents/:agent/connect': 'Agent.connect',
  'GET /api/v1/users/:user/agents/:agent/templates': 'Agent.templates',
  'PUT /api/v1/users/:user/agents/:agent/templates': 'Mutation.setAgentTemplates',
  'PATCH /api/v1/users/:user/agents/:agent/config': 'Mutation.updateAgentConfig',
  'GET /api/v1/users/:user/agent-templates': 'AgentUser.defaultTemplates',
  'PUT /api/v1/users/:user/agent-templates': 'Mutation.setUserAgentTemplates',
  'GET /api/v1/users/:user/deploy/status': 'AgentUser.deployStatus',

  // --- logs (src/modules/logs/rest.ts)
  'GET /api/v1/users/:user/logs': 'AgentUser.logs',

  // --- secrets (src/modules/secrets/rest.ts)
  'PUT /api/v1/users/:user/secrets': 'Mutation.setSecrets',
  'GET /api/v1/users/:user/secrets': 'AgentUser.secrets',
  'DELETE /api/v1/users/:user/secrets/:key': 'Mutation.deleteSecret',

  // --- workspace files (src/modules/files/rest.ts)
  'GET /api/v1/users/:user/agents/:agent/files': 'Agent.files',
  'PUT /api/v1/users/:user/agents/:agent/files': { none: 'refuses a write without a file path (400); writeAgentFile’s path is a required argument' },
  'DELETE /api/v1/users/:user/agents/:agent/files': { none: 'refuses a delete without a file path (400); deleteAgentFile’s path is a required argument' },
  'GET /api/v1/users/:user/agents/:agent/files/*': 'Agent.file',
  'PUT /api/v1/users/:user/agents/:agent/files/*': 'Mutation.writeAgentFile',
  'DELETE /api/v1/users/:user/agents/:agent/files/*': 'Mutation.deleteAgentFile',

  // --- skills (src/modules/skills/rest.ts)
  'PUT /api/v1/users/:user/skills/:id/file': 'Mutation.uploadSkill',
  'DELETE /api/v1/users/:user/skills/:id/file': 'Mutation.deleteSkill',
  'POST /api/v1/users/:user/skills/:slug/registry-install': 'Mutation.installSkill',

  // --- chat (src/modules/chat/rest.ts)
  'POST /api/v1/users/:user/agents/:agent/chat': 'Mutation.startChatRun',
  'POST /api/v1/users/:user/agents/:agent/chat/stream': 'Subscription.chatRunEvents',

  // --- usage (src/modules/usage/rest.ts)
  'GET /api/v1/users/:user/usage': 'Query.usage',

  // --- influencers (src/modules/influencers/rest.ts)
  'GET /api/v1/influencers': 'Query.influencers',
  'POST /api/v1/influencers': 'Mutation.createInfluencer',
  'GET /api/v1/influencers/:id': 'Query.influencer',
  'PUT /api/v1/influencers/:id': 'Mutation.updateInfluencer',
  'DELETE /api/v1/influencers/:id': 'Mutation.deleteInfluencer',
  'POST /api/v1/influencers/:id/references': 'Mutation.setInfluencerReferences',
  'POST /api/v1/influencers/:id/generate-references': 'Mutation.generateReferences',
  'GET /api/v1/influencers/:id/reference-pack': 'Influencer.referencePack',
  'POST /api/v1/characters/analyze-photos': 'Mutation.analyzePhotos',
  'POST /api/v1/characters/:id/voice-samples': 'Mutation.addInfluencerVoiceSamples',
  'DELETE /api/v1/characters/:id/voice-samples/:audioUrl': 'Mutation.deleteVoiceSample',
  'GET /api/v1/characters/:id/voice-profile': 'Influencer.voice',
  'POST /api/v1/characters/:id/wardrobe/generate': 'Mutation.generateWardrobe',
  'PATCH /api/v1/characters/:id/ingredients': 'Mutation.setInfluencerIngredients',
  'POST /api/v1/previews': 'Mutation.generatePreviews',
  'GET /api/v1/previews': 'Query.previews',
  'GET /api/v1/previews/:id': 'Query.preview',
  'POST /api/v1/collaborations': 'Mutation.createCollaboration',
  'GET /api/v1/collaborations': 'Query.collaborations',
  'GET /api/v1/collaborations/:id': 'Query.collaboration',
  'DELETE /api/v1/collaborations/:id': 'Mutation.deleteCollaboration',

  // --- profiles (src/modules/profiles/rest.ts)
  'GET /api/v1/profiles': 'Query.profiles',
  'POST /api/v1/profiles': 'Mutation.createProfile',
  'GET /api/v1/profiles/:profileId': 'Query.profile',
  'PUT /api/v1/profiles/:profileId': 'Mutation.updateProfile',
  'DELETE /api/v1/profiles/:profileId': 'Mutation.deleteProfile',
  'POST /api/v1/profiles/:profileId/voice-corpus': 'Mutation.addVoiceSamples',
  'POST /api/v1/profiles/:profileId/content-directions/draft': 'Mutation.draftContentDirections',
  'POST /api/v1/profiles/:profileId/generate-caption': 'Mutation.generateCaption',
  'GET /api/v1/profiles/:profileId/voice-stats': 'Profile.voiceStats',
  'GET /api/v1/profiles/:profileId/media-library': 'Profile.mediaLibrary',

  // --- content (src/modules/content/rest.ts)
  'POST /api/v1/content/generate': 'Mutation.generateContent',
  'GET /api/v1/batches/:id': 'Query.batch',
  'GET /api/v1/content': 'Query.contentItems',
  'GET /api/v1/content/:id': 'Query.contentItem',
  'PUT /api/v1/content/:id': 'Mutation.updateContentItem',
  'DELETE /api/v1/content/:id': 'Mutation.deleteContentItem',
  'POST /api/v1/content/:id/regenerate': 'Mutation.regenerateContentItem',
  'POST /api/v1/content/:id/fine-tune-caption': 'Mutation.fineTuneCaption',
  'POST /api/v1/content/:id/video': 'Mutation.generateContentVideo',
  'POST /api/v1/content/:id/video-comparison': 'Mutation.generateContentVideo',
  'POST /api/v1/content/:id/approve': 'Mutation.approveContentItem',
  'POST /api/v1/content/:id/reject': 'Mutation.rejectContentItem',

  // --- catalog (src/modules/catalog/rest.ts)
  'GET /api/v1/config/features': 'Query.features',
  'GET /api/v1/config/pricing': 'Query.rateTable',
  'GET /api/v1/config/aesthetic-grades': 'Query.aestheticGrades',

  // --- media (src/modules/media/rest.ts)
  'GET /api/v1/media/:id': { none: RAW_BYTES },
  'GET /api/v1/media/:id/public': { none: 'raw bytes behind a signed, expiring link that platforms fetch without a key' },

  // --- social accounts (src/modules/accounts/rest.ts)
  'GET /api/v1/accounts/platforms': 'Query.accountPlatforms',
  'GET /api/v1/accounts': 'Query.socialAccounts',
  'POST /api/v1/accounts': 'Mutation.connectAccount',
  'GET /api/v1/accounts/:id': 'Query.socialAccount',
  'DELETE /api/v1/accounts/:id': 'Mutation.disconnectAccount',
  'GET /api/v1/accounts/:id/posts': 'SocialAccount.sandboxPosts',
  'GET /api/v1/accounts/:id/posts/:postId': 'SocialAccount.sandboxPost',

  // --- publishing (src/modules/publishing/rest.ts)
  'POST /api/v1/content/:id/publish': 'Mutation.publishContent',
  'GET /api/v1/content/:id/publish/status': 'ContentItem.publications',
  'POST /api/v1/content/:id/publish/retry': 'Mutation.retryPublish',
  'POST /api/v1/content/:id/unpublish': 'Mutation.unpublishContent',

  // --- social import (src/modules/social-import/rest.ts)
  'POST /api/v1/social-import/x': 'Mutation.startSocialImport',
  'POST /api/v1/social-import/tiktok': 'Mutation.startSocialImport',
  'POST /api/v1/social-import/instagram': 'Mutation.startSocialImport',
  'GET /api/v1/social-import/jobs/:jobId': 'Query.socialImport',

  // --- webhooks (src/modules/webhooks/rest.ts)
  'GET /api/v1/webhooks/event-types': 'Query.webhookEventTypes',
  'POST /api/v1/webhooks': 'Mutation.createWebhookEndpoint',
  'GET /api/v1/webhooks': 'Query.webhookEndpoints',
  'GET /api/v1/webhooks/:id': 'Query.webhookEndpoint',
  'PATCH /api/v1/webhooks/:id': 'Mutation.updateWebhookEndpoint',
  'DELETE /api/v1/webhooks/:id': 'Mutation.deleteWebhookEndpoint',
  'POST /api/v1/webhooks/:id/rotate-secret': 'Mutation.rotateWebhookSecret',
  'POST /api/v1/webhooks/:id/test': 'Mutation.testWebhookEndpoint',
  'GET /api/v1/webhooks/:id/deliveries': 'WebhookEndpoint.deliveries',
  'GET /api/v1/webhooks/:id/deliveries/:deliveryId': 'Query.webhookDelivery',
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver': 'Mutation.redeliverWebhookDelivery',

  // --- analytics (src/modules/analytics/rest.ts)
  'GET /api/v1/analytics/stats': 'Query.analyticsStats',
  'GET /api/v1/analytics/engagement': 'Query.engagementSeries',
  'GET /api/v1/analytics/top-content': 'Query.topContent',
  'GET /api/v1/analytics/platforms': 'Query.platformBreakdown',
  'GET /api/v1/analytics/followers': 'Query.followerGrowth',
  'POST /api/v1/analytics/refresh': 'Mutation.refreshAnalytics',

  // --- evals (src/modules/evals/rest.ts)
  'GET /api/projects/:projectId/connectors': 'Project.evalConnectors',
  'GET /api/projects/:projectId/connectors/types': 'Query.evalConnectorTypes',
  'POST /api/projects/:projectId/connectors': 'Mutation.createEvalConnector',
  'GET /api/projects/:projectId/connectors/:id': 'Query.evalConnector',
  'PUT /api/projects/:projectId/connectors/:id': 'Mutation.updateEvalConnector',
  'DELETE /api/projects/:projectId/connectors/:id': 'Mutation.deleteEvalConnector',
  'POST /api/projects/:projectId/connectors/:id/test': 'Mutation.testEvalConnector',
  'POST /api/projects/:projectId/connectors/:id/invoke': 'Mutation.invokeEvalConnector',
  'GET /api/projects/:projectId/scenarios': 'Project.scenarios',
  'POST /api/projects/:projectId/scenarios': 'Mutation.createScenario',
  'GET /api/projects/:projectId/scenarios/:id': 'Query.scenario',
  'GET /api/projects/:projectId/scenarios/:id/prompt': 'Scenario.prompt',
  'PUT /api/projects/:projectId/scenarios/:id': 'Mutation.updateScenario',
  'DELETE /api/projects/:projectId/scenarios/:id': 'Mutation.deleteScenario',
  'GET /api/projects/:projectId/evals': 'Project.evals',
  'POST /api/projects/:projectId/evals': 'Mutation.createEval',
  'GET /api/projects/:projectId/evals/:id': 'Query.eval',
  'PUT /api/projects/:projectId/evals/:id': 'Mutation.updateEval',
  'DELETE /api/projects/:projectId/evals/:id': 'Mutation.deleteEval',
  'GET /api/projects/:projectId/runs': 'Project.evalRuns',
  'POST /api/projects/:projectId/runs': 'Mutation.startEval',
  'POST /api/projects/:projectId/runs/playground': 'Mutation.startPlaygroundRun',
  'GET /api/projects/:projectId/runs/:id': 'Query.evalRun',
  'PUT /api/projects/:projectId/runs/:id': 'Mutation.updateEvalRun',
  'POST /api/projects/:projectId/runs/:id/retry': 'Mutation.retryRun',
  'POST /api/projects/:projectId/runs/:id/cancel': 'Mutation.cancelRun',
  'DELETE /api/projects/:projectId/runs/:id': 'Mutation.deleteEvalRun',
  'GET /api/projects/:projectId/executions/:executionId': 'Query.evalExecution',
  'GET /api/projects/:projectId/evaluator-types': 'Query.evaluatorTypes',

  // --- LLM catalog (src/modules/llm-catalog/rest.ts)
  'GET /api/llm-providers/models': 'Query.llmModels',
  'GET /api/llm-providers/:providerType/models': 'Query.llmModels',

  // --- conversations (src/modules/conversations/rest.ts)
  'GET /api/v1/users/:user/agents/:agent/conversations': 'Query.conversations',
  'POST /api/v1/users/:user/agents/:agent/conversations': 'Mutation.createConversation',
  'GET /api/v1/users/:user/agents/:agent/conversations/:conversation': 'Query.conversation',
  'GET /api/v1/users/:user/agents/:agent/conversations/:conversation/messages': 'Conversation.messages',
  'PATCH /api/v1/users/:user/agents/:agent/conversations/:conversation': 'Mutation.renameConversation',
  'POST /api/v1/users/:user/agents/:agent/conversations/:conversation/reset': 'Mutation.resetConversation',
  'DELETE /api/v1/users/:user/agents/:agent/conversations/:conversation': 'Mutation.deleteConversation',

  // evals: comparison, generation, export
  'GET /api/projects/:projectId/evals/:evalId/compare': 'Query.compareExecutions',
  'GET /api/projects/:projectId/executions/:executionId/export': 'EvalExecution.export',
  'POST /api/projects/:projectId/personas/generate': 'Mutation.generatePersonas',

  // content neighbours
  'GET /api/v1/batches': 'Query.batches',
  'POST /api/v1/batches/:id/cancel': 'Mutation.cancelBatch',
  'POST /api/v1/content': 'Mutation.createContentItem',
  'GET /api/v1/videos': 'Query.contentVideos',
  'DELETE /api/v1/videos/:id': 'Mutation.deleteContentVideo',
  'POST /api/v1/content/:id/video-comparison/:comparisonId/winner': 'Mutation.chooseVideoComparisonWinner',
  'POST /api/v1/collaborations/:id/generate': 'Mutation.generateCollaborationContent',
  'POST /api/v1/media': 'Mutation.uploadMedia',
  'GET /api/v1/media': 'Query.mediaFiles',
  'DELETE /api/v1/media/:id': 'Mutation.deleteMedia',
  'GET /api/v1/social-import/jobs': 'Query.socialImports',
  'POST /api/v1/previews/:id/influencer': 'Mutation.createInfluencerFromPreview',

  // publishing, accounts, analytics
  'PATCH /api/v1/accounts/:id': 'Mutation.updateAccount',
  'POST /api/v1/accounts/:id/reconnect': 'Mutation.reconnectAccount',
  'GET /api/v1/publishing/queue': 'Query.publishingQueue',
  'POST /api/v1/publications/:id/reschedule': 'Mutation.reschedulePublication',
};
