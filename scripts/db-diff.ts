/** npm run db:diff -- <name>: write the next migration from prisma/schema.prisma. */
import { createMigration } from '../src/infra/db/migrations.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:diff -- <name>   (lower-case letters, digits and _)');
  process.exit(2);
}
const created = await createMigration(name);
console.log(created ? `created prisma/migrations/${created}/migration.sql` : 'schema.prisma matches the migrations: nothing to do');
