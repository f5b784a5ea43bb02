-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "caption" TEXT,
ADD COLUMN     "format" TEXT NOT NULL DEFAULT 'image',
ADD COLUMN     "mediaIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "plannedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "videoId" TEXT;

-- Publications made before: due when scheduled, else when they were asked for.
UPDATE "Publication" SET "plannedAt" = COALESCE("scheduledAt", "createdAt");

-- AlterTable
ALTER TABLE "SocialAccount" ADD COLUMN     "refreshedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "FollowerSnapshot" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "followers" INTEGER NOT NULL,
    "capturedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FollowerSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FollowerSnapshot_accountId_capturedAt_idx" ON "FollowerSnapshot"("accountId", "capturedAt");

-- CreateIndex
CREATE INDEX "FollowerSnapshot_teamId_capturedAt_idx" ON "FollowerSnapshot"("teamId", "capturedAt");

-- CreateIndex
CREATE INDEX "Publication_teamId_plannedAt_idx" ON "Publication"("teamId", "plannedAt");

-- AddForeignKey
ALTER TABLE "FollowerSnapshot" ADD CONSTRAINT "FollowerSnapshot_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "SocialAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;
