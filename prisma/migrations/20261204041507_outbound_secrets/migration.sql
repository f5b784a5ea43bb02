-- AlterTable
ALTER TABLE "EvalConnector" ADD COLUMN     "headersCiphertext" TEXT,
ADD COLUMN     "headersKeyId" TEXT;

-- AlterTable
ALTER TABLE "Secret" ADD COLUMN     "allowedHosts" TEXT[] DEFAULT ARRAY[]::TEXT[];
