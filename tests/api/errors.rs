//! A catalogue of bad input: every answer is a 4xx with a stable code and a request id, never
//! a 500 or a dropped connection.

use serde_json::json;
use switchboard::domain::Id;

use crate::helpers::{Backend, TestApp, slug};

crate::backend_tests!(bad_requests_get_stable_codes);

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

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
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
