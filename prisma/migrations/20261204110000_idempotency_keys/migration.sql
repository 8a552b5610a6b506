-- CreateEnum
CREATE TYPE "IdempotencyKeyStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "user_id" UUID NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "path" VARCHAR(100) NOT NULL,
    "claim_id" UUID NOT NULL,
    "status" "IdempotencyKeyStatus" NOT NULL,
    "outcome" JSON,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("user_id","key")
);

-- CreateIndex
CREATE INDEX "idempotency_keys_expires_at_idx" ON "idempotency_keys"("expires_at");

-- Hand-written: closed like every table of the app (see 20261130070000_closed_tables):
-- RLS on with no policy, and the Data API roles' default grants revoked (the roles exist
-- on Supabase only).
ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY;

DO $$
DECLARE
  api_role text;
BEGIN
  FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role) THEN
      EXECUTE format('REVOKE ALL ON public.idempotency_keys FROM %I', api_role);
    END IF;
  END LOOP;
END $$;
