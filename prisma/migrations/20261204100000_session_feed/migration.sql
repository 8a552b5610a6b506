-- The durable change feed of live seats (packages/api/src/live): one row per committed
-- change to a session's seats or status, written in that change's transaction.
--
-- Positions come from the one-row counter `session_feed_head`, moved by the change's
-- transaction as its last statement: the row lock orders the changes, so position n+1
-- commits after position n and a reader that has seen n never skips a lower position that
-- commits later (a bigserial could). `pruned_through` is the highest position the cron
-- has deleted: a resume from below it gets the current state again, never a silent gap.

-- CreateTable
CREATE TABLE "session_feed" (
    "position" BIGINT NOT NULL,
    "session_id" UUID NOT NULL,
    "capacity" INTEGER NOT NULL,
    "confirmed_count" INTEGER NOT NULL,
    "waitlist_count" INTEGER NOT NULL,
    "status" "SessionStatus" NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "written_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_feed_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "session_feed_head" (
    "id" INTEGER NOT NULL,
    "position" BIGINT NOT NULL,
    "pruned_through" BIGINT NOT NULL,

    CONSTRAINT "session_feed_head_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "session_feed_session_id_position_idx" ON "session_feed"("session_id", "position");

-- The counter's one row.
INSERT INTO "session_feed_head" ("id", "position", "pruned_through") VALUES (1, 0, 0);

-- Closed like every table (see 20261130070000_closed_tables): RLS on, the Data API's grants revoked.
DO $$
DECLARE
  relation text;
  api_role text;
BEGIN
  FOREACH relation IN ARRAY ARRAY['session_feed', 'session_feed_head'] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', relation);
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = api_role) THEN
        EXECUTE format('REVOKE ALL ON public.%I FROM %I', relation, api_role);
      END IF;
    END LOOP;
  END LOOP;
END $$;
