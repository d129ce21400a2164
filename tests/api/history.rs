//! Edit history: every text a message had, for whoever reads it; once deleted, the texts are
//! withheld from everyone but admins.

use serde_json::{Value, json};
use switchboard::domain::{Id, user::Role};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(
    edits_keep_every_text_for_the_readers,
    deleted_messages_keep_their_history_for_admins_only,
);

/// The texts of a message's versions, oldest first, as `reader` gets them.
async fn texts(reader: &Client, message: &str) -> Vec<Value> {
    let history = reader
        .get(&format!("messages/{message}/history"))
        .await
        .expect(200);
    assert_eq!(history.data()["nextCursor"], json!(null));
    history.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["body"].clone())
        .collect()
}

async fn edit(author: &Client, message: &str, body: &str) {
    author
        .patch(&format!("messages/{message}"), json!({"body": body}))
        .await
        .expect(200);
}

async fn edits_keep_every_text_for_the_readers(app: TestApp) {
    let author = app.staff().await;
    let room = author.create_room(&slug("hist"), "public", None).await;
    let sent = author.send_message(room, "first").await;
    let id = sent["id"].as_str().unwrap();
    assert_eq!(texts(&author, id).await, [json!("first")]);
    edit(&author, id, "second").await;
    edit(&author, id, "third").await;
    // The same text again is no new version.
    edit(&author, id, "third").await;

    let history = author
        .get(&format!("messages/{id}/history"))
        .await
        .expect(200);
    let items = history.data()["items"].as_array().unwrap();
    let bodies: Vec<_> = items.iter().map(|v| v["body"].clone()).collect();
    assert_eq!(bodies, [json!("first"), json!("second"), json!("third")]);
    let current: Vec<_> = items.iter().map(|v| v["current"].clone()).collect();
    assert_eq!(current, [json!(false), json!(false), json!(true)]);
    assert_eq!(items[0]["at"], sent["createdAt"]);
    assert!(items.iter().all(|v| v["by"] == json!(author.id())));
    let view = author.get(&format!("rooms/{room}/messages")).await;
    assert_eq!(
        items[2]["at"],
        view.data()["items"][0]["editedAt"],
        "the current text dates from the last edit"
    );

    // Readers of the room read the history; others do not learn the message exists.
    let reader = app.user(Role::Observer, Some("engineering")).await;
    assert_eq!(texts(&reader, id).await.len(), 3);
    let customer = app.user(Role::Customer, None).await;
    customer
        .get(&format!("messages/{id}/history"))
        .await
        .expect_error(404, "NOT_FOUND");
    let private = author
        .create_room(&slug("hist-private"), "private", None)
        .await;
    let secret = author.send_message(private, "secret").await;
    app.admin()
        .await
        .get(&format!(
            "messages/{}/history",
            secret["id"].as_str().unwrap()
        ))
        .await
        .expect_error(404, "NOT_FOUND");
    author
        .get(&format!("messages/{}/history", Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");
    author
        .get("messages/not-an-id/history")
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn deleted_messages_keep_their_history_for_admins_only(app: TestApp) {
    let owner = app.staff().await;
    let author = app.staff().await;
    let room = owner.create_room(&slug("redact"), "public", None).await;
    author
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let admin = app.admin().await;
    let reader = app.staff().await;

    // A moderator's deletion: the text it removed stays, for admins only.
    let moderated = author.send_message(room, "rude").await;
    let moderated = moderated["id"].as_str().unwrap();
    edit(&author, moderated, "ruder").await;
    owner
        .delete(&format!("messages/{moderated}"))
        .await
        .expect(200);
    for someone in [&author, &owner, &reader] {
        assert_eq!(
            texts(someone, moderated).await,
            [json!(null), json!(null), json!(null)],
            "withheld from non-admins"
        );
    }
    assert_eq!(
        texts(&admin, moderated).await,
        [json!("rude"), json!("ruder"), json!(null)]
    );
    let history = admin
        .get(&format!("messages/{moderated}/history"))
        .await
        .expect(200);
    let deletion = &history.data()["items"][2];
    assert_eq!(deletion["by"], json!(owner.id()));
    assert_eq!(deletion["current"], json!(true));

    // The author's own deletion takes the last text back; earlier ones stay for admins.
    let own = author.send_message(room, "draft").await;
    let own = own["id"].as_str().unwrap();
    edit(&author, own, "final").await;
    author.delete(&format!("messages/{own}")).await.expect(200);
    assert_eq!(texts(&reader, own).await, [json!(null), json!(null)]);
    assert_eq!(texts(&admin, own).await, [json!("draft"), json!(null)]);
}
