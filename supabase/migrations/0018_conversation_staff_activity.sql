-- When staff last sent the customer a message: the handoff timeout counts from the later of it and
-- state_changed_at, so a person answering for a long day is not interrupted by the bot.
ALTER TABLE "conversations" ADD COLUMN "staff_active_at" timestamp with time zone;
