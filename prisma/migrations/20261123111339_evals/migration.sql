-- CreateTable
CREATE TABLE "EvalConnector" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "headers" JSONB,
    "config" JSONB,
    "agentId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvalConnector_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Scenario" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "instructions" TEXT,
    "messages" JSONB NOT NULL DEFAULT '[]',
    "maxMessages" INTEGER NOT NULL DEFAULT 10,
    "successCriteria" TEXT,
    "failureCriteria" TEXT,
    "failureCriteriaMode" TEXT NOT NULL DEFAULT 'on_max_messages',
    "evaluators" JSONB NOT NULL DEFAULT '[]',
    "personaIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Scenario_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Eval" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connectorId" TEXT,
    "scenarioIds" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Eval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalRun" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "evalId" TEXT,
    "scenarioId" TEXT NOT NULL,
    "personaId" TEXT,
    "connectorId" TEXT,
    "executionId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "startedAt" TIMESTAMP(3),
    "completedAt" TIMESTAMP(3),
    "latencyMs" INTEGER,
    "threadId" TEXT,
    "messages" JSONB NOT NULL DEFAULT '[]',
    "sentCount" INTEGER NOT NULL DEFAULT 0,
    "output" JSONB,
    "result" JSONB,
    "error" TEXT,
    "stats" JSONB,
    "jobId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvalRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalExecutionCounter" (
    "projectId" TEXT NOT NULL,
    "last" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "EvalExecutionCounter_pkey" PRIMARY KEY ("projectId")
);

-- CreateIndex
CREATE INDEX "EvalConnector_teamId_idx" ON "EvalConnector"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "EvalConnector_projectId_name_key" ON "EvalConnector"("projectId", "name");

-- CreateIndex
CREATE INDEX "Scenario_teamId_idx" ON "Scenario"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "Scenario_projectId_name_key" ON "Scenario"("projectId", "name");

-- CreateIndex
CREATE INDEX "Eval_teamId_idx" ON "Eval"("teamId");

-- CreateIndex
CREATE UNIQUE INDEX "Eval_projectId_name_key" ON "Eval"("projectId", "name");

-- CreateIndex
CREATE INDEX "EvalRun_projectId_createdAt_idx" ON "EvalRun"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "EvalRun_projectId_executionId_idx" ON "EvalRun"("projectId", "executionId");

-- CreateIndex
CREATE INDEX "EvalRun_projectId_status_idx" ON "EvalRun"("projectId", "status");

-- CreateIndex
CREATE INDEX "EvalRun_teamId_idx" ON "EvalRun"("teamId");

-- AddForeignKey
ALTER TABLE "EvalConnector" ADD CONSTRAINT "EvalConnector_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalConnector" ADD CONSTRAINT "EvalConnector_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Scenario" ADD CONSTRAINT "Scenario_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Eval" ADD CONSTRAINT "Eval_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Eval" ADD CONSTRAINT "Eval_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "EvalConnector"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_evalId_fkey" FOREIGN KEY ("evalId") REFERENCES "Eval"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_scenarioId_fkey" FOREIGN KEY ("scenarioId") REFERENCES "Scenario"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_personaId_fkey" FOREIGN KEY ("personaId") REFERENCES "Persona"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_connectorId_fkey" FOREIGN KEY ("connectorId") REFERENCES "EvalConnector"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalExecutionCounter" ADD CONSTRAINT "EvalExecutionCounter_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;
