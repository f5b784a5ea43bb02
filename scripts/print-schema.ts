/** npm run schema: print the graph to schema.graphql; --check fails when the file drifted. */
import { readFile, writeFile } from 'node:fs/promises';
import { printedSchema } from '../src/graphql/schema.js';

const file = new URL('../schema.graphql', import.meta.url);
const printed = printedSchema();
if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== printed) {
    console.error('schema.graphql is out of date: run npm run schema and commit it');
    process.exit(1);
  }
  console.log('schema.graphql is up to date');
} else {
  await writeFile(file, printed);
  console.log('wrote schema.graphql');
}
