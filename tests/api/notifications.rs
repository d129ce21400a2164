//! Handles, mentions and notifications: who is mentioned (only people who may read the room),
//! who is notified and why, muted rooms and "mentions only", paging and read state, the
//! counts in `/auth/me` and `/rooms`, preferences and the composer's autocomplete.

use serde_json::{Value, json};
use switchboard::domain::{Id, user::Role};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(
    every_account_gets_a_unique_handle_it_can_change,
    a_mention_notifies_only_people_who_may_read_the_room,
    dms_replies_and_group_mentions_notify,
    muted_rooms_and_mentions_only_are_respected,
    notifications_page_and_are_read,
    reading_a_room_reads_its_notifications,
    preferences_are_validated_and_kept,
    the_composer_suggests_readers_of_the_room,
    an_assigned_ticket_notifies_its_assignee,
);

/// The user's handle, from `/auth/me`.
async fn handle_of(client: &Client) -> String {
    let me = client.get("auth/me").await.expect(200);
    me.data()["handle"].as_str().unwrap().to_owned()
}

async fn notifications(client: &Client, query: &str) -> Vec<Value> {
    let page = client
        .get(&format!("notifications{query}"))
        .await
        .expect(200);
    page.data()["items"].as_array().unwrap().clone()
}

async fn unread_count(client: &Client) -> i64 {
    let me = client.get("auth/me").await.expect(200);
    me.data()["notificationCount"].as_i64().unwrap()
}

/// The room as `client` sees it in `GET /rooms`.
async fn room_in_list(client: &Client, room: Id) -> Value {
    let rooms = client.get("rooms").await.expect(200);
    let items = rooms.data()["items"]
        .as_array()
        .or_else(|| rooms.data().as_array())
        .unwrap()
        .clone();
    items
        .into_iter()
        .find(|r| r["id"] == json!(room))
        .unwrap_or_else(|| panic!("room {room} is not listed"))
}

async fn add_member(owner: &Client, room: Id, user: &Client) {
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": user.id()}),
        )
        .await
        .expect(201);
}

async fn every_account_gets_a_unique_handle_it_can_change(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let (ha, hb) = (handle_of(&a).await, handle_of(&b).await);
    assert!(!ha.is_empty() && ha != hb, "{ha} / {hb}");
    assert_eq!(ha, ha.to_lowercase());

    let wanted = format!("grace.{}", &Id::new().to_string()[30..]);
    let changed = a
        .patch(
            "me",
            json!({"handle": format!("@{}", wanted.to_uppercase())}),
        )
        .await;
    assert_eq!(changed.expect(200).data()["handle"], json!(wanted));
    assert_eq!(handle_of(&a).await, wanted);
    // Taken, invalid, reserved, or nothing to change.
    b.patch("me", json!({"handle": wanted}))
        .await
        .expect_error(409, "HANDLE_TAKEN");
    for bad in ["x", "has space", "here", ".dot", "<script>"] {
        b.patch("me", json!({"handle": bad}))
            .await
            .expect_error(422, "VALIDATION");
    }
    b.patch("me", json!({}))
        .await
        .expect_error(422, "VALIDATION");
    b.patch("me", json!({"handle": 5}))
        .await
        .expect_error(422, "VALIDATION");
    // The handle is public in the directory.
    let users = a.get(&format!("users?q={}", b.email)).await.expect(200);
    assert_eq!(users.data()["items"][0]["handle"], json!(hb));
}

async fn a_mention_notifies_only_people_who_may_read_the_room(app: TestApp) {
    let grace = app.staff().await;
    let linus = app.staff().await;
    let outsider = app.staff().await;
    let room = grace.create_room(&slug("eng"), "private", None).await;
    add_member(&grace, room, &linus).await;
    let (hl, ho) = (handle_of(&linus).await, handle_of(&outsider).await);

    let sent = grace
        .send_message(
            room,
            &format!("@{hl} can you look at this? cc @{ho} and @nobody-here"),
        )
        .await;
    // Only the reader is a mention; the outsider's handle stays text.
    assert_eq!(
        sent["mentions"],
        json!([{"userId": linus.id(), "handle": hl}])
    );
    let history = linus
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    let stored = history.data()["items"]
        .as_array()
        .or_else(|| history.data().as_array())
        .unwrap()
        .iter()
        .find(|m| m["id"] == sent["id"])
        .cloned()
        .unwrap();
    assert_eq!(stored["mentions"], sent["mentions"]);

    let got = notifications(&linus, "").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["kind"], json!("mention"));
    assert_eq!(got[0]["roomId"], json!(room));
    assert_eq!(got[0]["messageId"], sent["id"]);
    assert_eq!(got[0]["seq"], sent["seq"]);
    assert_eq!(got[0]["actor"]["id"], json!(grace.id()));
    assert!(got[0]["excerpt"].as_str().unwrap().starts_with('@'));
    assert_eq!(got[0]["read"], json!(false));
    assert_eq!(unread_count(&linus).await, 1);
    assert_eq!(room_in_list(&linus, room).await["mentionCount"], json!(1));
    // Nobody else hears of it: not the outsider, not the author.
    assert!(notifications(&outsider, "").await.is_empty());
    assert!(notifications(&grace, "").await.is_empty());

    // An edit that adds a reader mentions them too, once.
    let ada = app.staff().await;
    add_member(&grace, room, &ada).await;
    let ha = handle_of(&ada).await;
    let edited = grace
        .patch(
            &format!("messages/{}", sent["id"].as_str().unwrap()),
            json!({"body": format!("@{hl} and @{ha}, please")}),
        )
        .await
        .expect(200);
    assert_eq!(edited.data()["mentions"].as_array().unwrap().len(), 2);
    assert_eq!(notifications(&ada, "").await.len(), 1);
    assert_eq!(notifications(&linus, "").await.len(), 1);
}

async fn dms_replies_and_group_mentions_notify(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let dm = a.post("dms", json!({"userId": b.id()})).await.id();
    a.send_message(dm, "lunch?").await;
    let got = notifications(&b, "").await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["kind"], json!("dm"));
    assert_eq!(room_in_list(&b, dm).await["mentionCount"], json!(1));

    // Replies reach the thread's author and everyone who replied before.
    let c = app.staff().await;
    let room = a.create_room(&slug("thread"), "private", None).await;
    add_member(&a, room, &b).await;
    add_member(&a, room, &c).await;
    let root = a.send_message(room, "root").await;
    let reply = |client: &Client, body: &'static str| {
        let root = root["id"].clone();
        let client = client.clone();
        async move {
            client
                .post(
                    &format!("rooms/{room}/messages"),
                    json!({"clientId": Id::new().to_string(), "body": body, "parentId": root}),
                )
                .await
                .expect(201)
        }
    };
    reply(&b, "first reply").await;
    reply(&c, "second reply").await;
    let kinds = |list: Vec<Value>| -> Vec<String> {
        list.iter()
            .filter(|n| n["roomId"] == json!(room))
            .map(|n| n["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kinds(notifications(&a, "").await), vec!["reply", "reply"]);
    assert_eq!(kinds(notifications(&b, "").await), vec!["reply"]);
    assert!(kinds(notifications(&c, "").await).is_empty());
    // A reply names its thread (the client opens the thread, not only the room); a DM none.
    let replies = notifications(&a, "").await;
    assert!(
        replies.iter().all(|n| n["threadId"] == root["id"]),
        "{replies:?}"
    );
    assert_eq!(
        notifications(&b, "").await.last().unwrap()["threadId"],
        json!(null)
    );

    // @room reaches every member but the author; @here only those online (none here: no
    // sockets in this test).
    a.send_message(room, "@room release at five").await;
    assert_eq!(kinds(notifications(&c, "").await), vec!["mention"]);
    c.send_message(room, "@here anyone?").await;
    assert_eq!(kinds(notifications(&a, "").await).len(), 2);
}

async fn muted_rooms_and_mentions_only_are_respected(app: TestApp) {
    let a = app.staff().await;
    let margaret = app.staff().await;
    let room = a.create_room(&slug("random"), "private", None).await;
    add_member(&a, room, &margaret).await;
    let hm = handle_of(&margaret).await;
    let path = format!("rooms/{room}/notifications");

    // Muted for an hour: @room stays quiet, a mention by handle still notifies.
    let until = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let set = margaret
        .put_json(&path, json!({"level": "all", "muteUntil": until}))
        .await
        .expect(200);
    assert!(set.data()["mutedUntil"].is_string());
    a.send_message(room, "@room muted?").await;
    assert!(notifications(&margaret, "").await.is_empty());
    a.send_message(room, &format!("@{hm} but this one")).await;
    assert_eq!(notifications(&margaret, "").await.len(), 1);
    // Muted rooms stay unread-counted.
    assert!(
        room_in_list(&margaret, room).await["unread"]
            .as_i64()
            .unwrap()
            >= 2
    );

    // Mentions only: group mentions notify, thread replies do not.
    margaret
        .put_json(&path, json!({"level": "mentions"}))
        .await
        .expect(200);
    assert_eq!(
        room_in_list(&margaret, room).await["notifyLevel"],
        json!("mentions")
    );
    let root = margaret.send_message(room, "my thread").await;
    a.post(
        &format!("rooms/{room}/messages"),
        json!({"clientId": Id::new().to_string(), "body": "a reply", "parentId": root["id"]}),
    )
    .await
    .expect(201);
    assert_eq!(notifications(&margaret, "").await.len(), 1);
    a.send_message(room, "@room now?").await;
    assert_eq!(notifications(&margaret, "").await.len(), 2);

    // None: only handles.
    margaret
        .put_json(&path, json!({"level": "none"}))
        .await
        .expect(200);
    a.send_message(room, "@room and again").await;
    assert_eq!(notifications(&margaret, "").await.len(), 2);

    // Bad input and non-members.
    margaret
        .put_json(&path, json!({"level": "loud"}))
        .await
        .expect(422);
    margaret
        .put_json(&path, json!({"level": "all", "extra": 1}))
        .await
        .expect(422);
    let stranger = app.staff().await;
    stranger
        .put_json(&path, json!({"level": "none"}))
        .await
        .expect_error(404, "NOT_FOUND");
    let public = a.create_room(&slug("pub"), "public", None).await;
    stranger
        .put_json(
            &format!("rooms/{public}/notifications"),
            json!({"level": "none"}),
        )
        .await
        .expect_error(403, "NOT_MEMBER");
}

async fn notifications_page_and_are_read(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let dm = a.post("dms", json!({"userId": b.id()})).await.id();
    for i in 0..5 {
        a.send_message(dm, &format!("ping {i}")).await;
    }
    let first = b.get("notifications?limit=2").await.expect(200);
    let items = first.data()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["excerpt"], json!("ping 4"), "newest first");
    let cursor = first.data()["nextCursor"].as_str().unwrap().to_owned();
    let second = b
        .get(&format!("notifications?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(second.data()["items"][0]["excerpt"], json!("ping 2"));
    let third_cursor = second.data()["nextCursor"].as_str().unwrap().to_owned();
    let last = b
        .get(&format!("notifications?limit=2&cursor={third_cursor}"))
        .await
        .expect(200);
    assert_eq!(last.data()["items"].as_array().unwrap().len(), 1);
    assert!(last.data()["nextCursor"].is_null());
    b.get("notifications?cursor=not-a-cursor")
        .await
        .expect_error(422, "VALIDATION");
    b.get("notifications?limit=0")
        .await
        .expect_error(422, "VALIDATION");

    let read = b
        .post(
            "notifications/read",
            json!({"ids": [items[0]["id"], items[1]["id"]]}),
        )
        .await
        .expect(200);
    assert_eq!(read.data()["read"], json!(2));
    assert_eq!(unread_count(&b).await, 3);
    assert_eq!(notifications(&b, "?unread=true").await.len(), 3);
    // Someone else's ids change nothing.
    let other = a
        .post(
            "notifications/read",
            json!({"ids": [second.data()["items"][0]["id"]]}),
        )
        .await
        .expect(200);
    assert_eq!(other.data()["read"], json!(0));
    b.post("notifications/read", json!({}))
        .await
        .expect_error(422, "VALIDATION");
    b.post("notifications/read", json!({"ids": "x"}))
        .await
        .expect(422);
    let all = b
        .post("notifications/read", json!({"all": true}))
        .await
        .expect(200);
    assert_eq!(all.data()["read"], json!(3));
    assert_eq!(unread_count(&b).await, 0);
    assert_eq!(
        notifications(&b, "").await.len(),
        5,
        "read ones are still listed"
    );
    app.anonymous()
        .get("notifications")
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn reading_a_room_reads_its_notifications(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let dm = a.post("dms", json!({"userId": b.id()})).await.id();
    a.send_message(dm, "one").await;
    let second = a.send_message(dm, "two").await;
    let third = a.send_message(dm, "three").await;
    assert_eq!(unread_count(&b).await, 3);
    b.post(&format!("rooms/{dm}/read"), json!({"seq": second["seq"]}))
        .await
        .expect(200);
    assert_eq!(unread_count(&b).await, 1, "only the ones read so far");
    b.post(&format!("rooms/{dm}/read"), json!({"seq": third["seq"]}))
        .await
        .expect(200);
    assert_eq!(unread_count(&b).await, 0);
    assert_eq!(room_in_list(&b, dm).await["mentionCount"], json!(0));
}

async fn preferences_are_validated_and_kept(app: TestApp) {
    let a = app.staff().await;
    let defaults = a.get("me/preferences").await.expect(200);
    assert_eq!(
        defaults.data().clone(),
        json!({"emailNotifications": "mentions_dms", "emailDelayMinutes": 15,
               "browserNotifications": true, "quietHours": null, "timezone": "UTC",
               "language": null})
    );
    let changed = a
        .put_json(
            "me/preferences",
            json!({"emailNotifications": "off", "emailDelayMinutes": 30,
               "quietHours": {"start": "22:00", "end": "07:30"}, "timezone": "Europe/Berlin"}),
        )
        .await
        .expect(200);
    assert_eq!(
        changed.data()["quietHours"],
        json!({"start": "22:00", "end": "07:30"})
    );
    let kept = a.get("me/preferences").await.expect(200);
    assert_eq!(kept.data(), changed.data());
    // Fields left out stay; null clears the quiet hours.
    let cleared = a
        .put_json("me/preferences", json!({"quietHours": null}))
        .await
        .expect(200);
    assert!(cleared.data()["quietHours"].is_null());
    assert_eq!(cleared.data()["timezone"], json!("Europe/Berlin"));
    for (body, field) in [
        (
            json!({"emailNotifications": "always"}),
            "emailNotifications",
        ),
        (json!({"emailDelayMinutes": 0}), "emailDelayMinutes"),
        (
            json!({"quietHours": {"start": "25:00", "end": "07:00"}}),
            "quietHours.start",
        ),
        (json!({"timezone": "../../etc/passwd"}), "timezone"),
        (json!({"language": "français"}), "language"),
        (json!({"language": "<script>"}), "language"),
        (json!({"language": "e"}), "language"),
    ] {
        let refused = a
            .put_json("me/preferences", body)
            .await
            .expect_error(422, "VALIDATION");
        assert_eq!(
            refused.body["details"][0]["field"],
            json!(field),
            "{:?}",
            refused.body
        );
    }
    a.put_json("me/preferences", json!({"sound": "loud"}))
        .await
        .expect(422);
    // The interface language follows the account to every device; null: the browser's again.
    let french = a
        .put_json("me/preferences", json!({"language": "FR"}))
        .await
        .expect(200);
    assert_eq!(french.data()["language"], json!("fr"));
    assert_eq!(french.data()["timezone"], json!("Europe/Berlin"));
    let brazil = a
        .put_json("me/preferences", json!({"language": "PT-BR"}))
        .await
        .expect(200);
    assert_eq!(brazil.data()["language"], json!("pt-BR"));
    let other = app.staff().await;
    let theirs = other.get("me/preferences").await.expect(200);
    assert!(
        theirs.data()["language"].is_null(),
        "one user's choice only"
    );
    let kept = a.get("me/preferences").await.expect(200);
    assert_eq!(kept.data()["language"], json!("pt-BR"));
    let cleared = a
        .put_json("me/preferences", json!({"language": null}))
        .await
        .expect(200);
    assert!(cleared.data()["language"].is_null());
}

async fn the_composer_suggests_readers_of_the_room(app: TestApp) {
    let a = app.staff().await;
    let member = app.staff().await;
    let outsider = app.staff().await;
    let stem = format!("zed{}", &Id::new().to_string()[30..]);
    a.patch("me", json!({"handle": format!("{stem}-a")}))
        .await
        .expect(200);
    member
        .patch("me", json!({"handle": format!("{stem}-member")}))
        .await
        .expect(200);
    outsider
        .patch("me", json!({"handle": format!("{stem}-outsider")}))
        .await
        .expect(200);
    let room = a.create_room(&slug("private"), "private", None).await;
    add_member(&a, room, &member).await;
    let found = a
        .get(&format!("rooms/{room}/mentionable?q=@{stem}"))
        .await
        .expect(200);
    let handles: Vec<&str> = found
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["handle"].as_str().unwrap())
        .collect();
    assert_eq!(
        handles,
        vec![format!("{stem}-member")],
        "readers only, not oneself"
    );
    // In a public room everyone of the team may read: members first, then the others.
    let public = a.create_room(&slug("public"), "public", None).await;
    add_member(&a, public, &outsider).await;
    let found = a
        .get(&format!("rooms/{public}/mentionable?q={stem}"))
        .await
        .expect(200);
    let handles: Vec<&str> = found
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["handle"].as_str().unwrap())
        .collect();
    assert_eq!(
        handles,
        vec![format!("{stem}-outsider"), format!("{stem}-member")]
    );
    outsider
        .get(&format!("rooms/{room}/mentionable?q=x"))
        .await
        .expect_error(404, "NOT_FOUND");
    let customer = app.user(Role::Customer, None).await;
    customer
        .get(&format!("rooms/{public}/mentionable?q=x"))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn an_assigned_ticket_notifies_its_assignee(app: TestApp) {
    let agent = app.staff().await;
    let lead = app.staff().await;
    let email = format!("c-{}@example.com", Id::new());
    let (ticket, _) =
        crate::tickets::open_ticket(&app, &email, "Printer on fire", "engineering").await;
    lead.patch(
        &format!("tickets/{ticket}"),
        json!({"assigneeId": agent.id()}),
    )
    .await
    .expect(200);
    let got = notifications(&agent, "").await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["kind"], json!("ticket_assigned"));
    assert_eq!(got[0]["roomId"].as_str(), Some(ticket.as_str()));
    assert_eq!(got[0]["roomKind"], json!("ticket"));
    // Assigning it to the same person again is not news.
    lead.patch(
        &format!("tickets/{ticket}"),
        json!({"assigneeId": agent.id(), "priority": "high"}),
    )
    .await
    .expect(200);
    assert_eq!(notifications(&agent, "").await.len(), 1);
}
