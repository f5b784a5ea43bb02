/** What GraphiQL opens with: one example per domain, and how to authenticate. */
export const graphiqlDefaultQuery = `# personagraph GraphQL.
# Put your API key in the Headers tab below:  { "Authorization": "Bearer pg_live_…" }
# (the first start prints the admin key and writes it to ./data/admin-key).
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

query Engagement {
  analyticsStats { posts totals { impressions engagement } engagementRate }
  engagementSeries(granularity: day) { series { start likes comments } }
}
`;
