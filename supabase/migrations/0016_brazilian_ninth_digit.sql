-- Brazilian mobiles are kept with their ninth digit (normalizePhoneNumber), whichever spelling the
-- WhatsApp account writes from. Rows from before kept a sender as its JID spelled it: eight digits
-- for an account older than the digit, so the owner typed with nine was not recognised, and a
-- contact staff created with nine was a second contact beside the one the messages created. Here
-- every old spelling (+55, DDD, eight digits from 6 to 9) gets the digit, and two contacts of one
-- person become one: the nine-digit one keeps its id and takes the other's pets, bookings,
-- messages, conversation and campaign rows.

-- Owner numbers: each with the digit, once, in their order.
UPDATE organizations
   SET authorized_owner_numbers = ARRAY(
         SELECT spelled.phone
           FROM (SELECT regexp_replace(owner.phone, '^\+55(\d{2})([6-9]\d{7})$', '+55\19\2') AS phone, min(owner.position) AS position
                   FROM unnest(organizations.authorized_owner_numbers) WITH ORDINALITY AS owner(phone, position)
                  GROUP BY 1) spelled
          ORDER BY spelled.position),
       updated_at = now()
 WHERE EXISTS (SELECT 1 FROM unnest(organizations.authorized_owner_numbers) AS owner(phone) WHERE owner.phone ~ '^\+55\d{2}[6-9]\d{7}$');

-- The same person twice: the eight-digit contact (dropped) and the nine-digit one (kept).
CREATE TEMPORARY TABLE ninth_digit_contact_moves ON COMMIT DROP AS
SELECT dropped.id AS dropped_id, kept.id AS kept_id
  FROM contacts dropped
  JOIN contacts kept
    ON kept.organization_id = dropped.organization_id
   AND kept.phone = regexp_replace(dropped.phone, '^\+55(\d{2})([6-9]\d{7})$', '+55\19\2')
 WHERE dropped.phone ~ '^\+55\d{2}[6-9]\d{7}$';

-- One conversation per contact: of two, the one with the latest message stays and the other's
-- messages and interactions join it.
CREATE TEMPORARY TABLE ninth_digit_conversation_moves ON COMMIT DROP AS
SELECT CASE WHEN newest_is_dropped THEN kept_conversation ELSE dropped_conversation END AS dropped_id,
       CASE WHEN newest_is_dropped THEN dropped_conversation ELSE kept_conversation END AS kept_id
  FROM (SELECT dropped.id AS dropped_conversation, kept.id AS kept_conversation,
               coalesce(dropped.last_message_at, dropped.created_at) > coalesce(kept.last_message_at, kept.created_at) AS newest_is_dropped
          FROM ninth_digit_contact_moves moves
          JOIN conversations dropped ON dropped.contact_id = moves.dropped_id
          JOIN conversations kept ON kept.contact_id = moves.kept_id) pairs;

UPDATE messages SET conversation_id = moves.kept_id
  FROM ninth_digit_conversation_moves moves WHERE messages.conversation_id = moves.dropped_id;
UPDATE ai_interactions SET conversation_id = moves.kept_id
  FROM ninth_digit_conversation_moves moves WHERE ai_interactions.conversation_id = moves.dropped_id;
DELETE FROM conversations USING ninth_digit_conversation_moves moves WHERE conversations.id = moves.dropped_id;
UPDATE conversations SET contact_id = moves.kept_id
  FROM ninth_digit_contact_moves moves WHERE conversations.contact_id = moves.dropped_id;

-- What hangs off the dropped contact moves to the kept one (a campaign's recipient once).
UPDATE pets SET contact_id = moves.kept_id FROM ninth_digit_contact_moves moves WHERE pets.contact_id = moves.dropped_id;
UPDATE bookings SET contact_id = moves.kept_id FROM ninth_digit_contact_moves moves WHERE bookings.contact_id = moves.dropped_id;
UPDATE messages SET contact_id = moves.kept_id FROM ninth_digit_contact_moves moves WHERE messages.contact_id = moves.dropped_id;
UPDATE ai_interactions SET contact_id = moves.kept_id FROM ninth_digit_contact_moves moves WHERE ai_interactions.contact_id = moves.dropped_id;
DELETE FROM campaign_recipients dropped
 USING ninth_digit_contact_moves moves, campaign_recipients kept
 WHERE dropped.contact_id = moves.dropped_id AND kept.contact_id = moves.kept_id AND kept.campaign_id = dropped.campaign_id;
UPDATE campaign_recipients SET contact_id = moves.kept_id
  FROM ninth_digit_contact_moves moves WHERE campaign_recipients.contact_id = moves.dropped_id;

-- The kept contact keeps what staff wrote and learns what only the other knew; opted out if either was.
UPDATE contacts kept
   SET name = coalesce(kept.name, dropped.name),
       notes = coalesce(kept.notes, dropped.notes),
       lid = coalesce(kept.lid, dropped.lid),
       wa_jid = coalesce(dropped.wa_jid, kept.wa_jid),
       instance_id = coalesce(kept.instance_id, dropped.instance_id),
       last_message_at = greatest(kept.last_message_at, dropped.last_message_at),
       opted_out_at = least(kept.opted_out_at, dropped.opted_out_at),
       created_at = least(kept.created_at, dropped.created_at),
       updated_at = now()
  FROM ninth_digit_contact_moves moves
  JOIN contacts dropped ON dropped.id = moves.dropped_id
 WHERE kept.id = moves.kept_id;
DELETE FROM contacts USING ninth_digit_contact_moves moves WHERE contacts.id = moves.dropped_id;

-- Every other old spelling gets the digit.
UPDATE contacts SET phone = regexp_replace(phone, '^\+55(\d{2})([6-9]\d{7})$', '+55\19\2'), updated_at = now()
 WHERE phone ~ '^\+55\d{2}[6-9]\d{7}$';
UPDATE messages SET remote_phone = regexp_replace(remote_phone, '^\+55(\d{2})([6-9]\d{7})$', '+55\19\2')
 WHERE remote_phone ~ '^\+55\d{2}[6-9]\d{7}$';
