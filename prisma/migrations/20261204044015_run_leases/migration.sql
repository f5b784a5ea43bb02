-- AlterTable
ALTER TABLE "ChatRun" ADD COLUMN     "leaseOwner" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "ChatRun_status_leaseUntil_idx" ON "ChatRun"("status", "leaseUntil");
