-- AlterTable
ALTER TABLE "SocialAccount" ADD COLUMN     "analyticsRefreshedAt" TIMESTAMP(3);

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

-- AddForeignKey
ALTER TABLE "FollowerSnapshot" ADD CONSTRAINT "FollowerSnapshot_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "SocialAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;
