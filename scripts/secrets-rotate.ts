/**
 * npm run secrets:rotate — after changing SECRET_KEY (with the old key in
 * SECRET_KEYS_PREVIOUS), re-encrypt every stored user secret (and EvalStudio
 * connector headers) under the new key.
 * Then the old key can be dropped from SECRET_KEYS_PREVIOUS.
 */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/infra/db/client.js';
import { SecretVault } from '../src/infra/vault.js';
import { reencryptAll } from '../src/modules/secrets/service.js';
import { reencryptConnectorHeaders } from '../src/modules/evals/service.js';

const config = loadConfig();
if (!config.secretKey) {
  console.error('Set SECRET_KEY to the new master key (and SECRET_KEYS_PREVIOUS to the old ones) first.');
  process.exit(2);
}
const db = await openDatabase(config.database);
const vault = new SecretVault(config.secretKey, config.previousSecretKeys);
const users = await reencryptAll(db.prisma, vault);
const connectors = await reencryptConnectorHeaders(db.prisma, vault);
const moved = users.moved + connectors.moved;
const unreadable = [...users.unreadable, ...connectors.unreadable];
console.log(`re-encrypted ${moved} secret(s) under the current key`);
if (unreadable.length) console.error(`could not decrypt (no matching key): ${unreadable.join(', ')}`);
await db.close();
process.exit(unreadable.length ? 1 : 0);
