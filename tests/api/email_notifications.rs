//! E-mail notifications: mentions and DMs left unread past the person's delay go out as one
//! digest per person through the mail outbox (to the tests' SMTP server), once; never when
//! read, e-mail is off, the room is muted (except mentions by handle), the account is
//! deactivated or banned, or during quiet hours; the digest's one-click unsubscribe link turns
//! e-mail off and a forged one is refused. The sweep runs with a `now` past the delay instead
//! of waiting for it.

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{Value, json};
use switchboard::{domain::Id, workers};

use crate::helpers::{Client, TestApp, slug};

crate::backend_tests!(
    unread_mentions_and_dms_are_mailed_once_in_one_digest,
    read_notifications_and_email_off_send_nothing,
    muted_rooms_mail_only_mentions_by_handle,
    deactivated_and_banned_people_get_nothing,
    quiet_hours_defer_the_digest,
    the_unsubscribe_link_turns_email_off_and_forgeries_are_refused,
);

/// Sweeps as if `minutes` had passed, and sends what it queued; how many digests it queued.
async fn sweep_after(app: &TestApp, minutes: i64) -> usize {
    sweep_at(app, Utc::now() + Duration::minutes(minutes)).await
}

async fn sweep_at(app: &TestApp, now: DateTime<Utc>) -> usize {
    let queued = workers::digest::sweep(&app.state.jobs, now)
        .await
        .unwrap_or_else(|e| panic!("sweep: {e:#}"));
    while workers::jobs::run_once(&app.state.jobs).await > 0 {}
    queued
}

async fn handle_of(client: &Client) -> String {
    let me = client.get("auth/me").await.expect(200);
    me.data()["handle"].as_str().unwrap().to_owned()
}

/// Waits until `client` has `count` unread notifications (the notifier stores them after the
/// message commits).
async fn wait_unread(client: &Client, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = client.get("notifications?unread=true").await.expect(200);
        let items = page.data()["items"].as_array().unwrap().clone();
        if items.len() >= count {
            assert_eq!(items.len(), count, "more notifications than expected");
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{count} notifications expected, {} stored",
            items.len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A public room of `owner` with `members` added.
async fn room_with(owner: &Client, members: &[&Client]) -> Id {
    let room = owner.create_room(&slug("mail"), "public", None).await;
    for member in members {
        owner
            .post(
                &format!("rooms/{room}/members"),
                json!({"userId": member.id()}),
            )
            .await
            .expect(201);
    }
    room
}

async fn unread_mentions_and_dms_are_mailed_once_in_one_digest(app: TestApp) {
    let ann = app.staff().await;
    let bob = app.staff().await;
    let room = room_with(&ann, &[&bob]).await;
    let hb = handle_of(&bob).await;
    let mention = ann
        .send_message(room, &format!("@{hb} the <b>deploy</b> is yours"))
        .await;
    let dm = ann.post("dms", json!({"userId": bob.id()})).await.id();
    ann.send_message(dm, "lunch at noon?").await;
    wait_unread(&bob, 2).await;

    // Not yet: the default delay is 15 minutes.
    assert_eq!(sweep_after(&app, 10).await, 0);
    assert!(app.mail.to(&bob.email).is_empty());

    assert_eq!(sweep_after(&app, 16).await, 1);
    let mail = app.mail_to(&bob.email, 1).await;
    assert!(mail.subject.contains("2 unread"), "{}", mail.subject);
    assert!(
        mail.text.contains("the <b>deploy</b> is yours"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("lunch at noon?"));
    assert!(mail.html.contains("the &lt;b&gt;deploy&lt;/b&gt; is yours"));
    let seq = mention["seq"].as_i64().unwrap();
    assert!(mail.text.contains(&format!("/rooms/{room}?seq={seq}")));
    assert!(mail.text.contains(&format!("/rooms/{dm}?seq=")));
    let link = mail.link("/api/v1/unsubscribe").unwrap();
    assert_eq!(mail.list_unsubscribe, Some(format!("<{link}>")));
    assert_eq!(
        mail.list_unsubscribe_post.as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    // Nobody else got mail, and a second sweep sends nothing new.
    assert!(app.mail.to(&ann.email).is_empty());
    assert_eq!(sweep_after(&app, 30).await, 0);
    assert_eq!(app.mail.to(&bob.email).len(), 1);

    // A new DM is mailed on its own later.
    ann.send_message(dm, "still on?").await;
    wait_unread(&bob, 3).await;
    assert_eq!(sweep_after(&app, 16).await, 1);
    let second = app.mail_to(&bob.email, 2).await;
    assert!(second.text.contains("still on?"));
    assert!(!second.text.contains("lunch at noon?"));
}

async fn read_notifications_and_email_off_send_nothing(app: TestApp) {
    let ann = app.staff().await;
    let bob = app.staff().await;
    let carol = app.staff().await;
    let room = room_with(&ann, &[&bob, &carol]).await;
    let (hb, hc) = (handle_of(&bob).await, handle_of(&carol).await);
    ann.send_message(room, &format!("@{hb} first, already read"))
        .await;
    let items = wait_unread(&bob, 1).await;
    bob.post("notifications/read", json!({"ids": [items[0]["id"]]}))
        .await
        .expect(200);
    ann.send_message(room, &format!("@{hb} second, unread"))
        .await;
    wait_unread(&bob, 1).await;

    carol
        .put_json("me/preferences", json!({"emailNotifications": "off"}))
        .await
        .expect(200);
    ann.send_message(room, &format!("@{hc} you turned mail off"))
        .await;
    wait_unread(&carol, 1).await;

    // A shorter delay of one's own applies.
    bob.put_json("me/preferences", json!({"emailDelayMinutes": 2}))
        .await
        .expect(200);
    assert_eq!(sweep_after(&app, 3).await, 1);
    let mail = app.mail_to(&bob.email, 1).await;
    assert!(mail.text.contains("second, unread"));
    assert!(!mail.text.contains("already read"));
    assert_eq!(sweep_after(&app, 60).await, 0);
    assert!(app.mail.to(&carol.email).is_empty());
}

async fn muted_rooms_mail_only_mentions_by_handle(app: TestApp) {
    let ann = app.staff().await;
    let bob = app.staff().await;
    let carol = app.staff().await;
    let room = room_with(&ann, &[&bob, &carol]).await;
    let hb = handle_of(&bob).await;
    let path = format!("rooms/{room}/notifications");
    let until = (Utc::now() + Duration::hours(2)).to_rfc3339();

    // Bob muted the room first: @room is not even a notification, his handle is.
    bob.put_json(&path, json!({"level": "all", "muteUntil": until}))
        .await
        .expect(200);
    ann.send_message(room, "@room standup moved").await;
    wait_unread(&carol, 1).await;
    ann.send_message(room, &format!("@{hb} you present today"))
        .await;
    wait_unread(&bob, 1).await;
    // Carol mutes after her @room notification was stored: it is not mailed either.
    carol
        .put_json(&path, json!({"level": "none"}))
        .await
        .expect(200);

    assert_eq!(sweep_after(&app, 16).await, 1);
    let mail = app.mail_to(&bob.email, 1).await;
    assert!(mail.text.contains("you present today"));
    assert!(!mail.text.contains("standup moved"));
    assert!(app.mail.to(&carol.email).is_empty());
}

async fn deactivated_and_banned_people_get_nothing(app: TestApp) {
    let admin = app.admin().await;
    let ann = app.staff().await;
    let bob = app.staff().await;
    let carol = app.staff().await;
    let room = room_with(&ann, &[&bob, &carol]).await;
    let (hb, hc) = (handle_of(&bob).await, handle_of(&carol).await);
    ann.send_message(room, &format!("@{hb} @{hc} review please"))
        .await;
    wait_unread(&bob, 1).await;
    wait_unread(&carol, 1).await;
    admin
        .post(&format!("admin/users/{}/deactivate", bob.id()), json!({}))
        .await
        .expect(200);
    admin
        .post(
            &format!("admin/users/{}/ban", carol.id()),
            json!({"reason": "spam"}),
        )
        .await
        .expect(200);

    assert_eq!(sweep_after(&app, 16).await, 0);
    assert!(app.mail.to(&bob.email).is_empty());
    assert!(app.mail.to(&carol.email).is_empty());
}

async fn quiet_hours_defer_the_digest(app: TestApp) {
    let ann = app.staff().await;
    let bob = app.staff().await;
    let dm = ann.post("dms", json!({"userId": bob.id()})).await.id();
    ann.send_message(dm, "call me when you can").await;
    wait_unread(&bob, 1).await;

    // Quiet for two hours from the time the sweep runs (in UTC, Bob's time zone).
    let at = Utc::now() + Duration::minutes(20);
    let (start, end) = (at.hour(), (at.hour() + 2) % 24);
    bob.put_json(
        "me/preferences",
        json!({"quietHours": {"start": format!("{start:02}:00"), "end": format!("{end:02}:00")}}),
    )
    .await
    .expect(200);
    assert_eq!(sweep_at(&app, at).await, 0);
    assert!(app.mail.to(&bob.email).is_empty());

    // After the quiet hours it goes out.
    assert_eq!(sweep_at(&app, at + Duration::hours(3)).await, 1);
    let mail = app.mail_to(&bob.email, 1).await;
    assert!(mail.text.contains("call me when you can"));
}

async fn the_unsubscribe_link_turns_email_off_and_forgeries_are_refused(app: TestApp) {
    let ann = app.staff().await;
    let bob = app.staff().await;
    let carol = app.staff().await;
    let dm = ann.post("dms", json!({"userId": bob.id()})).await.id();
    ann.send_message(dm, "ping").await;
    wait_unread(&bob, 1).await;
    assert_eq!(sweep_after(&app, 16).await, 1);
    let mail = app.mail_to(&bob.email, 1).await;
    let token = mail.token("/api/v1/unsubscribe").unwrap();
    let (id, signature) = token.split_once('.').unwrap();
    assert_eq!(id, bob.id().to_string());

    let anonymous = app.anonymous();
    // Someone else's id with Bob's signature, a changed signature, nonsense: refused.
    for forged in [
        format!("{}.{signature}", carol.id()),
        format!(
            "{id}.{}{}",
            if signature.starts_with('A') { 'B' } else { 'A' },
            &signature[1..]
        ),
        format!("{id}.{id}"),
        "nonsense".to_owned(),
    ] {
        anonymous
            .post(&format!("unsubscribe?token={forged}"), json!({}))
            .await
            .expect_error(400, "TOKEN_INVALID");
    }
    let prefs = carol.get("me/preferences").await.expect(200);
    assert_eq!(prefs.data()["emailNotifications"], "mentions_dms");

    // The mail client's one-click POST (a form body, no session), to this server (the link
    // names PUBLIC_URL).
    let link = mail.link("/api/v1/unsubscribe").unwrap();
    assert!(link.ends_with(&format!("/api/v1/unsubscribe?token={token}")));
    let here = format!("{}/api/v1/unsubscribe?token={token}", app.base);
    let client = crate::helpers::http_client();
    // Opening the link (a person, a mail scanner, a link prefetcher) changes nothing: the
    // page asks first, with a button that posts the one-click form.
    let page = client.get(&here).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("Turn off e-mail notifications"), "{page}");
    assert!(page.contains(&format!("action=\"/api/v1/unsubscribe?token={token}\"")));
    let prefs = bob.get("me/preferences").await.expect(200);
    assert_eq!(prefs.data()["emailNotifications"], "mentions_dms");
    let response = client
        .post(&here)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let prefs = bob.get("me/preferences").await.expect(200);
    assert_eq!(prefs.data()["emailNotifications"], "off");

    // Later DMs are not mailed; the link (GET, a person clicking) keeps working.
    ann.send_message(dm, "pong?").await;
    wait_unread(&bob, 2).await;
    assert_eq!(sweep_after(&app, 16).await, 0);
    assert_eq!(app.mail.to(&bob.email).len(), 1);
    let page = client.get(&here).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("E-mail notifications are off")
    );
    // The page's button (a browser's form post) answers with a page, not JSON.
    let page = client
        .post(&here)
        .header("accept", "text/html,application/xhtml+xml")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("E-mail notifications are off")
    );
}
