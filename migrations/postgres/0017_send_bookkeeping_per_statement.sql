-- Sends stored in batches pay for the bookkeeping once per statement, not once per row: the
-- trigger runs once per INSERT over the rows it added (a transition table), and moves each
-- room, each author's cursors and each thread root once. Values only ever move forward.
CREATE FUNCTION messages_after_insert_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rooms r SET last_seq = GREATEST(r.last_seq, n.seq),
                       last_message_at = GREATEST(r.last_message_at, n.created_at)
        FROM (SELECT room_id, max(seq) AS seq, max(created_at) AS created_at
              FROM new_messages GROUP BY room_id) n
        WHERE r.id = n.room_id;
    UPDATE room_members m SET last_read_seq = GREATEST(m.last_read_seq, n.seq),
                              last_delivered_seq = GREATEST(m.last_delivered_seq, n.seq)
        FROM (SELECT room_id, author_id, max(seq) AS seq
              FROM new_messages GROUP BY room_id, author_id) n
        WHERE m.room_id = n.room_id AND m.user_id = n.author_id;
    UPDATE messages p SET reply_count = p.reply_count + n.replies
        FROM (SELECT parent_id, count(*) AS replies
              FROM new_messages WHERE parent_id IS NOT NULL GROUP BY parent_id) n
        WHERE p.id = n.parent_id;
    RETURN NULL;
END
$$;

DROP TRIGGER messages_after_insert ON messages;
DROP FUNCTION messages_after_insert();
CREATE TRIGGER messages_after_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION messages_after_insert_statement();
