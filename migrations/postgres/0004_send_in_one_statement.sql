-- A send is one INSERT ... SELECT ... FOR UPDATE that reads the room's next seq itself (see
-- store/postgres/messages.rs). What used to be separate statements in the same transaction
-- runs here, in the insert's own transaction: the room's last seq and activity, the author's
-- read and delivery cursors, and the thread root's reply count. An insert that loses the
-- clientId race stores nothing, so none of this runs and no seq is consumed.
CREATE FUNCTION messages_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rooms SET last_seq = NEW.seq, last_message_at = NEW.created_at
        WHERE id = NEW.room_id;
    UPDATE room_members SET last_read_seq = NEW.seq, last_delivered_seq = NEW.seq
        WHERE room_id = NEW.room_id AND user_id = NEW.author_id;
    IF NEW.parent_id IS NOT NULL THEN
        UPDATE messages SET reply_count = reply_count + 1 WHERE id = NEW.parent_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER messages_after_insert AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_after_insert();
