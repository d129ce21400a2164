-- An author's read and delivery cursors move past their message in the background pass that
-- indexes new messages (store/sqlite/deferred.rs), one statement per step of many messages,
-- instead of a row rewritten inside every send's commit. The rest of the trigger of 0004 stays:
-- the room's last seq and activity, the thread root's reply count.
DROP TRIGGER messages_after_insert;
CREATE TRIGGER messages_after_insert AFTER INSERT ON messages
BEGIN
    UPDATE rooms SET last_seq = new.seq, last_message_at = new.created_at
        WHERE id = new.room_id;
    UPDATE messages SET reply_count = reply_count + 1
        WHERE new.parent_id IS NOT NULL AND id = new.parent_id;
END;
