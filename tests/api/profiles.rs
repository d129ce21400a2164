//! Group DMs (one conversation per exact set of people) and profiles with an expiring status.

use serde_json::{Value, json};
use switchboard::domain::{Id, user::Role};

use crate::helpers::{Client, TestApp};

crate::backend_tests!(
    group_dms_are_one_per_set_of_people,
    group_dms_notify_every_other_member,
    profiles_are_changed_validated_and_shown,
    customers_see_only_the_people_of_their_tickets,
);

async fn group_dms_are_one_per_set_of_people(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let c = app.user(Role::Staff, Some("billing")).await;
    let created = a
        .post("dms", json!({"userIds": [b.id(), c.id()]}))
        .await
        .expect(201);
    let room = created.id();
    assert_eq!(created.data()["kind"], json!("dm"));
    // The same set, in any order and asked by anyone of it, is the same DM.
    let again = c
        .post("dms", json!({"userIds": [b.id(), a.id()]}))
        .await
        .expect(200);
    assert_eq!(again.id(), room);
    let members = b.get(&format!("rooms/{room}/members")).await.expect(200);
    assert_eq!(members.data()["items"].as_array().unwrap().len(), 3);
    // Each member sees the DM named after the others, never themselves, by their names now.
    let name = |client: &Client| {
        let client = client.clone();
        async move {
            let me = client.get("auth/me").await.expect(200);
            me.data()["name"].as_str().unwrap().to_owned()
        }
    };
    let title_for = |client: &Client| {
        let client = client.clone();
        async move {
            let shown = client.get(&format!("rooms/{room}")).await.expect(200);
            let listed = client.get("rooms").await.expect(200);
            let listed = listed.data()["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == json!(room))
                .unwrap()["title"]
                .clone();
            assert_eq!(shown.data()["title"], listed);
            listed.as_str().unwrap().to_owned()
        }
    };
    let (na, nb, nc) = (name(&a).await, name(&b).await, name(&c).await);
    let ordered = |x: &str, y: &str| {
        let mut pair = [x.to_owned(), y.to_owned()];
        pair.sort();
        format!("{} & {}", pair[0], pair[1])
    };
    assert_eq!(title_for(&a).await, ordered(&nb, &nc));
    assert_eq!(title_for(&c).await, ordered(&na, &nb));
    assert_eq!(again.data()["title"], json!(ordered(&na, &nb)));
    b.patch("me", json!({"name": "Zed Renamed"}))
        .await
        .expect(200);
    assert_eq!(title_for(&a).await, ordered("Zed Renamed", &nc));
    // A different set is a different conversation; the 1:1 form still works.
    let d = app.staff().await;
    let bigger = a
        .post("dms", json!({"userIds": [b.id(), c.id(), d.id()]}))
        .await
        .expect(201);
    assert_ne!(bigger.id(), room);
    let one = a.post("dms", json!({"userId": b.id()})).await.expect(201);
    assert_ne!(one.id(), room);
    // 2 to 8 other people, each once, never oneself; one form at a time.
    a.post("dms", json!({"userIds": [b.id()]}))
        .await
        .expect_error(422, "VALIDATION");
    let mut nine = Vec::new();
    for _ in 0..9 {
        nine.push(app.staff().await.id());
    }
    a.post("dms", json!({"userIds": nine}))
        .await
        .expect_error(422, "VALIDATION");
    let eight = a
        .post("dms", json!({"userIds": nine[..8]}))
        .await
        .expect(201);
    let members = a
        .get(&format!("rooms/{}/members", eight.id()))
        .await
        .expect(200);
    assert_eq!(members.data()["items"].as_array().unwrap().len(), 9);
    a.post("dms", json!({"userIds": [b.id(), b.id()]}))
        .await
        .expect_error(422, "VALIDATION");
    a.post("dms", json!({"userIds": [b.id(), a.id()]}))
        .await
        .expect_error(422, "VALIDATION");
    a.post(
        "dms",
        json!({"userId": b.id(), "userIds": [b.id(), c.id()]}),
    )
    .await
    .expect_error(422, "VALIDATION");
    a.post("dms", json!({}))
        .await
        .expect_error(422, "VALIDATION");
    a.post("dms", json!({"userIds": "x"}))
        .await
        .expect_error(422, "VALIDATION");
    // Customers are never in them.
    let customer = app.user(Role::Customer, None).await;
    a.post("dms", json!({"userIds": [b.id(), customer.id()]}))
        .await
        .expect_error(403, "FORBIDDEN");
    customer
        .post("dms", json!({"userIds": [a.id(), b.id()]}))
        .await
        .expect_error(403, "FORBIDDEN");
    // No one else reads them, admins included; members are never added or removed.
    a.send_message(room, "hello both").await;
    let outsider = app.staff().await;
    let admin = app.admin().await;
    for stranger in [&outsider, &admin] {
        stranger
            .get(&format!("rooms/{room}/messages"))
            .await
            .expect_error(404, "NOT_FOUND");
    }
    a.post(
        &format!("rooms/{room}/members"),
        json!({"userId": outsider.id()}),
    )
    .await
    .expect_error(403, "FORBIDDEN");
    b.post(&format!("rooms/{room}/leave"), json!({}))
        .await
        .expect_error(403, "FORBIDDEN");
}

async fn notifications(client: &crate::helpers::Client) -> Vec<Value> {
    let page = client.get("notifications").await.expect(200);
    page.data()["items"].as_array().unwrap().clone()
}

async fn group_dms_notify_every_other_member(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let c = app.staff().await;
    let room = a
        .post("dms", json!({"userIds": [b.id(), c.id()]}))
        .await
        .expect(201)
        .id();
    a.send_message(room, "standup moved").await;
    for other in [&b, &c] {
        let got = notifications(other).await;
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["kind"], json!("dm"));
        assert_eq!(got[0]["roomId"], json!(room));
    }
    assert!(notifications(&a).await.is_empty());
}

async fn profiles_are_changed_validated_and_shown(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let shown = b.get(&format!("users/{}", a.id())).await.expect(200);
    assert_eq!(shown.data()["title"], json!(""));
    assert_eq!(shown.data()["status"], json!(null));
    assert_eq!(shown.data()["department"], json!("engineering"));
    assert!(shown.data()["handle"].is_string());
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let changed = a
        .patch(
            "me",
            json!({"name": "Ada Lovelace", "title": " Engineer ", "timezone": "Europe/London",
                   "status": {"emoji": "🌴", "text": "On leave", "expiresAt": later}}),
        )
        .await
        .expect(200);
    assert_eq!(changed.data()["name"], json!("Ada Lovelace"));
    assert_eq!(changed.data()["title"], json!("Engineer"));
    let shown = b.get(&format!("users/{}", a.id())).await.expect(200);
    assert_eq!(shown.data()["name"], json!("Ada Lovelace"));
    assert_eq!(shown.data()["timezone"], json!("Europe/London"));
    assert_eq!(shown.data()["status"]["emoji"], json!("🌴"));
    assert_eq!(shown.data()["status"]["text"], json!("On leave"));
    // The member list shows the status too.
    let room = a
        .create_room(&crate::helpers::slug("status"), "private", None)
        .await;
    a.post(&format!("rooms/{room}/members"), json!({"userId": b.id()}))
        .await
        .expect(201);
    let members = b.get(&format!("rooms/{room}/members")).await.expect(200);
    let status_of = |members: &crate::helpers::Resp, id: Id| {
        members.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["user"]["id"] == json!(id))
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&members, a.id())["text"], json!("On leave"));
    assert_eq!(status_of(&members, b.id()), json!(null));
    // Absent fields stay; null clears.
    a.patch("me", json!({"title": "Lead"})).await.expect(200);
    let shown = b.get(&format!("users/{}", a.id())).await.expect(200);
    assert_eq!(shown.data()["status"]["text"], json!("On leave"));
    assert_eq!(shown.data()["timezone"], json!("Europe/London"));
    a.patch("me", json!({"status": null, "timezone": null}))
        .await
        .expect(200);
    let shown = b.get(&format!("users/{}", a.id())).await.expect(200);
    assert_eq!(shown.data()["status"], json!(null));
    assert_eq!(shown.data()["timezone"], json!(null));
    assert_eq!(shown.data()["title"], json!("Lead"));
    // Bad input is refused, and nothing of the request is kept.
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    for bad in [
        json!({"timezone": "Not a zone"}),
        json!({"timezone": "../etc"}),
        json!({"name": ""}),
        json!({"title": "x".repeat(81)}),
        json!({"status": {"text": "x".repeat(101)}}),
        json!({"status": {}}),
        json!({"status": {"emoji": "a b"}}),
        json!({"status": {"text": "gone", "expiresAt": past}}),
        json!({"status": {"text": "x", "colour": "red"}}),
        json!({"title": "Kept?", "timezone": "Nowhere"}),
        json!({"title": 5}),
    ] {
        a.patch("me", bad).await.expect_error(422, "VALIDATION");
    }
    let shown = b.get(&format!("users/{}", a.id())).await.expect(200);
    assert_eq!(shown.data()["title"], json!("Lead"));
    // An expired status is not shown: set one that ends in a moment, then poll.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    a.patch("me", json!({"status": {"text": "brb", "expiresAt": soon}}))
        .await
        .expect(200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let shown = b.get(&format!("users/{}", a.id())).await.expect(200);
        if shown.data()["status"].is_null() {
            break;
        }
        assert_eq!(shown.data()["status"]["text"], json!("brb"));
        assert!(
            std::time::Instant::now() < deadline,
            "the status never expired"
        );
        tokio::task::yield_now().await;
    }
    b.get(&format!("users/{}", switchboard::domain::Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn customers_see_only_the_people_of_their_tickets(app: TestApp) {
    let customer = app.user(Role::Customer, None).await;
    let support = app.user(Role::Staff, Some("support")).await;
    let other = app.user(Role::Staff, Some("support")).await;
    // The team sees customers and each other.
    support
        .get(&format!("users/{}", customer.id()))
        .await
        .expect(200);
    support
        .get(&format!("users/{}", other.id()))
        .await
        .expect(200);
    customer
        .get(&format!("users/{}", support.id()))
        .await
        .expect_error(404, "NOT_FOUND");
    customer
        .get(&format!("users/{}", customer.id()))
        .await
        .expect(200);
    support
        .post(
            "tickets",
            json!({"subject": "Refund", "requesterEmail": customer.email, "department": "support",
                   "message": "Asked for a refund", "assigneeId": support.id()}),
        )
        .await
        .expect(201);
    let seen = customer
        .get(&format!("users/{}", support.id()))
        .await
        .expect(200);
    assert_eq!(
        seen.data()["name"],
        json!(support.get("auth/me").await.data()["name"])
    );
    customer
        .get(&format!("users/{}", other.id()))
        .await
        .expect_error(404, "NOT_FOUND");
}
