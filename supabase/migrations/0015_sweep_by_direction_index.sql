-- The sweeper reads each direction's unfinished messages on its own, oldest first in (created_at, id)
-- order and on from where its last sweep stopped: a backlog of sends with live jobs (a campaign
-- draining through the pacer) no longer fills every batch and hides a customer's message whose job was
-- lost. Created before the old index (created_at alone) is dropped, so the sweep always has one.
CREATE INDEX IF NOT EXISTS "messages_unfinished_direction_created_idx" ON "messages" USING btree ("direction","created_at","id") WHERE status IN ('received', 'processing', 'queued');--> statement-breakpoint
DROP INDEX IF EXISTS "messages_unfinished_created_idx";
