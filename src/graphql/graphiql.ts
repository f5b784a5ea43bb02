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
`;
