-- A send's end, sent or failed, and the look for the next message to the same person, in one
-- round trip: MessagesRepository.markSent and markFailed both call oxy_end_send, so the look for
-- the next in line is written once (markFailed read it in a statement of its own). Why it is a
-- function of two statements is written in 0013: the second takes its snapshot after the first
-- has locked the ended row, and so sees a send stored meanwhile whose check saw this one queued.
-- Returns no row when the message was not queued (sent already, failed, or gone); otherwise one
-- row, the next message's id or null.
CREATE FUNCTION oxy_end_send(ended_id uuid, organization uuid, ended_status text, wa_id text, failure text, ended_at timestamptz)
RETURNS TABLE (next_id uuid)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  ended_instance uuid;
  ended_phone text;
BEGIN
  -- A plain stamp lost to a crash of the database server leaves the message queued, and the
  -- send is redone with the same WhatsApp id, which WhatsApp dedupes: its commit need not wait
  -- for the WAL flush. A stamp carrying a receipt that came first waits, as receipts do, and so
  -- does a failure: nothing would record it again.
  IF ended_status = 'sent' THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  UPDATE messages
     SET status = ended_status, wa_message_id = coalesce(wa_id, wa_message_id), error = failure, updated_at = ended_at
   WHERE id = ended_id AND organization_id = organization AND status = 'queued'
  RETURNING instance_id, remote_phone INTO ended_instance, ended_phone;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  -- Written out, not parameters: the plan can use the partial index of queued sends.
  RETURN QUERY SELECT (
    SELECT id FROM messages
     WHERE organization_id = organization AND instance_id = ended_instance AND remote_phone = ended_phone
       AND direction = 'outbound' AND status = 'queued'
     ORDER BY created_at, id
     LIMIT 1);
END $$;

-- Kept for the processes of the previous release during a rolling deploy (they still call it);
-- a later migration drops it.
CREATE OR REPLACE FUNCTION oxy_mark_sent(sent_id uuid, organization uuid, stamped_status text, wa_id text, stamped_at timestamptz)
RETURNS TABLE (next_id uuid)
LANGUAGE sql VOLATILE AS $$
  SELECT next_id FROM oxy_end_send(sent_id, organization, stamped_status, wa_id, NULL, stamped_at)
$$;
