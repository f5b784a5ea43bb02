/**
 * personagraph's side of each workload: the GraphQL documents (and the REST
 * path for W4) a client would send, and how their answers map to the
 * workload's canonical JSON (the shape every contender must return).
 */
import { BENCH_KEY } from '../lib/proc.js';
import type { HttpRequest } from '../lib/load.js';

export interface Workload {
  request(i: number): HttpRequest;
  normalize(json: any): unknown;
}

const headers = { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' };
const gql = (query: string, variables?: object): HttpRequest => ({ method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query, variables }) });

export const PERSONA_FIELDS = 'id name description systemPrompt role status visibility createdAt';
const W1 = `query W1($id: ID!) { persona(id: $id) { ${PERSONA_FIELDS} } }`;
const W2 = `query W2 { profiles(first: 100) { edges { node { id name niche batches(limit: 10) { id status count items { id position status caption } } } } } }`;
const W3_ONE = `mutation W3($input: CreatePersonaInput!) { createPersona(input: $input) { ... on MutationCreatePersonaSuccess { data { name description systemPrompt role status } } ... on Error { message } } }`;
const W3_MANY = `mutation W3Many($inputs: [CreatePersonaInput!]!) { createPersonas(inputs: $inputs) { ... on MutationCreatePersonasSuccess { data { name description systemPrompt role status } } ... on Error { message } } }`;

/** The persona written by W3 request i (the same for every contender). */
export const w3Persona = (i: number, k = 0) => ({
  name: `Bench writer ${i}.${k}`,
  description: 'Created by the benchmark.',
  systemPrompt: 'You are a persona written under load.',
});

export const W3_BATCH_SIZE = 10;

export function personagraphWorkloads(ids: string[]) {
  return {
    w1: { request: (i) => gql(W1, { id: ids[i % ids.length] }), normalize: (j) => j.data.persona },
    w2: { request: () => gql(W2), normalize: (j) => j.data.profiles.edges.map((e: any) => e.node) },
    w3create: { request: (i) => gql(W3_ONE, { input: w3Persona(i) }), normalize: (j) => j.data.createPersona.data },
    w3batch: {
      request: (i) => gql(W3_MANY, { inputs: Array.from({ length: W3_BATCH_SIZE }, (_, k) => w3Persona(i, k)) }),
      normalize: (j) => j.data.createPersonas.data,
    },
    /** W4: the W1 read through REST (Autousers' GET /api/v1/autousers/:id), same row, same key. */
    w4rest: {
      request: (i) => ({ method: 'GET', path: `/api/v1/autousers/${ids[i % ids.length]}`, headers: { authorization: headers.authorization } }),
      normalize: (j) => ({ id: j.id, name: j.name, description: j.description, systemPrompt: j.systemPrompt }),
    },
    w4graphql: {
      request: (i) => gql(W1, { id: ids[i % ids.length] }),
      normalize: (j) => ({ id: j.data.persona.id, name: j.data.persona.name, description: j.data.persona.description, systemPrompt: j.data.persona.systemPrompt }),
    },
  } satisfies Record<string, Workload>;
}

/** The raw node:http + pg contender (bench/contenders/raw.mjs): already canonical. */
export function rawWorkloads(ids: string[], teamId: string) {
  const json = { 'content-type': 'application/json' };
  return {
    w1: { request: (i) => ({ method: 'GET', path: `/w1/${ids[i % ids.length]}`, headers: {} }), normalize: (j) => j },
    w2: { request: () => ({ method: 'GET', path: `/w2/${teamId}`, headers: {} }), normalize: (j) => j },
    w3create: { request: (i) => ({ method: 'POST', path: '/w3/one', headers: json, body: JSON.stringify({ teamId, ...w3Persona(i) }) }), normalize: (j) => j },
    w3batch: {
      request: (i) => ({ method: 'POST', path: '/w3/many', headers: json, body: JSON.stringify({ teamId, personas: Array.from({ length: W3_BATCH_SIZE }, (_, k) => w3Persona(i, k)) }) }),
      normalize: (j) => j,
    },
  } satisfies Record<string, Workload>;
}
