//! Messages: sequence numbers, idempotent sends, paging, threads, edits, deletions, reactions.

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::{Value, json};
use switchboard::{
    domain::Id,
    store::{InsertOutcome, NewMessage},
};

use sqlx::Connection;

use crate::helpers::{Backend, Setup, TestApp, slug};

crate::backend_tests!(
    concurrent_senders_get_gap_free_seqs,
    sends_stored_together_keep_their_own_outcomes,
    racing_resends_store_one_message,
    history_pages_in_both_directions,
    threads_hang_off_root_messages,
    authors_edit_and_moderators_delete,
    reactions_are_per_user_and_emoji,
    bodies_are_validated,
    a_change_of_access_applies_to_the_next_send,
    edits_close_after_the_window with Setup::args(&["--edit-window-secs", "0"]),
    a_pool_of_one_connection_serves_sends_and_reads
        with Setup::args(&["--database-max-connections", "1"]),
);

fn seqs(items: &Value) -> Vec<i64> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}

/// The message writer keeps its PostgreSQL connection between batches; when the database ends
/// it (here `pg_terminate_backend`, as a restart or a failover would), the next send is still
/// stored: the writer sees the connection die and stores the batch again on a fresh one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_after_the_database_ended_the_writers_connection_is_stored() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let owner = app.staff().await;
    let room = owner.create_room(&slug("ended"), "public", None).await;
    let first = owner.send_message(room, "before").await;
    assert_eq!(first["seq"], json!(1));
    let mut admin = sqlx::PgConnection::connect(&app.database_url)
        .await
        .unwrap();
    let ended: Vec<i32> = sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid")
        .bind(&ended)
        .execute(&mut admin)
        .await
        .unwrap();
    assert!(!ended.is_empty(), "the server's connections were ended");
    // Termination is asynchronous: wait until those backends are gone.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let alive: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)")
                .bind(&ended)
                .fetch_one(&mut admin)
                .await
                .unwrap();
        if alive == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{alive} still alive"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let second = owner.send_message(room, "after").await;
    assert_eq!(second["seq"], json!(2));
    let history = owner
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    assert_eq!(seqs(&history.data()["items"]), [1, 2]);
}

/// The message writer does not keep the only connection of a pool of one to itself: the
/// requests between sends still get one.
async fn a_pool_of_one_connection_serves_sends_and_reads(app: TestApp) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("one"), "public", None).await;
    for i in 0..3 {
        owner.send_message(room, &format!("message {i}")).await;
        let history = owner
            .get(&format!("rooms/{room}/messages"))
            .await
            .expect(200);
        assert_eq!(
            history.data()["items"].as_array().map(Vec::len),
            Some(i + 1)
        );
    }
    let room_view = owner.get(&format!("rooms/{room}")).await.expect(200);
    assert_eq!(room_view.data()["lastSeq"], json!(3));
}

async fn concurrent_senders_get_gap_free_seqs(app: TestApp) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("seq"), "public", None).await;
    let mut senders = vec![owner.clone()];
    for _ in 0..4 {
        let user = app.staff().await;
        user.post(&format!("rooms/{room}/join"), json!({}))
            .await
            .expect(200);
        senders.push(user);
    }
    let sends = (0..50).map(|i| {
        let sender = senders[i % senders.len()].clone();
        async move { sender.send_message(room, &format!("message {i}")).await }
    });
    let sent = join_all(sends).await;
    let mut got: Vec<i64> = sent.iter().map(|m| m["seq"].as_i64().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, (1..=50).collect::<Vec<_>>());
    let room_view = owner.get(&format!("rooms/{room}")).await.expect(200);
    assert_eq!(room_view.data()["lastSeq"], json!(50));
    // Every author has read up to their own last message, whichever batch stored it.
    for (i, sender) in senders.iter().enumerate() {
        let own_last = sent
            .iter()
            .skip(i)
            .step_by(senders.len())
            .map(|m| m["seq"].as_i64().unwrap())
            .max()
            .unwrap();
        let view = sender.get(&format!("rooms/{room}")).await.expect(200);
        assert_eq!(view.data()["lastReadSeq"], json!(own_last), "sender {i}");
        assert_eq!(view.data()["unread"], json!(50 - own_last), "sender {i}");
    }
}

/// Sends queued together are stored by one group commit (one statement on PostgreSQL): each
/// still gets its own outcome, and every room's seqs stay gap-free.
async fn sends_stored_together_keep_their_own_outcomes(app: TestApp) {
    let user = app.staff().await;
    let a = user.create_room(&slug("batch-a"), "public", None).await;
    let b = user.create_room(&slug("batch-b"), "public", None).await;
    let store = app.state.ctx.store.clone();
    let send = |room: Id, client_id: &str| NewMessage {
        id: Id::new(),
        room_id: room,
        author_id: user.id(),
        client_id: client_id.to_owned(),
        body: format!("body of {client_id}"),
        parent_id: None,
        created_at: switchboard::store::now(),
    };
    let stored_before = store.insert_message(send(a, "old")).await.unwrap();
    let in_b = store.insert_message(send(b, "moved")).await.unwrap();
    let mut sends: Vec<NewMessage> = (0..40)
        .map(|i| send(if i % 2 == 0 { a } else { b }, &format!("c{i}")))
        .collect();
    sends.extend((0..5).map(|_| send(a, "twice")));
    sends.push(send(a, "old"));
    sends.push(send(a, "moved"));
    sends.push(send(Id::new(), "nowhere"));
    let outcomes = join_all(sends.iter().cloned().map(|m| store.insert_message(m))).await;
    let mut seqs_of: std::collections::HashMap<Id, Vec<i64>> = Default::default();
    let mut twice = HashSet::new();
    for (sent, outcome) in sends.iter().zip(&outcomes) {
        match (sent.client_id.as_str(), outcome) {
            ("old", Ok(InsertOutcome::Existing(row))) => {
                assert_eq!(Some(row.id), created_id(&stored_before));
            }
            ("moved", Ok(InsertOutcome::Existing(row))) => {
                assert_eq!(
                    row.room_id, b,
                    "the stored message, in the room it was sent to"
                );
                assert_eq!(Some(row.id), created_id(&in_b));
            }
            ("nowhere", Err(_)) => {}
            ("twice", Ok(InsertOutcome::Created(row) | InsertOutcome::Existing(row))) => {
                twice.insert(row.id);
                if matches!(outcome, Ok(InsertOutcome::Created(_))) {
                    seqs_of.entry(row.room_id).or_default().push(row.seq);
                }
            }
            (_, Ok(InsertOutcome::Created(row))) => {
                assert_eq!(row.client_id, sent.client_id);
                assert_eq!(row.room_id, sent.room_id);
                seqs_of.entry(row.room_id).or_default().push(row.seq);
            }
            (client_id, other) => panic!("{client_id}: {other:?}"),
        }
    }
    assert_eq!(
        twice.len(),
        1,
        "one message for a client id sent five times at once"
    );
    for (room, first, count) in [(a, 2, 21), (b, 2, 20)] {
        let mut seqs = seqs_of.remove(&room).unwrap_or_default();
        seqs.sort_unstable();
        assert_eq!(seqs, (first..first + count).collect::<Vec<_>>(), "gap-free");
        let view = user.get(&format!("rooms/{room}")).await.expect(200);
        assert_eq!(view.data()["lastSeq"], json!(first + count - 1));
    }
    // A send the database refuses (its thread root does not exist) fails alone: the batch it
    // was queued with is stored one by one.
    let mut sends: Vec<NewMessage> = (0..20).map(|i| send(a, &format!("d{i}"))).collect();
    sends.insert(
        7,
        NewMessage {
            parent_id: Some(Id::new()),
            ..send(a, "orphan")
        },
    );
    let outcomes = join_all(sends.iter().cloned().map(|m| store.insert_message(m))).await;
    let mut seqs = Vec::new();
    for (sent, outcome) in sends.iter().zip(&outcomes) {
        match (sent.client_id.as_str(), outcome) {
            ("orphan", Err(_)) => {}
            (_, Ok(InsertOutcome::Created(row))) => seqs.push(row.seq),
            (client_id, other) => panic!("{client_id}: {other:?}"),
        }
    }
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (23..43).collect::<Vec<_>>(),
        "gap-free after a refusal"
    );
}

fn created_id(outcome: &InsertOutcome) -> Option<Id> {
    match outcome {
        InsertOutcome::Created(row) => Some(row.id),
        InsertOutcome::Existing(_) => None,
    }
}

async fn racing_resends_store_one_message(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("idem"), "public", None).await;
    let client_id = Id::new().to_string();
    let body = json!({"clientId": client_id, "body": "only once"});
    let path = format!("rooms/{room}/messages");
    let sends = (0..20).map(|_| user.post(&path, body.clone()));
    let results = join_all(sends).await;
    let ids: HashSet<String> = results
        .iter()
        .map(|r| r.data()["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "one message for one clientId");
    let created = results.iter().filter(|r| r.status == 201).count();
    assert_eq!(created, 1, "exactly one send stored it");
    assert!(results.iter().all(|r| r.status == 201 || r.status == 200));
    // No seq was consumed by the losers: the next message gets seq 2.
    let next = user.send_message(room, "next").await;
    assert_eq!(next["seq"], json!(2));
    // The same clientId in another room is a conflict, not a silent success.
    let other = user.create_room(&slug("idem2"), "public", None).await;
    user.post(&format!("rooms/{other}/messages"), body)
        .await
        .expect_error(409, "CLIENT_ID_REUSED");
}

async fn history_pages_in_both_directions(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("hist"), "public", None).await;
    let empty = user
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    assert_eq!(empty.data()["items"], json!([]));
    assert_eq!(empty.data()["nextCursor"], json!(null));
    for i in 1..=7 {
        user.send_message(room, &format!("m{i}")).await;
    }
    let newest = user
        .get(&format!("rooms/{room}/messages?limit=3"))
        .await
        .expect(200);
    assert_eq!(seqs(&newest.data()["items"]), [5, 6, 7]);
    assert_eq!(newest.data()["nextCursor"], json!("5"));
    let older = user
        .get(&format!("rooms/{room}/messages?limit=3&before=5"))
        .await
        .expect(200);
    assert_eq!(seqs(&older.data()["items"]), [2, 3, 4]);
    let oldest = user
        .get(&format!("rooms/{room}/messages?limit=3&before=2"))
        .await
        .expect(200);
    assert_eq!(seqs(&oldest.data()["items"]), [1]);
    assert_eq!(oldest.data()["nextCursor"], json!(null));
    let exactly = user
        .get(&format!("rooms/{room}/messages?limit=3&before=4"))
        .await
        .expect(200);
    assert_eq!(seqs(&exactly.data()["items"]), [1, 2, 3]);
    assert_eq!(
        exactly.data()["nextCursor"],
        json!(null),
        "seq 1 is the start"
    );
    let after = user
        .get(&format!("rooms/{room}/messages?after=2&limit=4"))
        .await
        .expect(200);
    assert_eq!(seqs(&after.data()["items"]), [3, 4, 5, 6]);
    assert_eq!(after.data()["nextCursor"], json!("6"));
    let tail = user
        .get(&format!("rooms/{room}/messages?after=7"))
        .await
        .expect(200);
    assert_eq!(tail.data()["items"], json!([]));
    // Past the maximum page size (100), a bigger limit is clamped to it.
    let more: Vec<String> = (8..=105).map(|i| format!("m{i}")).collect();
    join_all(more.iter().map(|body| user.send_message(room, body))).await;
    let clamped = user
        .get(&format!("rooms/{room}/messages?limit=1000"))
        .await
        .expect(200);
    assert_eq!(
        seqs(&clamped.data()["items"]),
        (6..=105).collect::<Vec<i64>>()
    );
    assert_eq!(clamped.data()["nextCursor"], json!("6"));
    user.get(&format!("rooms/{room}/messages?limit=0"))
        .await
        .expect_error(422, "VALIDATION");
    user.get(&format!("rooms/{room}/messages?before=abc"))
        .await
        .expect_error(400, "BAD_REQUEST");
    user.get(&format!("rooms/{room}/messages?before=3&after=1"))
        .await
        .expect_error(422, "VALIDATION");
}

async fn threads_hang_off_root_messages(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("thread"), "public", None).await;
    let root = user.send_message(room, "root").await;
    let root_id = root["id"].as_str().unwrap();
    let path = format!("rooms/{room}/messages");
    let reply = user
        .post(
            &path,
            json!({"clientId": "r1", "body": "reply", "parentId": root_id}),
        )
        .await
        .expect(201);
    let reply_id = reply.data()["id"].as_str().unwrap().to_owned();
    user.post(
        &path,
        json!({"clientId": "r2", "body": "nested", "parentId": reply_id}),
    )
    .await
    .expect_error(422, "VALIDATION");
    let other_room = user.create_room(&slug("other"), "public", None).await;
    user.post(
        &format!("rooms/{other_room}/messages"),
        json!({"clientId": "r3", "body": "x", "parentId": root_id}),
    )
    .await
    .expect_error(422, "VALIDATION");
    user.post(
        &path,
        json!({"clientId": "r4", "body": "x", "parentId": Id::new()}),
    )
    .await
    .expect_error(422, "VALIDATION");
    let thread = user
        .get(&format!("messages/{root_id}/thread"))
        .await
        .expect(200);
    assert_eq!(thread.data()["root"]["replyCount"], json!(1));
    assert_eq!(thread.data()["replies"][0]["body"], json!("reply"));
    // Replies sent at once (stored together) are each counted.
    let replies = (0..12).map(|i| {
        user.post(
            &path,
            json!({"clientId": format!("burst-{i}"), "body": "burst", "parentId": root_id}),
        )
    });
    for reply in join_all(replies).await {
        reply.expect(201);
    }
    let thread = user
        .get(&format!("messages/{root_id}/thread"))
        .await
        .expect(200);
    assert_eq!(thread.data()["root"]["replyCount"], json!(13));
    let via_reply = user
        .get(&format!("messages/{reply_id}/thread"))
        .await
        .expect(200);
    assert_eq!(via_reply.data()["root"]["id"], json!(root_id));
}

async fn authors_edit_and_moderators_delete(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner.create_room(&slug("edit"), "public", None).await;
    member
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let message = member.send_message(room, "typo").await;
    let id = message["id"].as_str().unwrap();
    let edited = member
        .patch(&format!("messages/{id}"), json!({"body": "fixed"}))
        .await
        .expect(200);
    assert_eq!(edited.data()["body"], json!("fixed"));
    assert!(edited.data()["editedAt"].is_string());
    owner
        .patch(&format!("messages/{id}"), json!({"body": "mine now"}))
        .await
        .expect_error(403, "FORBIDDEN");
    let other = owner.send_message(room, "owner's").await;
    member
        .delete(&format!("messages/{}", other["id"].as_str().unwrap()))
        .await
        .expect_error(403, "FORBIDDEN");
    let deleted = owner.delete(&format!("messages/{id}")).await.expect(200);
    assert_eq!(deleted.data()["body"], json!(null));
    assert!(deleted.data()["deletedAt"].is_string());
    let history = member
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    assert_eq!(history.data()["items"][0]["body"], json!(null));
    owner
        .delete(&format!("messages/{id}"))
        .await
        .expect_error(404, "NOT_FOUND");
    member
        .patch(&format!("messages/{id}"), json!({"body": "back"}))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn edits_close_after_the_window(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("window"), "public", None).await;
    let message = user.send_message(room, "late").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    user.patch(
        &format!("messages/{}", message["id"].as_str().unwrap()),
        json!({"body": "edit"}),
    )
    .await
    .expect_error(403, "EDIT_WINDOW_PASSED");
}

async fn reactions_are_per_user_and_emoji(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let room = a.create_room(&slug("react"), "public", None).await;
    b.post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let message = a.send_message(room, "ship it").await;
    let id = message["id"].as_str().unwrap();
    let thumbs = "messages/{id}/reactions/%F0%9F%91%8D".replace("{id}", id);
    a.put(&thumbs).await.expect(200);
    a.put(&thumbs).await.expect(200);
    let after_b = b.put(&thumbs).await.expect(200);
    assert_eq!(
        after_b.data()["reactions"],
        json!([{"emoji": "👍", "count": 2, "me": true}])
    );
    let party = b
        .put(&format!("messages/{id}/reactions/%F0%9F%8E%89"))
        .await
        .expect(200);
    assert_eq!(party.data()["reactions"].as_array().unwrap().len(), 2);
    let removed = a.delete(&thumbs).await.expect(200);
    assert_eq!(
        removed.data()["reactions"][0],
        json!({"emoji": "👍", "count": 1, "me": false})
    );
    a.put(&format!("messages/{id}/reactions/hello"))
        .await
        .expect_error(422, "VALIDATION");
    // Only one known emoji: digits, `#`, arrows, two emoji and blanks are not reactions.
    for bad in [
        "1",
        "%23",
        "%E2%86%92",
        "%F0%9F%91%8D%F0%9F%91%8D",
        "%20",
        ":no_such_code:",
    ] {
        let refused = a
            .put(&format!("messages/{id}/reactions/{bad}"))
            .await
            .expect_error(422, "VALIDATION");
        assert_eq!(refused.body["details"][0]["field"], json!("emoji"), "{bad}");
    }
    // Skin tones and joined sequences are single emoji; a short code is stored as its emoji.
    for good in [
        "%F0%9F%91%8D%F0%9F%8F%BD",
        "%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB",
    ] {
        a.put(&format!("messages/{id}/reactions/{good}"))
            .await
            .expect(200);
    }
    let tada = a
        .put(&format!("messages/{id}/reactions/:tada:"))
        .await
        .expect(200);
    let tada_count = tada.data()["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["emoji"] == json!("🎉"))
        .map(|r| r["count"].clone());
    assert_eq!(tada_count, Some(json!(2)));
    a.put(&format!("messages/{id}/reactions/%3Cscript%3E"))
        .await
        .expect_error(422, "VALIDATION");
    a.put(&format!("messages/{}/reactions/%F0%9F%91%8D", Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn bodies_are_validated(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("body"), "public", None).await;
    let path = format!("rooms/{room}/messages");
    for (body, field) in [
        (json!({"clientId": "a", "body": "   "}), "body"),
        (json!({"clientId": "b", "body": "x".repeat(5001)}), "body"),
        (json!({"clientId": "", "body": "x"}), "clientId"),
        (json!({"clientId": "c d", "body": "x"}), "clientId"),
    ] {
        let resp = user.post(&path, body).await.expect_error(422, "VALIDATION");
        assert_eq!(resp.body["details"][0]["field"], json!(field));
    }
    let long = "é".repeat(5000);
    let ok = user
        .post(
            &path,
            json!({"clientId": "e", "body": format!("  {long}  ")}),
        )
        .await
        .expect(201);
    assert_eq!(ok.data()["body"].as_str().unwrap().chars().count(), 5000);
    let hostile = "<img src=x onerror=alert(1)> '; DROP TABLE messages; --";
    let stored = user.send_message(room, hostile).await;
    assert_eq!(stored["body"], json!(hostile));
}

/// Sends check the room and the sender's membership from a short-lived cache: a change made
/// here applies to the very next send; one made behind the server's back (by another instance,
/// or the CLI) within the cache's lifetime.
async fn a_change_of_access_applies_to_the_next_send(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner.create_room(&slug("access"), "private", None).await;
    owner.add_member(room, &member).await;
    member.try_send_message(room, "first").await.expect(201);
    member
        .try_send_message(room, "second, from the cache")
        .await
        .expect(201);
    owner
        .delete(&format!("rooms/{room}/members/{}", member.id()))
        .await
        .expect(200);
    member
        .try_send_message(room, "removed")
        .await
        .expect_error(404, "NOT_FOUND");
    owner.add_member(room, &member).await;
    member.try_send_message(room, "back").await.expect(201);
    // Behind the server's back: no event tells this instance.
    let removed = app
        .state
        .ctx
        .store
        .remove_member(room, member.id(), &[])
        .await
        .unwrap();
    assert!(removed);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let answer = member.try_send_message(room, "still here?").await;
        if answer.status == 404 {
            break;
        }
        answer.expect(201);
        assert!(
            std::time::Instant::now() < deadline,
            "the removal never applied to sends"
        );
    }
}
