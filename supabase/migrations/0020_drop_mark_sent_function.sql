-- oxy_mark_sent (0013) was kept by 0014 only for the processes of the release before it, which
-- called it during a rolling deploy; every release since calls oxy_end_send.
DROP FUNCTION IF EXISTS oxy_mark_sent(uuid, uuid, text, text, timestamptz);
