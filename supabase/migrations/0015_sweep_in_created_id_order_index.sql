-- The sweeper reads each direction's unfinished messages on its own, oldest first in (created_at, id)
-- order and on from where its last sweep stopped: a backlog of sends with live jobs (a campaign
-- draining through the pacer) no longer fills every batch and hides a customer's message whose job was
-- lost. The index is (created_at, id) without the direction in front: with it leading, the planner took
-- the index for the pipeline's own lookups of unfinished messages and PostgreSQL's CPU per message
-- doubled in bench:inbound's burst (0.58-0.72 -> 1.15-1.35 ms); a sweep reading past the other
-- direction's rows every 15 s costs far less. Created before the old index (created_at alone) is
-- dropped, so the sweep always has one.
CREATE INDEX IF NOT EXISTS "messages_unfinished_created_id_idx" ON "messages" USING btree ("created_at","id") WHERE status IN ('received', 'processing', 'queued');--> statement-breakpoint
DROP INDEX IF EXISTS "messages_unfinished_created_idx";
