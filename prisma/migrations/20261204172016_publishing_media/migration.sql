-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "caption" TEXT,
ADD COLUMN     "format" TEXT NOT NULL DEFAULT 'image',
ADD COLUMN     "mediaIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "plannedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "videoId" TEXT;

-- Publications made before: due when scheduled, else when they were asked for.
UPDATE "Publication" SET "plannedAt" = COALESCE("scheduledAt", "createdAt");

-- CreateIndex
CREATE INDEX "Publication_teamId_plannedAt_idx" ON "Publication"("teamId", "plannedAt");
