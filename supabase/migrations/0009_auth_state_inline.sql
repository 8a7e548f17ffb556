-- A Signal session record (about 1.5 KB, some 2.1 KB once encoded) and a session's creds cross
-- PostgreSQL's default toast_tuple_target (about 2 KB): every rewrite was compressed, then moved out
-- of line into the TOAST table. Keeping rows inline up to a full page halves the cost of these writes,
-- which come with every message.
ALTER TABLE whatsapp_auth_keys SET (toast_tuple_target = 8160, fillfactor = 50);
--> statement-breakpoint
ALTER TABLE whatsapp_auth_creds SET (toast_tuple_target = 8160);
