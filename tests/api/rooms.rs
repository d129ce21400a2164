//! Rooms, DMs, membership, ownership and read cursors.

use serde_json::json;
use switchboard::domain::{Id, user::Role};

use crate::helpers::{TestApp, slug};

crate::backend_tests!(
    rooms_are_created_changed_and_deleted,
    slugs_are_validated_and_unique,
    members_join_leave_and_the_last_owner_stays,
    ownership_moves_atomically,
    dms_are_found_or_created_once,
    discover_lists_readable_public_rooms,
    unread_counts_follow_the_read_cursor,
    owners_change_who_may_read_a_room,
);

async fn rooms_are_created_changed_and_deleted(app: TestApp) {
    let owner = app.staff().await;
    let room_slug = slug("eng");
    let created = owner
        .post(
            "rooms",
            json!({"slug": room_slug, "title": " Engineering ", "kind": "public",
                   "department": "engineering", "tags": ["Deploys", "deploys", "oncall"]}),
        )
        .await
        .expect(201);
    let id = created.id();
    assert_eq!(created.data()["title"], json!("Engineering"));
    assert_eq!(created.data()["tags"], json!(["deploys", "oncall"]));
    assert_eq!(created.data()["myRole"], json!("owner"));
    assert_eq!(created.data()["lastSeq"], json!(0));
    let patched = owner
        .patch(
            &format!("rooms/{id}"),
            json!({"title": "Eng", "department": null, "tags": []}),
        )
        .await
        .expect(200);
    assert_eq!(patched.data()["title"], json!("Eng"));
    assert_eq!(patched.data()["department"], json!(null));
    owner
        .patch(&format!("rooms/{id}"), json!({"title": ""}))
        .await
        .expect_error(422, "VALIDATION");
    owner
        .patch(&format!("rooms/{id}"), json!({"slug": "x"}))
        .await
        .expect_error(422, "VALIDATION");
    owner.send_message(id, "hello").await;
    owner.delete(&format!("rooms/{id}")).await.expect(200);
    owner
        .get(&format!("rooms/{id}"))
        .await
        .expect_error(404, "NOT_FOUND");
    owner
        .get(&format!("rooms/{id}/messages"))
        .await
        .expect_error(404, "NOT_FOUND");
    // Creating DMs or tickets through /rooms is refused.
    owner
        .post(
            "rooms",
            json!({"slug": slug("x"), "title": "x", "kind": "dm"}),
        )
        .await
        .expect_error(422, "VALIDATION");
}

async fn slugs_are_validated_and_unique(app: TestApp) {
    let owner = app.staff().await;
    let taken = slug("taken");
    owner.create_room(&taken, "public", None).await;
    owner
        .post(
            "rooms",
            json!({"slug": taken, "title": "again", "kind": "private"}),
        )
        .await
        .expect_error(409, "SLUG_TAKEN");
    for bad in ["A", "has space", "-dash", "ünïcode", "<script>"] {
        let resp = owner
            .post(
                "rooms",
                json!({"slug": bad, "title": "t", "kind": "public"}),
            )
            .await
            .expect_error(422, "VALIDATION");
        assert_eq!(resp.body["details"][0]["field"], json!("slug"));
    }
    owner
        .post(
            "rooms",
            json!({"slug": slug("d"), "title": "t", "kind": "public", "department": "marketing"}),
        )
        .await
        .expect_error(422, "VALIDATION");
}

async fn members_join_leave_and_the_last_owner_stays(app: TestApp) {
    let owner = app.staff().await;
    let colleague = app.staff().await;
    let room = owner
        .create_room(&slug("team"), "public", Some("engineering"))
        .await;
    colleague
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    colleague
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect_error(409, "ALREADY_MEMBER");
    let members = owner
        .get(&format!("rooms/{room}/members"))
        .await
        .expect(200);
    let roles: Vec<&str> = members.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["owner", "member"]);
    owner
        .post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect_error(409, "LAST_OWNER");
    colleague
        .post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect(200);
    colleague
        .post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect_error(403, "NOT_MEMBER");
    // Alone, the owner may leave.
    owner
        .post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect(200);
    // Private rooms are invitation only.
    let private = owner.create_room(&slug("priv"), "private", None).await;
    colleague
        .post(&format!("rooms/{private}/join"), json!({}))
        .await
        .expect_error(404, "NOT_FOUND");
    owner
        .post(
            &format!("rooms/{private}/members"),
            json!({"userId": colleague.id(), "role": "moderator"}),
        )
        .await
        .expect(201);
    owner
        .post(
            &format!("rooms/{private}/members"),
            json!({"userId": colleague.id()}),
        )
        .await
        .expect_error(409, "ALREADY_MEMBER");
    owner
        .post(
            &format!("rooms/{private}/members"),
            json!({"userId": Id::new()}),
        )
        .await
        .expect_error(404, "NOT_FOUND");
    let customer = app.user(Role::Customer, None).await;
    owner
        .post(
            &format!("rooms/{private}/members"),
            json!({"userId": customer.id()}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    // A moderator cannot remove the owner.
    colleague
        .delete(&format!("rooms/{private}/members/{}", owner.id()))
        .await
        .expect_error(403, "FORBIDDEN");
}

async fn ownership_moves_atomically(app: TestApp) {
    let owner = app.staff().await;
    let next = app.staff().await;
    let room = owner.create_room(&slug("own"), "private", None).await;
    owner
        .post(
            &format!("rooms/{room}/ownership"),
            json!({"userId": next.id()}),
        )
        .await
        .expect_error(403, "NOT_MEMBER");
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": next.id()}),
        )
        .await
        .expect(201);
    let moved = owner
        .post(
            &format!("rooms/{room}/ownership"),
            json!({"userId": next.id()}),
        )
        .await
        .expect(200);
    assert_eq!(moved.data()["role"], json!("owner"));
    let me = owner.get(&format!("rooms/{room}")).await.expect(200);
    assert_eq!(me.data()["myRole"], json!("moderator"));
    owner
        .delete(&format!("rooms/{room}"))
        .await
        .expect_error(403, "FORBIDDEN");
    next.delete(&format!("rooms/{room}")).await.expect(200);
}

async fn dms_are_found_or_created_once(app: TestApp) {
    let a = app.staff().await;
    let b = app.user(Role::Staff, Some("billing")).await;
    let first = a.post("dms", json!({"userId": b.id()})).await.expect(201);
    let room = first.id();
    assert_eq!(first.data()["kind"], json!("dm"));
    let again = b.post("dms", json!({"userId": a.id()})).await.expect(200);
    assert_eq!(again.id(), room);
    a.post("dms", json!({"userId": a.id()}))
        .await
        .expect_error(422, "VALIDATION");
    let customer = app.user(Role::Customer, None).await;
    a.post("dms", json!({"userId": customer.id()}))
        .await
        .expect_error(403, "FORBIDDEN");
    customer
        .post("dms", json!({"userId": a.id()}))
        .await
        .expect_error(403, "FORBIDDEN");
    let members = a.get(&format!("rooms/{room}/members")).await.expect(200);
    assert_eq!(members.data()["items"].as_array().unwrap().len(), 2);
    a.post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
    // Racing creations end in one DM.
    let c = app.staff().await;
    let d = app.staff().await;
    let (x, y) = tokio::join!(
        c.post("dms", json!({"userId": d.id()})),
        d.post("dms", json!({"userId": c.id()}))
    );
    assert_eq!(x.id(), y.id());
}

async fn discover_lists_readable_public_rooms(app: TestApp) {
    let eng = app.staff().await;
    let billing = app.user(Role::Staff, Some("billing")).await;
    let tag = slug("t");
    let global = eng
        .post(
            "rooms",
            json!({"slug": slug("all"), "title": "Zeta for all", "kind": "public", "tags": [tag]}),
        )
        .await
        .expect(201)
        .id();
    let eng_only = eng
        .post(
            "rooms",
            json!({"slug": slug("eng"), "title": "Alpha engineers", "kind": "public",
                              "department": "engineering", "tags": [tag]}),
        )
        .await
        .expect(201)
        .id();
    eng.post(
        "rooms",
        json!({"slug": slug("priv"), "title": "Hidden", "kind": "private", "tags": [tag]}),
    )
    .await
    .expect(201);
    let ids = |resp: &crate::helpers::Resp| -> Vec<String> {
        resp.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_name = billing
        .get(&format!("rooms/discover?tag={tag}&sort=name"))
        .await
        .expect(200);
    assert_eq!(ids(&by_name), [global.to_string()]);
    let for_eng = eng
        .get(&format!("rooms/discover?tag={tag}&sort=name"))
        .await
        .expect(200);
    assert_eq!(ids(&for_eng), [eng_only.to_string(), global.to_string()]);
    let searched = eng
        .get(&format!("rooms/discover?tag={tag}&q=alpha"))
        .await
        .expect(200);
    assert_eq!(ids(&searched), [eng_only.to_string()]);
    let wildcard = eng
        .get(&format!("rooms/discover?tag={tag}&q=%25"))
        .await
        .expect(200);
    assert!(
        ids(&wildcard).is_empty(),
        "a literal % must not match everything"
    );
    eng.get("rooms/discover?sort=sideways")
        .await
        .expect_error(422, "VALIDATION");
    app.user(Role::Customer, None)
        .await
        .get("rooms/discover")
        .await
        .expect_error(403, "FORBIDDEN");
}

async fn unread_counts_follow_the_read_cursor(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let room = a.create_room(&slug("unread"), "public", None).await;
    b.post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    for i in 0..3 {
        a.send_message(room, &format!("m{i}")).await;
    }
    let unread = |resp: crate::helpers::Resp| {
        resp.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == json!(room.to_string()))
            .map(|r| r["unread"].as_i64().unwrap())
    };
    assert_eq!(unread(b.get("rooms").await.expect(200)), Some(3));
    assert_eq!(
        unread(a.get("rooms").await.expect(200)),
        Some(0),
        "own messages are read"
    );
    let read = b
        .post(&format!("rooms/{room}/read"), json!({"seq": 2}))
        .await
        .expect(200);
    assert_eq!(read.data()["lastReadSeq"], json!(2));
    assert_eq!(unread(b.get("rooms").await.expect(200)), Some(1));
    // The cursor never moves back, and never past the last message.
    let back = b
        .post(&format!("rooms/{room}/read"), json!({"seq": 1}))
        .await
        .expect(200);
    assert_eq!(back.data()["lastReadSeq"], json!(2));
    let far = b
        .post(&format!("rooms/{room}/read"), json!({"seq": 999}))
        .await
        .expect(200);
    assert_eq!(far.data()["lastReadSeq"], json!(3));
    b.post(&format!("rooms/{room}/read"), json!({"seq": -1}))
        .await
        .expect_error(422, "VALIDATION");
    app.staff()
        .await
        .post(&format!("rooms/{room}/read"), json!({"seq": 1}))
        .await
        .expect_error(403, "NOT_MEMBER");
}

async fn owners_change_who_may_read_a_room(app: TestApp) {
    let owner = app.staff().await;
    let moderator = app.staff().await;
    let outsider = app.staff().await;
    let room = owner.create_room(&slug("kind"), "private", None).await;
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": moderator.id(), "role": "moderator"}),
        )
        .await
        .expect(201);
    outsider
        .get(&format!("rooms/{room}"))
        .await
        .expect_error(404, "NOT_FOUND");
    // Moderators change the title, not who may read the room.
    moderator
        .patch(&format!("rooms/{room}"), json!({"kind": "public"}))
        .await
        .expect_error(403, "FORBIDDEN");
    moderator
        .patch(
            &format!("rooms/{room}"),
            json!({"title": "Renamed", "kind": "private"}),
        )
        .await
        .expect(200);
    owner
        .patch(&format!("rooms/{room}"), json!({"kind": "dm"}))
        .await
        .expect_error(422, "VALIDATION");
    let opened = owner
        .patch(&format!("rooms/{room}"), json!({"kind": "public"}))
        .await
        .expect(200);
    assert_eq!(opened.data()["kind"], json!("public"));
    outsider.get(&format!("rooms/{room}")).await.expect(200);
    owner
        .patch(&format!("rooms/{room}"), json!({"kind": "private"}))
        .await
        .expect(200);
    outsider
        .get(&format!("rooms/{room}"))
        .await
        .expect_error(404, "NOT_FOUND");
}
