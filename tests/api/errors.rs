//! A catalogue of bad input: every answer is a 4xx with a stable code and a request id, never
//! a 500 or a dropped connection.

use serde_json::json;
use switchboard::{
    domain::{Id, room::RoomKind, room::RoomRole},
    error::{AppError, Code},
    store::NewRoom,
};

use crate::helpers::{Backend, Resp, TestApp, slug};

crate::backend_tests!(
    bad_requests_get_stable_codes,
    nul_characters_are_refused_at_the_edge,
    database_refusals_are_client_errors,
);

async fn bad_requests_get_stable_codes(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("bad"), "public", None).await;
    let messages = format!("rooms/{room}/messages");
    let raw = |body: &'static str, content_type: &'static str| {
        user.request(reqwest::Method::POST, &messages)
            .header("content-type", content_type)
            .body(body)
    };
    let cases = [
        (
            user.send(raw("{not json", "application/json")).await,
            400,
            "INVALID_JSON",
        ),
        (
            user.send(raw(
                "{\"clientId\": 5, \"body\": \"x\"}",
                "application/json",
            ))
            .await,
            422,
            "VALIDATION",
        ),
        (
            user.send(raw("[]", "application/json")).await,
            422,
            "VALIDATION",
        ),
        (
            user.send(raw(
                "{\"clientId\":\"a\",\"body\":\"x\"} trailing",
                "application/json",
            ))
            .await,
            400,
            "INVALID_JSON",
        ),
        (
            user.send(raw(
                "{\"clientId\":\"a\",\"body\":\"x\",\"extra\":1}",
                "application/json",
            ))
            .await,
            422,
            "VALIDATION",
        ),
        (
            user.send(raw(
                "clientId=a&body=x",
                "application/x-www-form-urlencoded",
            ))
            .await,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            user.send(raw("", "application/json")).await,
            400,
            "INVALID_JSON",
        ),
        (
            user.get(&format!("rooms/{}", Id::new())).await,
            404,
            "NOT_FOUND",
        ),
        (user.get("rooms/not-a-uuid").await, 404, "NOT_FOUND"),
        (user.get("messages/123/thread").await, 404, "NOT_FOUND"),
        (user.get("no/such/route").await, 404, "NOT_FOUND"),
        (
            user.send(user.request(reqwest::Method::PUT, "rooms")).await,
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (user.get("admin/users?limit=lots").await, 400, "BAD_REQUEST"),
        (user.get("users?role=root").await, 400, "BAD_REQUEST"),
        (user.get("tickets?status=Open").await, 400, "BAD_REQUEST"),
        (
            user.get("tickets?limit=5&limit=6").await,
            400,
            "BAD_REQUEST",
        ),
        (app.anonymous().get("rooms").await, 401, "UNAUTHENTICATED"),
    ];
    for (i, (resp, status, code)) in cases.into_iter().enumerate() {
        assert_eq!(
            (resp.status, resp.code()),
            (status, code),
            "case {i}: {}",
            resp.body
        );
        assert!(
            resp.body["requestId"].is_string(),
            "case {i} has no requestId"
        );
        assert!(resp.headers.contains_key("x-request-id"));
    }
    let huge = "x".repeat(300 * 1024);
    let too_large = user
        .post(&messages, json!({"clientId": "big", "body": huge}))
        .await;
    assert_eq!(
        (too_large.status, too_large.code()),
        (413, "PAYLOAD_TOO_LARGE"),
        "{}",
        too_large.body
    );
    let mut bad_token = app.anonymous();
    bad_token.token = Some("x".repeat(500));
    bad_token
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    // Hostile strings in paths and queries are handled as data.
    user.get("rooms/discover?q=%27%3B%20DROP%20TABLE%20rooms%3B--")
        .await
        .expect(200);
    user.get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    // Empty values, as forms send for "any", are no filter.
    user.get("tickets?status=&priority=&assignee=&limit=")
        .await
        .expect(200);
}

/// PostgreSQL cannot store NUL in text: every string from a client is checked for it before
/// it reaches a query, signed in or not.
async fn nul_characters_are_refused_at_the_edge(app: TestApp) {
    let admin = app.admin().await;
    let staff = app.staff().await;
    let room = staff.create_room(&slug("nul"), "public", None).await;
    let anon = app.anonymous();
    let nul = "a\u{0}b";
    let cases: Vec<(Resp, &str)> = vec![
        (
            anon.post(
                "auth/login",
                json!({"email": format!("x{nul}@example.com"), "password": "whatever whatever"}),
            )
            .await,
            "email",
        ),
        (
            anon.post(
                "support/tickets",
                json!({"name": "N", "email": "n@x.example", "subject": nul, "message": "m"}),
            )
            .await,
            "subject",
        ),
        (
            staff
                .patch(&format!("rooms/{room}"), json!({"description": nul}))
                .await,
            "description",
        ),
        (
            staff
                .post(
                    "rooms",
                    json!({"slug": "s", "title": "t", "kind": "public", "tags": ["ok", nul]}),
                )
                .await,
            "tags[1]",
        ),
        (
            admin
                .post(
                    &format!("admin/users/{}/ban", staff.id()),
                    json!({"reason": nul}),
                )
                .await,
            "reason",
        ),
        (staff.get("tickets?department=a%00b").await, "department"),
        (staff.get("search?q=deploy%00").await, "q"),
        (staff.get("search?q=%22a%00b%22").await, "q"),
        (staff.get("search?q=in:a%00b").await, "q"),
        (staff.get("search?q=from:a%00b").await, "q"),
        (staff.get("rooms/discover?q=a%00b").await, "q"),
        (staff.get("users?q=a%00b").await, "q"),
        (admin.get("admin/users?q=a%00b").await, "q"),
        (admin.get("admin/audit?action=a%00b").await, "action"),
        (staff.get("search?q=a&a%00b=1").await, "a\u{0}b"),
    ];
    for (i, (resp, field)) in cases.into_iter().enumerate() {
        assert_eq!(
            (resp.status, resp.code()),
            (422, "VALIDATION"),
            "case {i}: {}",
            resp.body
        );
        assert_eq!(resp.body["details"][0]["field"], json!(field), "case {i}");
        assert!(resp.body["requestId"].is_string(), "case {i}");
    }
    // Nothing was stored on the way.
    let unchanged = staff.get(&format!("rooms/{room}")).await.expect(200);
    assert_eq!(unchanged.data()["description"], json!(""));
}

/// Behind the extractors, whatever the database refuses (data it cannot store, CHECK and
/// foreign-key violations) is a 4xx with a stable code that names no constraint.
async fn database_refusals_are_client_errors(app: TestApp) {
    let store = &app.state.ctx.store;
    let staff = app.staff().await;
    let lookup = store.get_user_by_email("nul\u{0}@x.example").await;
    match app.backend {
        Backend::Postgres => {
            let err = AppError::from(lookup.unwrap_err());
            assert_eq!(err.code(), Code::Validation);
            assert_eq!(err.code().status(), 422);
        }
        // SQLite stores NUL like any other character.
        Backend::Sqlite => assert!(lookup.unwrap().is_none()),
    }
    let id = Id::new();
    let orphan = store
        .create_room(
            &NewRoom {
                id,
                slug: slug("orphan"),
                title: "Orphan".into(),
                description: String::new(),
                kind: RoomKind::Public,
                department: None,
                tags: Vec::new(),
                created_by: None,
                dm_key: None,
                members: vec![(Id::new(), RoomRole::Owner)],
            },
            &[],
        )
        .await
        .map(|_| ())
        .map_err(AppError::from)
        .unwrap_err();
    assert_eq!(orphan.code(), Code::NotFound, "{orphan:?}");
    assert!(!orphan.public_message().contains("fkey"));
    let room = staff.create_room(&slug("check"), "public", None).await;
    let message = staff.send_message(room, "short").await;
    let message_id: Id = message["id"].as_str().unwrap().parse().unwrap();
    let too_long = store
        .edit_message(
            message_id,
            &"x".repeat(5001),
            staff.id(),
            chrono::Utc::now(),
        )
        .await
        .map(|_| ())
        .map_err(AppError::from)
        .unwrap_err();
    assert_eq!(too_long.code(), Code::Validation, "{too_long:?}");
    let body = serde_json::to_value(too_long.body()).unwrap();
    assert_eq!(body["details"][0]["field"], json!("body"));
    assert!(!body.to_string().contains("messages_body_check"), "{body}");
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    // From a client that is not a trusted proxy, a request id is never taken over: anyone
    // could plant ids in the logs and audit rows.
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let anon = app.anonymous();
    let direct = anon
        .send(
            anon.request(reqwest::Method::GET, "/livez")
                .header("x-request-id", "forged-id-123"),
        )
        .await
        .expect(200);
    assert_ne!(direct.headers["x-request-id"], "forged-id-123");
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &["--trusted-proxies", "127.0.0.1"]).await
    else {
        return;
    };
    let anon = app.anonymous();
    let echoed = anon
        .send(
            anon.request(reqwest::Method::GET, "/livez")
                .header("x-request-id", "proxy-abc-123"),
        )
        .await
        .expect(200);
    assert_eq!(echoed.headers["x-request-id"], "proxy-abc-123");
    let replaced = anon
        .send(
            anon.request(reqwest::Method::GET, "/livez")
                .header("x-request-id", "bad id with spaces"),
        )
        .await
        .expect(200);
    assert_ne!(replaced.headers["x-request-id"], "bad id with spaces");
}
