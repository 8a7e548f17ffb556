-- A send's stamp and the look for the next message to the same person, in one round trip
-- (MessagesRepository.markSent). Two statements in a VOLATILE function: the second takes
-- a snapshot of its own, after the first has locked the sent row. A send stored meanwhile
-- whose own check (WAITS_FOR_EARLIER, which locks the earlier row FOR SHARE) still saw this
-- one queued ran that check before the lock, so it was committed before this snapshot and
-- is found here and woken. One statement for both could miss it: its snapshot would
-- predate that send's commit.
-- Returns no row when the message was not queued (sent already, or gone); otherwise one
-- row, the next message's id or null.
CREATE FUNCTION oxy_mark_sent(sent_id uuid, organization uuid, stamped_status text, wa_id text, stamped_at timestamptz)
RETURNS TABLE (next_id uuid)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  ended_instance uuid;
  ended_phone text;
BEGIN
  -- A plain stamp lost to a crash of the database server leaves the message queued, and the
  -- send is redone with the same WhatsApp id, which WhatsApp dedupes: its commit need not wait
  -- for the WAL flush. A stamp carrying a receipt that came first waits, as receipts do.
  IF stamped_status = 'sent' THEN
    PERFORM set_config('synchronous_commit', 'off', true);
  END IF;
  UPDATE messages SET status = stamped_status, wa_message_id = wa_id, error = NULL, updated_at = stamped_at
   WHERE id = sent_id AND organization_id = organization AND status = 'queued'
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
