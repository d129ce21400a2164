-- A send is one INSERT ... SELECT that reads the room's next seq itself (see
-- store/sqlite/messages.rs). What used to be separate statements in the same transaction runs
-- here, in the insert's own transaction: the room's last seq and activity, the author's read
-- and delivery cursors, and the thread root's reply count. An insert that loses the clientId
-- race stores nothing, so none of this runs and no seq is consumed.
CREATE TRIGGER messages_after_insert AFTER INSERT ON messages
BEGIN
    UPDATE rooms SET last_seq = new.seq, last_message_at = new.created_at
        WHERE id = new.room_id;
    UPDATE room_members SET last_read_seq = new.seq, last_delivered_seq = new.seq
        WHERE room_id = new.room_id AND user_id = new.author_id;
    UPDATE messages SET reply_count = reply_count + 1
        WHERE new.parent_id IS NOT NULL AND id = new.parent_id;
END;
