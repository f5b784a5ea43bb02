/** What GraphiQL opens with: one example per domain, and how to authenticate. */
export const graphiqlDefaultQuery = `# personagraph GraphQL.
# Put your API key in the Headers tab below:  { "Authorization": "Bearer pg_live_…" }
# (the first start prints the admin key and writes it to ./data/admin-key).
# Until it is there this page sends nothing; then Shift-Ctrl-R loads the schema (completion, docs).
# Subscriptions run over graphql-ws on this same URL.

query Me {
  me { team { id name } key { name scopes } }
}

query Personas {
  personas(first: 5) {
    edges { node { id name description isSystem project { name } } }
    pageInfo { hasNextPage endCursor }
  }
}

mutation CreatePersona {
  createPersona(input: { name: "curious-user", systemPrompt: "You are a curious user who asks follow-up questions." }) {
    __typename
    ... on MutationCreatePersonaSuccess { data { id name } }
    ... on Error { message code }
  }
}

subscription PersonaChanges {
  personaChanged { kind personaId persona { name updatedAt } }
}

# Agents: create a user and an agent, start a chat run, then stream its tokens
# (run ChatTokens with the run id StartChat returned; afterSeq replays what you missed).
mutation NewAgent {
  createAgentUser(input: { username: "ada" }) { __typename ... on Error { message } }
  createAgents(user: "ada", agents: [{ name: "scout" }]) { __typename ... on Error { message } }
}

mutation StartChat {
  startChatRun(user: "ada", agent: "scout", messages: [{ role: "user", content: "Plan a rainy day" }]) {
    __typename
    ... on MutationStartChatRunSuccess { data { id } }
    ... on Error { message code }
  }
}

subscription ChatTokens($runId: ID! = "paste the run id") {
  chatRunEvents(runId: $runId, afterSeq: 0) { seq type delta message usage { totalTokens } }
}

subscription Deploys {
  deployProgress(user: "ada") { status progress steps { name agent status detail } }
}

# Content and publishing: generate a batch for a profile and watch it land; publish an
# approved item to the profile's accounts and watch each publication's status live.
query Profiles {
  profiles(first: 5) { edges { node { id name influencer { name } accounts { id platform handle } } } }
}

mutation Generate($profileId: ID! = "paste a profile id") {
  generateContent(input: { profileId: $profileId, count: 3 }) {
    __typename
    ... on MutationGenerateContentSuccess { data { batch { id status count } } }
    ... on Error { message code }
  }
}

subscription BatchProgress($batchId: ID! = "paste the batch id") {
  batchProgress(batchId: $batchId) { seq type status progress item { id status caption imageUrl } }
}

mutation Publish($contentItemId: ID! = "paste an approved item id") {
  publishContent(contentItemId: $contentItemId) {
    __typename
    ... on MutationPublishContentSuccess { data { id status account { platform handle } } }
    ... on Error { message code }
  }
}

subscription PublishStatus($contentItemId: ID! = "paste the item id") {
  publishStatus(contentItemId: $contentItemId) { platform status itemStatus attempts error url }
}

# Persona test runs (EvalStudio): start an eval, then watch every run of that execution
# live (messages, judge verdicts, status) and read the pass rates per persona.
subscription EvalExecution($projectId: ID! = "paste the project id", $executionId: Int! = 1) {
  evalExecutionEvents(projectId: $projectId, executionId: $executionId) { runId type status role content verdict { successMet reasoning } }
}

query Engagement {
  analyticsStats { posts totals { impressions engagement } engagementRate }
  engagementSeries(granularity: day) { series { start likes comments } }
}
`;
