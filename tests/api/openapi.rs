//! The OpenAPI document lists every REST route of the design, with request and response shapes.

use std::collections::BTreeSet;

use crate::helpers::{Backend, TestApp};

/// Every route the design contract names (method, path), as the document must list them.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/me"),
    ("get", "/api/v1/config"),
    ("get", "/api/v1/rooms"),
    ("post", "/api/v1/rooms"),
    ("get", "/api/v1/rooms/discover"),
    ("get", "/api/v1/rooms/{id}"),
    ("patch", "/api/v1/rooms/{id}"),
    ("delete", "/api/v1/rooms/{id}"),
    ("post", "/api/v1/rooms/{id}/join"),
    ("post", "/api/v1/rooms/{id}/leave"),
    ("post", "/api/v1/rooms/{id}/archive"),
    ("post", "/api/v1/rooms/{id}/unarchive"),
    ("get", "/api/v1/rooms/{id}/members"),
    ("post", "/api/v1/rooms/{id}/members"),
    ("patch", "/api/v1/rooms/{id}/members/{userId}"),
    ("delete", "/api/v1/rooms/{id}/members/{userId}"),
    ("post", "/api/v1/rooms/{id}/ownership"),
    ("post", "/api/v1/rooms/{id}/read"),
    ("post", "/api/v1/dms"),
    ("get", "/api/v1/rooms/{id}/messages"),
    ("post", "/api/v1/rooms/{id}/messages"),
    ("patch", "/api/v1/messages/{id}"),
    ("delete", "/api/v1/messages/{id}"),
    ("get", "/api/v1/messages/{id}/thread"),
    ("put", "/api/v1/messages/{id}/reactions/{emoji}"),
    ("delete", "/api/v1/messages/{id}/reactions/{emoji}"),
    ("get", "/api/v1/messages/{id}/history"),
    ("put", "/api/v1/messages/{id}/pin"),
    ("delete", "/api/v1/messages/{id}/pin"),
    ("get", "/api/v1/rooms/{id}/pins"),
    ("put", "/api/v1/messages/{id}/save"),
    ("delete", "/api/v1/messages/{id}/save"),
    ("get", "/api/v1/me/saved"),
    ("get", "/api/v1/users"),
    ("get", "/api/v1/admin/users"),
    ("post", "/api/v1/admin/users"),
    ("patch", "/api/v1/admin/users/{id}"),
    ("post", "/api/v1/admin/users/{id}/ban"),
    ("delete", "/api/v1/admin/users/{id}/ban"),
    ("get", "/api/v1/admin/audit"),
    ("post", "/api/v1/support/tickets"),
    ("post", "/api/v1/auth/link"),
    ("get", "/api/v1/tickets"),
    ("post", "/api/v1/tickets"),
    ("get", "/api/v1/tickets/{id}"),
    ("patch", "/api/v1/tickets/{id}"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/activity"),
    ("post", "/api/v1/rooms/{id}/export"),
    ("post", "/api/v1/admin/audit/export"),
    ("post", "/api/v1/auth/verify"),
    ("post", "/api/v1/auth/verify/resend"),
    ("post", "/api/v1/auth/password/forgot"),
    ("post", "/api/v1/auth/password/reset"),
    ("post", "/api/v1/auth/invite/details"),
    ("post", "/api/v1/auth/invite/accept"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/me/sessions"),
    ("delete", "/api/v1/me/sessions/{id}"),
    ("post", "/api/v1/me/sessions/revoke-others"),
    ("post", "/api/v1/admin/invites"),
    ("post", "/api/v1/admin/users/{id}/deactivate"),
    ("get", "/api/v1/unsubscribe"),
    ("post", "/api/v1/unsubscribe"),
    ("post", "/api/v1/admin/users/{id}/reactivate"),
    ("post", "/api/v1/admin/users/{id}/password-reset"),
    ("get", "/api/v1/admin/staff-analytics"),
    ("get", "/api/v1/admin/telemetry"),
    ("get", "/api/v1/tickets/{id}/assistant"),
    ("post", "/api/v1/tickets/{id}/assistant/refresh"),
    ("post", "/api/v1/rooms/{id}/uploads"),
    ("get", "/api/v1/attachments/{id}"),
    ("get", "/api/v1/attachments/{id}/thumbnail"),
    ("get", "/api/v1/rooms/{id}/attachments"),
    ("get", "/livez"),
    ("get", "/readyz"),
    ("get", "/api/health"),
];

#[tokio::test]
async fn every_route_is_documented() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let doc = app.anonymous().get("openapi.json").await.expect(200).body;
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .into_iter()
                .flat_map(|ops| ops.keys())
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let missing: Vec<_> = ROUTES
        .iter()
        .filter(|(m, p)| !documented.contains(&((*m).to_owned(), (*p).to_owned())))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from openapi.json: {missing:?}"
    );
    // Write routes describe their bodies; every operation documents its answers.
    for (method, path) in &documented {
        let op = &paths[path][method];
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path}"
        );
    }
    let send = &paths["/api/v1/rooms/{id}/messages"]["post"];
    assert!(send["requestBody"].is_object());
    assert!(doc["components"]["schemas"]["MessageView"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    // Enums publish the values on the wire, not the Rust variant names.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["TicketStatus"]["enum"],
        serde_json::json!(["open", "pending", "resolved", "closed"])
    );
    assert_eq!(
        schemas["Role"]["enum"],
        serde_json::json!(["admin", "staff", "customer", "observer"])
    );
    assert_eq!(schemas["Priority"]["type"], "string");
    // Uploads are multipart with a binary part; downloads are binary bodies.
    let upload = &paths["/api/v1/rooms/{id}/uploads"]["post"]["requestBody"]["content"];
    assert!(upload["multipart/form-data"].is_object(), "{upload}");
    let download = &paths["/api/v1/attachments/{id}"]["get"]["responses"];
    assert!(
        download["200"]["content"]["application/octet-stream"].is_object(),
        "{download}"
    );
    assert!(download["206"].is_object() && download["416"].is_object());
    let support = &paths["/api/v1/support/tickets"]["post"]["requestBody"]["content"];
    assert!(support["application/json"].is_object() && support["multipart/form-data"].is_object());
    assert!(schemas["AttachmentView"].is_object());
    // DMs in the room list name their other members, with their avatars.
    assert!(schemas["RoomView"]["properties"]["peers"].is_object());
    assert!(schemas["PeerView"]["properties"]["avatarUrl"].is_object());
}
