-- Sends are stored in batches: one INSERT may add several messages to a room (see
-- store/postgres/messages.rs), and the trigger runs once per row. The room's last seq and the
-- author's cursors only ever move forward, whatever order the rows are processed in.
CREATE OR REPLACE FUNCTION messages_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rooms SET last_seq = GREATEST(last_seq, NEW.seq),
                     last_message_at = GREATEST(last_message_at, NEW.created_at)
        WHERE id = NEW.room_id;
    UPDATE room_members SET last_read_seq = GREATEST(last_read_seq, NEW.seq),
                            last_delivered_seq = GREATEST(last_delivered_seq, NEW.seq)
        WHERE room_id = NEW.room_id AND user_id = NEW.author_id;
    IF NEW.parent_id IS NOT NULL THEN
        UPDATE messages SET reply_count = reply_count + 1 WHERE id = NEW.parent_id;
    END IF;
    RETURN NULL;
END
$$;
