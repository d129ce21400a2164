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

/// Every documented operation, called without credentials on the real server: it is mounted
/// (neither the "no route" 404 nor 405), a secured one answers 401 `UNAUTHENTICATED` (so its
/// security requirement is true), and a public one (`security: []`) never asks for a session.
/// Every operation documents the error envelope for the errors any request may meet.
#[tokio::test]
async fn security_requirements_match_what_the_server_asks_for() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let anonymous = app.anonymous();
    let doc = anonymous.get("openapi.json").await.expect(200).body;
    assert_eq!(
        doc["security"],
        serde_json::json!([{"session": []}, {"bearer": []}])
    );
    let mut public = BTreeSet::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().unwrap_or_default().to_owned();
            let security = op.get("security").unwrap_or(&doc["security"]);
            let is_public = security == &serde_json::json!([]);
            let is_optional = security
                .as_array()
                .is_some_and(|reqs| reqs.iter().any(|r| r == &serde_json::json!({})));
            // Valid-looking parameters, so the route's own checks pass the request on to auth.
            let concrete = path
                .replace("{emoji}", "%F0%9F%91%8D")
                .replace("{userId}", "0190f5c4-0000-7000-8000-000000000001")
                .replace("{id}", "0190f5c4-0000-7000-8000-000000000002");
            let method_ =
                reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let mut request = anonymous.request(method_.clone(), &concrete);
            if method_ != reqwest::Method::GET {
                request = request.json(&serde_json::json!({}));
            }
            let resp = anonymous.send(request).await;
            let unmounted = resp.status == 405
                || (resp.status == 404
                    && resp.body["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("no route")));
            assert!(!unmounted, "{method} {path} is not mounted: {}", resp.body);
            if is_public || is_optional {
                assert_ne!(
                    resp.code(),
                    "UNAUTHENTICATED",
                    "{method} {path} is documented public but asks for a session"
                );
                if is_public {
                    public.insert(id.clone());
                }
            } else {
                assert_eq!(
                    (resp.status, resp.code()),
                    (401, "UNAUTHENTICATED"),
                    "{method} {path} is documented as secured: {}",
                    resp.body
                );
                let documented = &op["responses"]["401"]["content"]["application/json"]["schema"];
                assert_eq!(documented["$ref"], "#/components/schemas/ErrorBody", "{id}");
            }
            let probe = path == "/livez" || path == "/readyz" || path.ends_with("/health");
            if !probe && !path.ends_with("/openapi.json") {
                for status in ["429", "500"] {
                    assert!(
                        op["responses"][status]["content"]["application/json"].is_object(),
                        "{method} {path} does not document {status}"
                    );
                }
            }
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id} has no summary"
            );
            checked += 1;
        }
    }
    assert!(checked > 90, "only {checked} operations");
    for id in [
        "login",
        "register",
        "forgot_password",
        "reset_password",
        "verify_email",
        "accept_invite",
        "submit_support_form",
        "public_config",
        "livez",
        "readyz",
    ] {
        assert!(public.contains(id), "{id} should be public: {public:?}");
    }
}

/// `switchboard openapi` prints the very document the server serves, without a database.
#[tokio::test]
async fn the_openapi_command_prints_the_served_document() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let served = app.anonymous().get("openapi.json").await.expect(200).body;
    let exe = std::env::current_exe().expect("test binary");
    let binary = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir")
        .join("switchboard");
    assert!(binary.exists(), "run `cargo build --bin switchboard` first");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(binary)
        .env_clear()
        .current_dir(dir.path())
        .env("DATABASE_URL", "postgres://127.0.0.1:1/nowhere")
        .arg("openapi")
        .output()
        .expect("run switchboard openapi");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed, served);
}
