/**
 * The `social.import` job: pages through an account's posts with its
 * connector until `limit` posts were seen or the platform has no more. Each
 * page is one transaction (media library entries, voice samples, counters,
 * the cursor after it), so a rerun after a restart resumes at the stored
 * cursor and the unique (profile, externalId) index keeps a post from being
 * added twice. Retryable platform errors retry the job (backoff); a refusal
 * ends it `failed` with the platform's words.
 */
import type { Deps } from '../../context.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { PermanentJobError, RetryJobError, backoffDelay } from '../../infra/jobs.js';
import { addVoiceSamples } from '../profiles/service.js';
import { connectorFor, openAccount, PlatformError, type ImportedPost } from '../connectors/service.js';
import { deliverAfterCommit, emitEvent } from '../webhooks/service.js';
import { IMPORT_JOB, progressEvent } from './service.js';

const MAX_ATTEMPTS = 5;
const BACKOFF_MS = 5000;
const PAGE = 50;

export function registerSocialImportJobs(deps: Deps): void {
  deps.jobs.register<{ importId: string }>(IMPORT_JOB, {
    maxAttempts: MAX_ATTEMPTS,
    backoffMs: BACKOFF_MS,
    async run({ importId }, jc) {
      const { prisma } = deps;
      let imp = await prisma.socialImport.findUnique({ where: { id: importId }, include: { account: true } });
      if (!imp || imp.status === 'completed' || imp.status === 'failed') return;
      if (imp.account.status !== 'connected') return finish(deps, importId, 'failed', 'the account was disconnected');
      if (imp.status !== 'running') {
        await prisma.socialImport.update({ where: { id: importId }, data: { status: 'running' } });
        publish(deps, importId);
      }
      const connector = connectorFor(deps, imp.platform);
      const account = openAccount(deps, imp.account);
      let first = true;
      while (imp.imported + imp.skipped < imp.limit && (first || imp.cursor)) {
        first = false;
        let page: { posts: ImportedPost[]; nextCursor: string | null };
        try {
          page = await connector.importPosts(account, { cursor: imp.cursor, limit: Math.min(PAGE, imp.limit - imp.imported - imp.skipped) }, jc.signal);
        } catch (err) {
          if (jc.signal.aborted) throw err;
          if (!(err instanceof PlatformError)) throw err;
          if (!err.retryable || jc.job.attempts >= jc.job.maxAttempts) {
            await finish(deps, importId, 'failed', err.message);
            throw new PermanentJobError(err.message);
          }
          await prisma.socialImport.update({ where: { id: importId }, data: { error: err.message } });
          throw new RetryJobError(err.message, backoffDelay(jc.job.attempts, BACKOFF_MS));
        }
        const room = imp.limit - imp.imported - imp.skipped;
        const posts = page.posts.slice(0, room);
        imp = await prisma.$transaction(async (tx) => {
          let imported = 0;
          for (const post of posts) {
            const entries: Prisma.MediaItemCreateManyInput[] = (post.media.length ? post.media : [null]).flatMap((m, i) =>
              m
                ? [
                    {
                      teamId: imp!.teamId,
                      profileId: imp!.profileId,
                      kind: m.kind,
                      source: 'imported',
                      blobId: m.blobId ?? null,
                      url: m.blobId ? null : m.url,
                      caption: post.text || null,
                      externalId: i === 0 ? post.externalId : `${post.externalId}:${i}`,
                      metadata: { platform: imp!.platform, importId, postedAt: post.createdAt?.toISOString() ?? null, contentType: m.contentType },
                      createdAt: post.createdAt ?? undefined,
                    },
                  ]
                : [],
            );
            const known = await tx.mediaItem.findFirst({ where: { profileId: imp!.profileId, externalId: post.externalId }, select: { id: true } });
            const knownText = post.text ? await tx.profileVoiceSample.findFirst({ where: { profileId: imp!.profileId, text: post.text.trim() }, select: { id: true } }) : null;
            if (known || (!entries.length && knownText)) continue;
            if (entries.length) await tx.mediaItem.createMany({ data: entries, skipDuplicates: true });
            if (post.text) await addVoiceSamples(tx, imp!.teamId, imp!.profileId, [post.text], 'import');
            imported++;
          }
          return tx.socialImport.update({
            where: { id: importId },
            data: { imported: { increment: imported }, skipped: { increment: posts.length - imported }, cursor: page.nextCursor, error: null },
            include: { account: true },
          });
        });
        publish(deps, importId, imp);
        if (!page.nextCursor || !page.posts.length) break;
      }
      await finish(deps, importId, 'completed', null);
    },
    async onFailed({ importId }, error) {
      const imp = await deps.prisma.socialImport.findUnique({ where: { id: importId } });
      if (imp && (imp.status === 'queued' || imp.status === 'running')) await finish(deps, importId, 'failed', error);
    },
  });
}

function publish(deps: Deps, importId: string, row?: Parameters<typeof progressEvent>[0]): void {
  if (row) return deps.pubsub.publish('import.progress', importId, progressEvent(row));
  void deps.prisma.socialImport.findUnique({ where: { id: importId } }).then((r) => r && deps.pubsub.publish('import.progress', importId, progressEvent(r)));
}

async function finish(deps: Deps, importId: string, status: 'completed' | 'failed', error: string | null): Promise<void> {
  const row = await deps.prisma.$transaction(async (tx) => {
    const r = await tx.socialImport.update({ where: { id: importId }, data: { status, error, finishedAt: new Date() } });
    await emitEvent(tx, deps, {
      teamId: r.teamId,
      type: 'import.completed',
      data: { importId: r.id, accountId: r.accountId, platform: r.platform, status, imported: r.imported, skipped: r.skipped, error },
    });
    return r;
  });
  deliverAfterCommit(deps);
  deps.pubsub.publish('import.progress', importId, progressEvent(row));
}
