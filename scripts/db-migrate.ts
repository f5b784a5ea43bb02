/** npm run db:migrate: apply committed migrations to the configured database. */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/infra/db/client.js';

const config = loadConfig();
const db = await openDatabase(config.database);
console.log(
  db.appliedMigrations.length
    ? `applied ${db.appliedMigrations.join(', ')} to ${db.description}`
    : `${db.description} is up to date`,
);
await db.close();
