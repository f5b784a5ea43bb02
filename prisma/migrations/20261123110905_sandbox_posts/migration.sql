-- AlterTable
ALTER TABLE "Publication" ADD COLUMN     "platformState" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "SandboxPost" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "caption" TEXT NOT NULL,
    "media" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "SandboxPost_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SandboxPost_accountId_createdAt_idx" ON "SandboxPost"("accountId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SandboxPost_accountId_idempotencyKey_key" ON "SandboxPost"("accountId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "SandboxPost" ADD CONSTRAINT "SandboxPost_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "SocialAccount"("id") ON DELETE CASCADE ON UPDATE CASCADE;
