-- Conversations (sessions) of agents. Before this migration an agent kept one history, shared by every caller.
-- That history is kept, readable, as one conversation per agent named "default": the default conversation of
-- the own key of the agent (principal `agent:<agent id>`), which is how most integrations chatted with one agent.
-- Other callers (API keys) start their own default conversation at their next chat, they can still read,
-- continue or share the old history by its id (GET …/conversations?owner=all lists it for keys with `admin`).

-- CreateTable
CREATE TABLE "Conversation" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "agentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "defaultFor" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Conversation_pkey" PRIMARY KEY ("id")
);

-- The kept history: one conversation per agent that has messages or runs.
INSERT INTO "Conversation" ("id", "teamId", "agentId", "name", "createdBy", "defaultFor", "createdAt", "updatedAt")
SELECT gen_random_uuid()::text, a."teamId", a."id", 'default', 'agent:' || a."id", 'agent:' || a."id",
       COALESCE(LEAST(
         (SELECT min(m."createdAt") FROM "ChatMessage" m WHERE m."agentId" = a."id"),
         (SELECT min(r."createdAt") FROM "ChatRun" r WHERE r."agentId" = a."id")), CURRENT_TIMESTAMP),
       CURRENT_TIMESTAMP
FROM "Agent" a
WHERE EXISTS (SELECT 1 FROM "ChatMessage" m WHERE m."agentId" = a."id") OR EXISTS (SELECT 1 FROM "ChatRun" r WHERE r."agentId" = a."id");

-- AlterTable: messages move into it (then the column is required)
ALTER TABLE "ChatMessage" ADD COLUMN     "conversationId" TEXT;
-- "seq" numbers the kept messages in the order they were written (createdAt, then the physical order)
ALTER TABLE "ChatMessage" ADD COLUMN     "seq" SERIAL NOT NULL;
UPDATE "ChatMessage" m SET "seq" = o.n FROM (SELECT "id", row_number() OVER (ORDER BY "createdAt", "seq") AS n FROM "ChatMessage") o WHERE o."id" = m."id";
SELECT setval(pg_get_serial_sequence('"ChatMessage"', 'seq'), COALESCE((SELECT max("seq") FROM "ChatMessage"), 0) + 1, false);
UPDATE "ChatMessage" m SET "conversationId" = c."id" FROM "Conversation" c WHERE c."agentId" = m."agentId" AND c."createdBy" = 'agent:' || m."agentId";
ALTER TABLE "ChatMessage" ALTER COLUMN "conversationId" SET NOT NULL;

-- AlterTable: runs that wrote to the history belong to it, isolated EvalStudio runs (no messages) to none
ALTER TABLE "ChatRun" ADD COLUMN     "conversationId" TEXT;
UPDATE "ChatRun" r SET "conversationId" = m."conversationId" FROM "ChatMessage" m WHERE m."runId" = r."id";

-- CreateIndex
CREATE INDEX "Conversation_agentId_createdBy_createdAt_idx" ON "Conversation"("agentId", "createdBy", "createdAt");

-- CreateIndex
CREATE INDEX "Conversation_teamId_createdAt_idx" ON "Conversation"("teamId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Conversation_agentId_defaultFor_key" ON "Conversation"("agentId", "defaultFor");

-- CreateIndex
CREATE INDEX "ChatMessage_conversationId_seq_idx" ON "ChatMessage"("conversationId", "seq");

-- CreateIndex
CREATE INDEX "ChatRun_conversationId_createdAt_idx" ON "ChatRun"("conversationId", "createdAt");

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatMessage" ADD CONSTRAINT "ChatMessage_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatRun" ADD CONSTRAINT "ChatRun_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE SET NULL ON UPDATE CASCADE;
