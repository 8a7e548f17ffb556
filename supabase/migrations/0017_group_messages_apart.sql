-- A group chat's messages (INBOUND_IGNORE_GROUPS=false: stored, never answered) were stored under
-- the sender's phone, so what a customer said in a group showed in their own conversation and in
-- the agent's history of it. They are now stored under the group's JID (`...@g.us`) with the
-- sender in the note. The rows from before did not keep the group's JID: they go under a
-- placeholder group, still naming the sender; only the intake ever wrote this note.
UPDATE messages
   SET remote_phone = 'unknown@g.us',
       error = 'group chat: stored, not answered (sent by ' || remote_phone || ')',
       updated_at = now()
 WHERE direction = 'inbound' AND error = 'group chat: stored, not answered';
