//! Who reacted to a message (`GET /messages/{id}/reactions`) for whoever may read it, and the
//! "who am I" probe for pages a visitor may see too (`GET /auth/session`).

use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(
    readers_see_who_reacted_per_emoji,
    who_reacted_follows_read_access,
    the_session_probe_answers_visitors_without_an_error,
);

async fn name_of(client: &Client) -> String {
    let me = client.get("auth/me").await.expect(200);
    me.data()["name"].as_str().unwrap().to_owned()
}

fn summary(reactions: &Value) -> Vec<(String, i64, Vec<String>)> {
    reactions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let users = r["users"].as_array().unwrap();
            (
                r["emoji"].as_str().unwrap().to_owned(),
                r["count"].as_i64().unwrap(),
                users
                    .iter()
                    .map(|u| u["id"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

async fn readers_see_who_reacted_per_emoji(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let reader = app.staff().await;
    let room = owner
        .create_room(&slug("who-reacted"), "public", None)
        .await;
    member
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let message = owner.send_message(room, "ship it?").await;
    let id = message["id"].as_str().unwrap();

    let none = reader
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect(200);
    assert_eq!(none.data(), &json!([]));

    // 🎉 first (by the member), then 👍 by both: the order the message lists them.
    for (who, emoji) in [(&member, "🎉"), (&owner, "👍"), (&member, "👍")] {
        who.put(&format!("messages/{id}/reactions/{emoji}"))
            .await
            .expect(200);
    }
    // A reader who is not a member of the public room may still see who reacted.
    let got = reader
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect(200);
    let (o, m) = (owner.id().to_string(), member.id().to_string());
    assert_eq!(
        summary(got.data()),
        [
            ("🎉".to_owned(), 1, vec![m.clone()]),
            ("👍".to_owned(), 2, vec![o.clone(), m.clone()]),
        ]
    );
    assert_eq!(
        got.data()[1]["users"][0]["name"],
        json!(name_of(&owner).await)
    );
    assert_eq!(
        got.data()[1]["users"][1]["name"],
        json!(name_of(&member).await)
    );
    // The counts agree with the message's own reactions.
    let history = reader
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    let counts: Vec<_> = history.data()["items"][0]["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["emoji"].as_str().unwrap().to_owned(),
                r["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [("🎉".to_owned(), 1), ("👍".to_owned(), 2)]);

    // Taking a reaction back takes the name off; the last one takes the emoji away.
    member
        .delete(&format!("messages/{id}/reactions/🎉"))
        .await
        .expect(200);
    owner
        .delete(&format!("messages/{id}/reactions/👍"))
        .await
        .expect(200);
    let got = owner
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect(200);
    assert_eq!(summary(got.data()), [("👍".to_owned(), 1, vec![m])]);
}

async fn who_reacted_follows_read_access(app: TestApp) {
    let owner = app.staff().await;
    let outsider = app.staff().await;
    let room = owner
        .create_room(&slug("who-private"), "private", None)
        .await;
    let message = owner.send_message(room, "members only").await;
    let id = message["id"].as_str().unwrap();
    owner
        .put(&format!("messages/{id}/reactions/👀"))
        .await
        .expect(200);
    owner
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect(200);
    // Someone who may not read the room cannot tell the message exists.
    outsider
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect_error(404, "NOT_FOUND");
    app.anonymous()
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    // A deleted message has no reactions left to show.
    owner.delete(&format!("messages/{id}")).await.expect(200);
    owner
        .get(&format!("messages/{id}/reactions"))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn the_session_probe_answers_visitors_without_an_error(app: TestApp) {
    let visitor = app.anonymous().get("auth/session").await.expect(200);
    assert_eq!(visitor.data(), &json!(null));
    // `/auth/me` keeps its meaning for API clients.
    app.anonymous()
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let user = app.staff().await;
    let me = user.get("auth/session").await.expect(200);
    assert_eq!(me.data()["id"], json!(user.id().to_string()));
    assert_eq!(me.data()["ticketScope"], json!(null));
    assert!(me.data()["notificationCount"].is_i64());
    // A session that ended is a visitor again, not an error.
    let token = user.token.clone().unwrap();
    user.post("auth/logout", json!({})).await.expect(200);
    let ended = app
        .anonymous()
        .send(
            app.anonymous()
                .request(reqwest::Method::GET, "auth/session")
                .bearer_auth(token),
        )
        .await
        .expect(200);
    assert_eq!(ended.data(), &json!(null));

    // Both routes are in the OpenAPI document.
    let doc = app.anonymous().get("openapi.json").await.expect(200).body;
    assert!(doc["paths"]["/api/v1/auth/session"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/messages/{id}/reactions"]["get"].is_object());
}
