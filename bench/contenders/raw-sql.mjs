/**
 * W2 as one statement: PostgreSQL builds the whole canonical answer (100
 * profiles, their 10 newest batches, each batch's items) as JSON text. Shared
 * by the raw contender (raw.mjs) and the PostGraphile check
 * (postgraphile.check.ts), which compares both PostGraphiles with it. $1: the team.
 */
export const W2_SQL = `SELECT coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'niche', p.niche, 'batches', p.batches) ORDER BY p."createdAt" DESC, p.id DESC), '[]')::text AS json FROM (
           SELECT pr.id, pr.name, pr.niche, pr."createdAt",
             (SELECT coalesce(json_agg(json_build_object('id', b.id, 'status', b.status, 'count', b.count, 'items',
                 (SELECT coalesce(json_agg(json_build_object('id', i.id, 'position', i.position, 'status', i.status, 'caption', i.caption) ORDER BY i.position), '[]')
                    FROM "ContentItem" i WHERE i."batchId" = b.id)) ORDER BY b."createdAt" DESC, b.id DESC), '[]')
                FROM (SELECT * FROM "Batch" WHERE "profileId" = pr.id ORDER BY "createdAt" DESC, id DESC LIMIT 10) b) AS batches
           FROM "Profile" pr WHERE pr."teamId" = $1 ORDER BY pr."createdAt" DESC, pr.id DESC LIMIT 100) p`;
