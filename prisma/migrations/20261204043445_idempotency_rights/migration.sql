-- AlterTable
ALTER TABLE "IdempotencyRecord" ADD COLUMN     "apiKeyScopes" TEXT[] DEFAULT ARRAY[]::TEXT[];
