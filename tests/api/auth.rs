//! Sign-in, sessions, registration modes, cookies and the cross-site write check.

use serde_json::json;
use switchboard::{domain::user::Role, service::auth::hash_token};

use crate::helpers::{Setup, TestApp};

crate::backend_tests!(
    login_sets_a_session_cookie_and_returns_a_token,
    wrong_password_and_unknown_email_look_the_same,
    logout_revokes_the_session,
    expired_sessions_are_refused,
    registration_is_closed_by_default,
    open_registration_creates_staff_and_checks_passwords
        with Setup::args(&["--registration-mode", "open"]),
    domain_registration_accepts_only_that_domain
        with Setup::args(&["--registration-mode", "domain:corp.example"]),
    cookie_writes_from_other_origins_are_refused,
    bootstrap_admin_is_created_from_the_environment with Setup::args(&[
        "--admin-email",
        "Boss@Corp.example",
        "--admin-password",
        "a very long password",
    ]),
);

async fn login_sets_a_session_cookie_and_returns_a_token(app: TestApp) {
    let user = app.user(Role::Staff, None).await;
    let resp = app
        .anonymous()
        .post(
            "auth/login",
            json!({"email": user.email.to_uppercase(), "password": "correct horse battery"}),
        )
        .await
        .expect(200);
    let cookie = resp.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("sb_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let token = resp.data()["token"].as_str().unwrap().to_owned();
    assert!(!cookie.contains("Secure"));
    let mut client = app.anonymous();
    client.token = Some(token.clone());
    let me = client.get("auth/me").await.expect(200);
    assert_eq!(me.data()["email"], json!(user.email));
    // Only the hash of the token is stored.
    let stored = app
        .state
        .ctx
        .store
        .session_by_token_hash(&hash_token(&token))
        .await
        .unwrap();
    assert!(stored.is_some());
    assert!(
        app.state
            .ctx
            .store
            .session_by_token_hash(&token)
            .await
            .unwrap()
            .is_none()
    );
    // The cookie works as well as the bearer token.
    let raw = crate::helpers::http_client()
        .get(format!("{}/api/v1/auth/me", app.base))
        .header("cookie", format!("sb_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
}

async fn wrong_password_and_unknown_email_look_the_same(app: TestApp) {
    let user = app.user(Role::Staff, None).await;
    let anon = app.anonymous();
    let wrong = anon
        .post(
            "auth/login",
            json!({"email": user.email, "password": "not the password"}),
        )
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    let unknown = anon
        .post(
            "auth/login",
            json!({"email": "nobody@nowhere.example", "password": "not the password"}),
        )
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    assert_eq!(wrong.body["message"], unknown.body["message"]);
    anon.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn logout_revokes_the_session(app: TestApp) {
    let user = app.user(Role::Staff, None).await;
    user.get("auth/me").await.expect(200);
    let out = user.post("auth/logout", json!({})).await.expect(200);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    user.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn expired_sessions_are_refused(app: TestApp) {
    let user = app.user(Role::Staff, None).await;
    let auth = app
        .state
        .ctx
        .store
        .session_by_token_hash(&hash_token(user.token.as_deref().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    app.state
        .ctx
        .store
        .touch_session(auth.session_id, past, past)
        .await
        .unwrap();
    user.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn registration_is_closed_by_default(app: TestApp) {
    app.anonymous()
        .post(
            "auth/register",
            json!({"email": "new@x.example", "name": "New", "password": "long enough pw"}),
        )
        .await
        .expect_error(403, "REGISTRATION_CLOSED");
}

async fn open_registration_creates_staff_and_checks_passwords(app: TestApp) {
    let anon = app.anonymous();
    let short = anon
        .post(
            "auth/register",
            json!({"email": "a@x.example", "name": "A", "password": "short"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    assert_eq!(short.body["details"][0]["field"], json!("password"));
    // The account waits for its owner: no session, and the password alone does not sign in.
    let pending = anon
        .post(
            "auth/register",
            json!({"email": "a@x.example", "name": "A", "password": "long enough pw"}),
        )
        .await
        .expect(202);
    assert_eq!(pending.data()["verificationSent"], json!(true));
    assert!(pending.headers.get("set-cookie").is_none());
    anon.post(
        "auth/login",
        json!({"email": "a@x.example", "password": "long enough pw"}),
    )
    .await
    .expect_error(403, "EMAIL_UNVERIFIED");
    // The link mailed to the address verifies it and signs in, once.
    let mail = app.mail_to("a@x.example", 1).await;
    let token = mail.token("/verify-email").unwrap();
    let ok = anon
        .post("auth/verify", json!({"token": token}))
        .await
        .expect(200);
    assert_eq!(ok.data()["user"]["role"], json!("staff"));
    anon.post("auth/verify", json!({"token": token}))
        .await
        .expect_error(400, "TOKEN_INVALID");
    anon.post(
        "auth/login",
        json!({"email": "a@x.example", "password": "long enough pw"}),
    )
    .await
    .expect(200);
    anon.post(
        "auth/register",
        json!({"email": "A@x.example", "name": "A", "password": "long enough pw"}),
    )
    .await
    .expect_error(409, "EMAIL_TAKEN");
}

async fn domain_registration_accepts_only_that_domain(app: TestApp) {
    let anon = app.anonymous();
    anon.post(
        "auth/register",
        json!({"email": "a@other.example", "name": "A", "password": "long enough pw"}),
    )
    .await
    .expect_error(403, "REGISTRATION_CLOSED");
    anon.post(
        "auth/register",
        json!({"email": "a@corp.example", "name": "A", "password": "long enough pw"}),
    )
    .await
    .expect(202);
    // Nothing is readable before the address is verified: there is no session at all.
    anon.post(
        "auth/login",
        json!({"email": "a@corp.example", "password": "long enough pw"}),
    )
    .await
    .expect_error(403, "EMAIL_UNVERIFIED");
    let token = app
        .mail_to("a@corp.example", 1)
        .await
        .token("/verify-email")
        .unwrap();
    anon.post("auth/verify", json!({"token": token}))
        .await
        .expect(200);
}

async fn cookie_writes_from_other_origins_are_refused(app: TestApp) {
    let user = app.user(Role::Staff, Some("engineering")).await;
    let token = user.token.clone().unwrap();
    let http = crate::helpers::http_client();
    let post = |origin: Option<&'static str>| {
        let mut req = http
            .post(format!("{}/api/v1/rooms", app.base))
            .header("cookie", format!("sb_session={token}"))
            .json(&json!({"slug": crate::helpers::slug("csrf"), "title": "t", "kind": "public"}));
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.send()
    };
    assert_eq!(
        post(Some("https://evil.example")).await.unwrap().status(),
        403
    );
    assert_eq!(
        post(Some("http://localhost:3000")).await.unwrap().status(),
        201
    );
    // Bearer tokens are not sent by browsers on their own, so they skip the check.
    user.send(
        user.request(reqwest::Method::POST, "rooms")
            .header("origin", "https://evil.example")
            .json(&json!({"slug": crate::helpers::slug("csrf"), "title": "t", "kind": "public"})),
    )
    .await
    .expect(201);
}

async fn bootstrap_admin_is_created_from_the_environment(app: TestApp) {
    switchboard::service::auth::bootstrap_admin(&app.state.ctx, app.state.config.bootstrap_admin())
        .await
        .unwrap();
    switchboard::service::auth::bootstrap_admin(&app.state.ctx, app.state.config.bootstrap_admin())
        .await
        .unwrap();
    let resp = app
        .anonymous()
        .post(
            "auth/login",
            json!({"email": "boss@corp.example", "password": "a very long password"}),
        )
        .await
        .expect(200);
    assert_eq!(resp.data()["user"]["role"], json!("admin"));
}
