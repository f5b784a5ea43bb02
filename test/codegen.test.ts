/**
 * The schema stays friendly to typed clients: graphql-codegen
 * (typescript-operations, typed-document-node) generates documents for the
 * sample operations in test/fixtures/operations.graphql from schema.graphql,
 * and a client file using them type-checks — and a wrong use does not.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codegen } from '@graphql-codegen/core';
import * as operationsPlugin from '@graphql-codegen/typescript-operations';
import * as typedDocumentNodePlugin from '@graphql-codegen/typed-document-node';
import { buildSchema, parse, printSchema, validate } from 'graphql';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function generate(): Promise<string> {
  const schema = buildSchema(await readFile(path.join(root, 'schema.graphql'), 'utf8'));
  const document = parse(await readFile(path.join(root, 'test/fixtures/operations.graphql'), 'utf8'));
  expect(validate(schema, document)).toEqual([]);
  return codegen({
    schema: parse(printSchema(schema)),
    documents: [{ location: 'operations.graphql', document }],
    filename: 'graphql.ts',
    config: { scalars: { DateTime: 'string', JSON: 'unknown' }, enumsAsTypes: true, useTypeImports: true },
    // typescript-operations 6 emits the input and enum types the operations use itself (with the typescript plugin too they would be declared twice).
    plugins: [{ typescriptOperations: {} }, { typedDocumentNode: {} }],
    pluginMap: { typescriptOperations: operationsPlugin, typedDocumentNode: typedDocumentNodePlugin },
  });
}

function typeCheck(dir: string, files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    baseUrl: dir,
    typeRoots: [path.join(root, 'node_modules/@types')],
    paths: { '*': [path.join(root, 'node_modules/*')] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

// No database involved: it runs once, in the pglite project.
describe('typed clients from schema.graphql', () => {
  it('the example operations GraphiQL opens with are valid against the schema', async () => {
    const { graphiqlDefaultQuery } = await import('../src/graphql/graphiql.js');
    const schema = buildSchema(await readFile(path.join(root, 'schema.graphql'), 'utf8'));
    const doc = parse(graphiqlDefaultQuery);
    expect(validate(schema, doc).map((e) => e.message)).toEqual([]);
    expect(doc.definitions.length).toBeGreaterThanOrEqual(8);
  });

  it('graphql-codegen generates typed documents that a client uses with full types', async () => {
    const generated = await generate();
    expect(generated).toContain('export type ChatTokensSubscription');
    expect(generated).toContain('export const StartChatDocument');

    const dir = await mkdtemp(path.join(root, 'node_modules/.cache-codegen-'));
    await writeFile(path.join(dir, 'graphql.ts'), generated);
    const client = `
      import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
      import { ChatTokensDocument, NewPersonaDocument, PersonaPageDocument, type ChatTokensSubscription } from './graphql.js';
      declare function run<R, V>(doc: TypedDocumentNode<R, V>, vars: V): R;
      const page = run(PersonaPageDocument, { first: 10 });
      const names: string[] = page.personas.edges.map((e) => e.node.name);
      const more: boolean = page.personas.pageInfo.hasNextPage;
      const created = run(NewPersonaDocument, { name: 'x' });
      const id: string | undefined = created.createPersona.__typename === 'MutationCreatePersonaSuccess' ? created.createPersona.data.id : undefined;
      const event: ChatTokensSubscription = run(ChatTokensDocument, { runId: 'r', afterSeq: 3 });
      const seq: number = event.chatRunEvents.seq;
      export { names, more, id, seq };
    `;
    await writeFile(path.join(dir, 'client.ts'), client);
    expect(typeCheck(dir, [path.join(dir, 'client.ts')])).toEqual([]);

    // The types are real: a wrong variable or field is an error.
    await writeFile(path.join(dir, 'wrong.ts'), `
      import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
      import { PersonaPageDocument } from './graphql.js';
      declare function run<R, V>(doc: TypedDocumentNode<R, V>, vars: V): R;
      const page = run(PersonaPageDocument, { first: 'ten' });
      const n: number = page.personas.edges[0]!.node.name;
      export { n };
    `);
    const errors = typeCheck(dir, [path.join(dir, 'wrong.ts')]);
    expect(errors.join('\n')).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);
});
