/**
 * SKILL.md: Markdown with YAML front matter naming the skill and saying what
 * it does. The front matter is parsed with `yaml` (maintained, spec-complete)
 * rather than by hand.
 */
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../../errors.js';

export const MAX_SKILL_BYTES = 64 * 1024;

export interface SkillDoc {
  name: string;
  description: string;
  version: string | null;
}

function bad(reason: string): never {
  throw new ValidationError(`invalid SKILL.md: ${reason}`, 'body', 'invalid_skill');
}

/** The bytes as UTF-8 text, exactly (a BOM is kept, so the text hashes to the same sha256 as the bytes). */
export function decodeSkillText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    bad('it is not UTF-8 text');
  }
}

export function parseSkillMd(text: string): SkillDoc {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  if (!m) bad('it must start with YAML front matter between --- lines');
  let meta: unknown;
  try {
    meta = parseYaml(m[1]!);
  } catch {
    bad('its front matter is not valid YAML');
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) bad('its front matter must be a mapping');
  const { name, description, version } = meta as Record<string, unknown>;
  if (typeof name !== 'string' || !name.trim()) bad('front matter needs a name');
  if (name.length > 100) bad('name must be at most 100 characters');
  if (typeof description !== 'string' || !description.trim()) bad('front matter needs a description');
  if (description.length > 1024) bad('description must be at most 1024 characters');
  if (version !== undefined && typeof version !== 'string' && typeof version !== 'number') bad('version must be a string');
  return { name: name.trim(), description: description.trim(), version: version === undefined ? null : String(version) };
}
