-- AlterTable
ALTER TABLE "ContentVideo" ADD COLUMN     "winner" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "ContentVideo_teamId_createdAt_idx" ON "ContentVideo"("teamId", "createdAt");
