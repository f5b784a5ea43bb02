/** Seed 003's skills paths: custom SKILL.md uploads and registry installs. */
import type { Skill } from '../../generated/prisma/client.js';
import { created, noContent, ok, type Route } from '../../rest/route.js';
import * as skills from './service.js';
import { SkillBody } from './responses.js';

export const skillView = (s: Skill) => ({
  id: s.slug,
  name: s.name,
  description: s.description,
  source: s.source,
  version: s.version,
  sha256: s.sha256,
  registryUrl: s.registryUrl,
  updatedAt: s.updatedAt.toISOString(),
});

export const skillRoutes: Route[] = [
  {
    method: 'PUT',
    path: '/api/v1/users/:user/skills/:id/file',
    scope: 'agent:write',
    response: SkillBody,
    responses: { 200: 'OK', 201: 'Created' },
    summary: 'Upload a custom skill (SKILL.md with name and description front matter)',
    rawBody: true,
    handler: async ({ ctx, params, headers, readRaw }) => {
      const { skill, created: isNew } = await skills.uploadSkill(ctx, params.user!, params.id!, { contentType: headers['content-type'], read: readRaw });
      return isNew ? created(skillView(skill)) : ok(skillView(skill));
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:user/skills/:id/file',
    scope: 'agent:write',
    responses: { 204: 'No content' },
    summary: 'Delete a skill',
    handler: async ({ ctx, params }) => {
      await skills.deleteSkill(ctx, params.user!, params.id!);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:user/skills/:slug/registry-install',
    scope: 'agent:write',
    response: SkillBody,
    responses: { 200: 'OK', 201: 'Created' },
    summary: 'Install a skill from the registry (sha256 verified and pinned)',
    handler: async ({ ctx, params }) => {
      const { skill, created: isNew } = await skills.installFromRegistry(ctx, params.user!, params.slug!);
      return isNew ? created(skillView(skill)) : ok(skillView(skill));
    },
  },
];
