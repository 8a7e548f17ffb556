DROP INDEX IF EXISTS "messages_status_idx";
