-- The Responses API's conversations the gateway produced (previous_response_id, item_reference),
-- per organization, until their retention ends.
CREATE TABLE "stored_responses" (
    "id" TEXT NOT NULL,
    "org_id" UUID NOT NULL,
    "items" JSONB NOT NULL,
    "item_ids" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stored_responses_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stored_responses_item_ids_idx" ON "stored_responses" USING GIN ("item_ids");

-- CreateIndex
CREATE INDEX "stored_responses_expires_at_idx" ON "stored_responses"("expires_at");

-- AddForeignKey
ALTER TABLE "stored_responses" ADD CONSTRAINT "stored_responses_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
