/** Record ids: a type prefix and 96 random bits in hex, e.g. `acct_3f9a…`. */
import { randomBytes } from 'node:crypto';

export const newId = (prefix: string) => `${prefix}${randomBytes(12).toString('hex')}`;
