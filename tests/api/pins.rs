//! Pinned messages (whoever may post pins, every reader sees the list) and saved messages
//! (private, paged, limited to what the user may still read).

use std::collections::HashSet;

use serde_json::{Value, json};
use switchboard::domain::{Id, user::Role};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(
    members_pin_and_readers_see_the_pins,
    a_room_holds_a_bounded_number_of_pins,
    saved_messages_page_newest_first,
    saved_messages_follow_read_access,
);

fn ids(items: &Value, key: Option<&str>) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            key.map_or(item, |k| &item[k])["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

async fn pinned_ids(reader: &Client, room: Id) -> Vec<String> {
    let pins = reader.get(&format!("rooms/{room}/pins")).await.expect(200);
    assert_eq!(pins.data()["nextCursor"], json!(null));
    ids(&pins.data()["items"], Some("message"))
}

async fn members_pin_and_readers_see_the_pins(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner.create_room(&slug("pins"), "public", None).await;
    member
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let first = owner.send_message(room, "agenda").await;
    let second = owner.send_message(room, "minutes").await;
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );
    assert!(pinned_ids(&owner, room).await.is_empty());

    let pinned = member
        .put(&format!("messages/{first}/pin"))
        .await
        .expect(200);
    assert_eq!(pinned.data()["pinned"], json!(true));
    owner
        .put(&format!("messages/{second}/pin"))
        .await
        .expect(200);
    // Pinning again changes nothing.
    member
        .put(&format!("messages/{first}/pin"))
        .await
        .expect(200);
    assert_eq!(pinned_ids(&member, room).await, [second, first]);
    let pins = member.get(&format!("rooms/{room}/pins")).await;
    let latest = &pins.data()["items"][0];
    assert_eq!(latest["pinnedBy"]["id"], json!(owner.id()));
    assert!(latest["pinnedAt"].is_string());
    let history = member.get(&format!("rooms/{room}/messages")).await;
    let flags: Vec<_> = history.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["pinned"].clone())
        .collect();
    assert_eq!(flags, [json!(true), json!(true)]);

    // Readers see the pins; only those who may post pin.
    let reader = app.staff().await;
    assert_eq!(pinned_ids(&reader, room).await.len(), 2);
    reader
        .put(&format!("messages/{first}/pin"))
        .await
        .expect_error(403, "NOT_MEMBER");
    let observer = app.user(Role::Observer, Some("engineering")).await;
    observer
        .delete(&format!("messages/{first}/pin"))
        .await
        .expect_error(403, "READ_ONLY");
    let customer = app.user(Role::Customer, None).await;
    customer
        .put(&format!("messages/{first}/pin"))
        .await
        .expect_error(404, "NOT_FOUND");
    customer
        .get(&format!("rooms/{room}/pins"))
        .await
        .expect_error(404, "NOT_FOUND");
    let private = owner
        .create_room(&slug("pins-private"), "private", None)
        .await;
    let secret = owner.send_message(private, "secret").await;
    let secret = secret["id"].as_str().unwrap();
    reader
        .put(&format!("messages/{secret}/pin"))
        .await
        .expect_error(404, "NOT_FOUND");
    reader
        .get(&format!("rooms/{private}/pins"))
        .await
        .expect_error(404, "NOT_FOUND");
    member
        .put(&format!("messages/{}/pin", Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");
    member
        .get(&format!("rooms/{}/pins", Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");

    // Unpinning is idempotent too; a deleted message leaves the pins.
    let unpinned = member
        .delete(&format!("messages/{first}/pin"))
        .await
        .expect(200);
    assert_eq!(unpinned.data()["pinned"], json!(false));
    member
        .delete(&format!("messages/{first}/pin"))
        .await
        .expect(200);
    assert_eq!(pinned_ids(&reader, room).await, [second]);
    owner
        .delete(&format!("messages/{second}"))
        .await
        .expect(200);
    assert!(pinned_ids(&reader, room).await.is_empty());
    member
        .put(&format!("messages/{second}/pin"))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn a_room_holds_a_bounded_number_of_pins(app: TestApp) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("pin-limit"), "public", None).await;
    for i in 0..100 {
        let message = owner.send_message(room, &format!("note {i}")).await;
        owner
            .put(&format!("messages/{}/pin", message["id"].as_str().unwrap()))
            .await
            .expect(200);
    }
    let one_more = owner.send_message(room, "one more").await;
    let one_more = one_more["id"].as_str().unwrap();
    owner
        .put(&format!("messages/{one_more}/pin"))
        .await
        .expect_error(409, "PIN_LIMIT");
    assert_eq!(pinned_ids(&owner, room).await.len(), 100);
    // Another room has room for its own.
    let other = owner.create_room(&slug("pin-other"), "public", None).await;
    let there = owner.send_message(other, "elsewhere").await;
    owner
        .put(&format!("messages/{}/pin", there["id"].as_str().unwrap()))
        .await
        .expect(200);
}

/// Every page of `user`'s saved messages, following `nextCursor`: the message ids in order.
async fn all_saved(user: &Client, limit: usize) -> Vec<String> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("me/saved?limit={limit}&cursor={}", urlencode(c)),
            None => format!("me/saved?limit={limit}"),
        };
        let page = user.get(&path).await.expect(200);
        let items = &page.data()["items"];
        assert!(items.as_array().unwrap().len() <= limit);
        all.extend(ids(items, Some("message")));
        match page.data()["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

async fn save(user: &Client, message: &str) {
    let saved = user
        .put(&format!("messages/{message}/save"))
        .await
        .expect(200);
    assert_eq!(saved.data(), &json!({"messageId": message, "saved": true}));
}

async fn saved_messages_page_newest_first(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("saved"), "public", None).await;
    let mut sent = Vec::new();
    for i in 0..5 {
        let message = user.send_message(room, &format!("keep {i}")).await;
        sent.push(message["id"].as_str().unwrap().to_owned());
    }
    assert!(all_saved(&user, 2).await.is_empty());
    for id in &sent {
        save(&user, id).await;
    }
    // Saving again keeps the first save (and its place in the list).
    save(&user, &sent[0]).await;
    let newest_first: Vec<String> = sent.iter().rev().cloned().collect();
    assert_eq!(all_saved(&user, 2).await, newest_first);
    assert_eq!(all_saved(&user, 5).await, newest_first);
    let first_page = user.get("me/saved?limit=2").await.expect(200);
    let item = &first_page.data()["items"][0];
    assert_eq!(item["room"]["id"], json!(room));
    assert!(item["savedAt"].is_string());
    assert_eq!(item["message"]["body"], json!("keep 4"));

    // Each user's list is their own; observers save what they read.
    let observer = app.user(Role::Observer, Some("engineering")).await;
    assert!(all_saved(&observer, 10).await.is_empty());
    save(&observer, &sent[2]).await;
    assert_eq!(all_saved(&observer, 10).await, [sent[2].clone()]);

    let removed = user
        .delete(&format!("messages/{}/save", sent[4]))
        .await
        .expect(200);
    assert_eq!(removed.data()["saved"], json!(false));
    user.delete(&format!("messages/{}/save", sent[4]))
        .await
        .expect(200);
    assert_eq!(all_saved(&user, 10).await.len(), 4);

    user.put(&format!("messages/{}/save", Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");
    user.get("me/saved?cursor=garbage")
        .await
        .expect_error(422, "VALIDATION");
    user.get("me/saved?limit=0")
        .await
        .expect_error(422, "VALIDATION");
    app.anonymous()
        .get("me/saved")
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn saved_messages_follow_read_access(app: TestApp) {
    let owner = app.staff().await;
    let user = app.staff().await;
    let public = owner
        .create_room(&slug("saved-public"), "public", None)
        .await;
    let private = owner
        .create_room(&slug("saved-private"), "private", None)
        .await;
    owner
        .post(
            &format!("rooms/{private}/members"),
            json!({"userId": user.id()}),
        )
        .await
        .expect(201);
    let open = owner.send_message(public, "for all").await;
    let secret = owner.send_message(private, "for members").await;
    let doomed = owner.send_message(public, "to be deleted").await;
    let [open, secret, doomed] =
        [&open, &secret, &doomed].map(|m| m["id"].as_str().unwrap().to_owned());
    for id in [&open, &secret, &doomed] {
        save(&user, id).await;
    }
    let everything: HashSet<String> = all_saved(&user, 10).await.into_iter().collect();
    assert_eq!(everything.len(), 3);

    // A deleted message disappears; so does one in a room the user left.
    owner
        .delete(&format!("messages/{doomed}"))
        .await
        .expect(200);
    user.put(&format!("messages/{doomed}/save"))
        .await
        .expect_error(404, "NOT_FOUND");
    user.post(&format!("rooms/{private}/leave"), json!({}))
        .await
        .expect(200);
    assert_eq!(all_saved(&user, 10).await, [open.clone()]);
    user.put(&format!("messages/{secret}/save"))
        .await
        .expect_error(404, "NOT_FOUND");
    // Back in the room, the saved message is back too.
    owner
        .post(
            &format!("rooms/{private}/members"),
            json!({"userId": user.id()}),
        )
        .await
        .expect(201);
    assert_eq!(all_saved(&user, 10).await, [secret, open]);

    // Customers cannot save what they cannot read.
    let customer = app.user(Role::Customer, None).await;
    customer
        .put(&format!(
            "messages/{}/save",
            everything.iter().next().unwrap()
        ))
        .await
        .expect_error(404, "NOT_FOUND");
}
