//! The holes an outside review found, each reproduced as the attack it was, and shown closed:
//! account takeover through the support form, follow links that outlived their purpose,
//! lock-outs, forged addresses and request ids, and the smaller ones. Plus the account basics
//! that close holes of their own (password change and reset, sessions, invitations,
//! deactivation). Every test runs on SQLite and on PostgreSQL.

use serde_json::{Value, json};
use switchboard::{
    domain::{Id, user::Role},
    ratelimit::Action,
    service::auth::hash_token,
};

use crate::{
    helpers::{Client, Setup, TestApp, slug},
    tickets::{follow, mailed_follow_token, open_ticket},
};

crate::backend_tests!(
    the_support_form_never_hands_out_an_existing_account,
    link_sessions_call_only_their_ticket,
    a_promoted_customer_keeps_no_link,
    role_department_and_ban_changes_end_sessions,
    banned_and_deactivated_customers_cannot_use_the_form_or_links,
    follow_links_expire,
    password_change_ends_other_sessions,
    forgotten_passwords_reset_once_without_revealing_accounts,
    sessions_are_listed_and_signed_out,
    admins_invite_deactivate_and_send_resets,
    rate_limits_count_only_allowed_actions with Setup::limits(&[
        (Action::MessageSend, "1/60s"),
        (Action::Reaction, "1/60s"),
    ]),
    a_victim_is_not_locked_out_from_a_known_address with Setup {
        args: &["--trusted-proxies", "127.0.0.1"],
        limits: &[(Action::LoginEmail, "3/300s")],
    },
    ipv6_clients_share_a_quota_per_64 with Setup {
        args: &["--trusted-proxies", "127.0.0.1"],
        limits: &[(Action::LoginIp, "2/60s")],
    },
    forwarded_for_lines_are_one_list with Setup::args(&["--trusted-proxies", "127.0.0.1"]),
    reactions_per_user_are_capped,
    members_cannot_pull_outsiders_into_department_rooms,
    reassigning_a_ticket_ends_the_previous_assignees_membership,
    telemetry_never_shows_dm_titles,
    https_deployments_get_hsts_and_a_host_cookie
        with Setup::args(&["--public-url", "https://chat.example.com"]),
);

/// The original attack: the support form with a customer's address returned a link that
/// signed in as that customer.
async fn the_support_form_never_hands_out_an_existing_account(app: TestApp) {
    // Carl has an account and a private ticket.
    let (carls_ticket, _) = open_ticket(&app, "carl@example.com", "My invoice", "billing").await;
    // Mallory types Carl's address.
    let attempt = app
        .anonymous()
        .post(
            "support/tickets",
            json!({"name": "Mallory <b>", "email": "CARL@example.com", "subject": "Hello <i>there</i>",
                   "message": "Tell me about my account", "department": "billing"}),
        )
        .await
        .expect(201);
    assert_eq!(attempt.data()["followUrl"], json!(null), "{}", attempt.body);
    assert_eq!(attempt.data()["token"], json!(null));
    assert!(attempt.headers.get("set-cookie").is_none());
    let spoofed = attempt.data()["ticketId"].as_str().unwrap().to_owned();
    // Staff see an unverified sender, by the name typed, not as Carl.
    let agent = app.user(Role::Staff, Some("billing")).await;
    let view = agent.get(&format!("tickets/{spoofed}")).await.expect(200);
    assert_eq!(view.data()["requesterVerified"], json!(false));
    assert_eq!(view.data()["requester"]["name"], json!("Mallory <b>"));
    // The link went to Carl's mailbox only; what Mallory typed is escaped in it.
    while switchboard::workers::jobs::run_once(&app.state.jobs).await > 0 {}
    let mail = app.mail.wait_for_subject("carl@example.com", "Hello").await;
    assert!(mail.text.contains("was sent with your e-mail address"));
    assert!(mail.html.contains("Hello &lt;i&gt;there"), "{}", mail.html);
    assert!(!mail.html.contains("<i>"), "{}", mail.html);
    let mailed = mailed_follow_token(&app, "carl@example.com", "Hello").await;
    // Opening it proves the mailbox: the ticket is verified, and that link reads only it.
    let carl = follow(&app, &mailed).await;
    let view = agent.get(&format!("tickets/{spoofed}")).await.expect(200);
    assert_eq!(view.data()["requesterVerified"], json!(true));
    carl.get(&format!("tickets/{carls_ticket}"))
        .await
        .expect_error(403, "FORBIDDEN");
}

async fn link_sessions_call_only_their_ticket(app: TestApp) {
    let (ticket, token) = open_ticket(&app, "lena@example.com", "Scanner", "support").await;
    let (other, _) = open_ticket(&app, "lena@example.com", "Printer", "support").await;
    let link = follow(&app, &token).await;
    let me = link.get("auth/me").await.expect(200);
    assert_eq!(me.data()["ticketScope"], json!(ticket));
    link.get(&format!("tickets/{ticket}")).await.expect(200);
    link.get(&format!("rooms/{ticket}/messages"))
        .await
        .expect(200);
    let sent = link
        .post(
            &format!("rooms/{ticket}/messages"),
            json!({"clientId": "l1", "body": "still broken"}),
        )
        .await
        .expect(201);
    link.patch(
        &format!("messages/{}", sent.data()["id"].as_str().unwrap()),
        json!({"body": "still broken!"}),
    )
    .await
    .expect(200);
    assert_eq!(
        link.get("tickets").await.expect(200).data()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let forbidden: Vec<(reqwest::Method, String, Value)> = vec![
        (reqwest::Method::GET, "rooms".into(), Value::Null),
        (reqwest::Method::GET, "rooms/discover".into(), Value::Null),
        (
            reqwest::Method::GET,
            format!("tickets/{other}"),
            Value::Null,
        ),
        (
            reqwest::Method::GET,
            format!("rooms/{other}/messages"),
            Value::Null,
        ),
        (reqwest::Method::GET, "search?q=scanner".into(), Value::Null),
        (reqwest::Method::GET, "activity".into(), Value::Null),
        (reqwest::Method::GET, "users".into(), Value::Null),
        (reqwest::Method::GET, "admin/users".into(), Value::Null),
        (reqwest::Method::GET, "admin/audit".into(), Value::Null),
        (reqwest::Method::GET, "me/sessions".into(), Value::Null),
        (
            reqwest::Method::POST,
            "me/password".into(),
            json!({"currentPassword": "x", "newPassword": "long enough new"}),
        ),
        (
            reqwest::Method::POST,
            "dms".into(),
            json!({"userId": Id::new()}),
        ),
        (
            reqwest::Method::POST,
            format!("rooms/{ticket}/export"),
            json!({}),
        ),
        (
            reqwest::Method::PATCH,
            format!("tickets/{ticket}"),
            json!({"status": "closed"}),
        ),
    ];
    for (method, path, body) in forbidden {
        let mut request = link.request(method.clone(), &path);
        if !body.is_null() {
            request = request.json(&body);
        }
        let resp = link.send(request).await;
        assert_eq!(
            (resp.status, resp.code()),
            (403, "FORBIDDEN"),
            "{method} {path}: {}",
            resp.body
        );
    }
    link.post("auth/logout", json!({})).await.expect(200);
}

/// The anonymous-to-admin path: a customer's follow link kept working after an admin made
/// the account an admin.
async fn a_promoted_customer_keeps_no_link(app: TestApp) {
    let (_, token) = open_ticket(&app, "pat@example.com", "Access", "support").await;
    let link = follow(&app, &token).await;
    let admin = app.admin().await;
    admin
        .patch(
            &format!("admin/users/{}", link.id()),
            json!({"role": "admin"}),
        )
        .await
        .expect(200);
    link.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    app.anonymous()
        .post("auth/link", json!({"token": token}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    // Back to customer: the old link stays dead (links are deleted, not suspended).
    admin
        .patch(
            &format!("admin/users/{}", link.id()),
            json!({"role": "customer"}),
        )
        .await
        .expect(200);
    app.anonymous()
        .post("auth/link", json!({"token": token}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let audit = admin
        .get(&format!("admin/audit?target={}", link.id()))
        .await
        .expect(200);
    assert!(
        audit.data()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["action"] == json!("user.role_change"))
    );
}

async fn role_department_and_ban_changes_end_sessions(app: TestApp) {
    let admin = app.admin().await;
    let moved = app.staff().await;
    moved.get("auth/me").await.expect(200);
    admin
        .patch(
            &format!("admin/users/{}", moved.id()),
            json!({"department": "billing"}),
        )
        .await
        .expect(200);
    moved
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let renamed = app.staff().await;
    admin
        .patch(
            &format!("admin/users/{}", renamed.id()),
            json!({"name": "Only A New Name"}),
        )
        .await
        .expect(200);
    renamed.get("auth/me").await.expect(200);
    let banned = app.staff().await;
    admin
        .post(
            &format!("admin/users/{}/ban", banned.id()),
            json!({"reason": "spam"}),
        )
        .await
        .expect(200);
    banned
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
}

async fn banned_and_deactivated_customers_cannot_use_the_form_or_links(app: TestApp) {
    let (_, token) = open_ticket(&app, "vic@example.com", "First", "support").await;
    let customer = follow(&app, &token).await;
    let admin = app.admin().await;
    admin
        .post(
            &format!("admin/users/{}/ban", customer.id()),
            json!({"reason": "abuse"}),
        )
        .await
        .expect(200);
    let form = json!({"name": "V", "email": "vic@example.com", "subject": "Again", "message": "m"});
    app.anonymous()
        .post("support/tickets", form.clone())
        .await
        .expect_error(403, "BANNED");
    // The ban ended the links too.
    app.anonymous()
        .post("auth/link", json!({"token": token}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    admin
        .delete(&format!("admin/users/{}/ban", customer.id()))
        .await
        .expect(200);
    admin
        .post(
            &format!("admin/users/{}/deactivate", customer.id()),
            json!({}),
        )
        .await
        .expect(200);
    app.anonymous()
        .post("support/tickets", form)
        .await
        .expect_error(403, "DEACTIVATED");
}

async fn follow_links_expire(app: TestApp) {
    let (ticket, _) = open_ticket(&app, "old@example.com", "Stale", "support").await;
    let user = app
        .state
        .ctx
        .store
        .get_user_by_email("old@example.com")
        .await
        .unwrap()
        .unwrap();
    let token = "an-expired-follow-token-for-this-test";
    app.state
        .ctx
        .store
        .create_ticket_link(
            Id::new(),
            &hash_token(token),
            &switchboard::store::accounts::TicketLink {
                ticket_id: ticket.parse().unwrap(),
                user_id: user.id,
                expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
                purpose: switchboard::store::accounts::LinkPurpose::Email,
            },
        )
        .await
        .unwrap();
    app.anonymous()
        .post("auth/link", json!({"token": token}))
        .await
        .expect_error(401, "UNAUTHENTICATED");
    // Links last FOLLOW_LINK_TTL_DAYS (7 by default).
    assert_eq!(app.state.config.accounts.follow_link_ttl_days, 7);
}

async fn password_change_ends_other_sessions(app: TestApp) {
    let phone = app.staff().await;
    let laptop = sign_in(&app, &phone.email, "correct horse battery").await;
    laptop
        .post(
            "me/password",
            json!({"currentPassword": "wrong guess!!", "newPassword": "a brand new password"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    let changed = laptop
        .post(
            "me/password",
            json!({"currentPassword": "correct horse battery", "newPassword": "a brand new password"}),
        )
        .await
        .expect(200);
    assert_eq!(changed.data()["revokedSessions"], json!(1));
    phone
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    laptop.get("auth/me").await.expect(200);
    sign_in(&app, &phone.email, "a brand new password").await;
    let admin = app.admin().await;
    let audit = admin
        .get(&format!(
            "admin/audit?action=user.password_change&target={}",
            phone.id()
        ))
        .await
        .expect(200);
    assert_eq!(audit.data()["items"].as_array().unwrap().len(), 1);
}

async fn forgotten_passwords_reset_once_without_revealing_accounts(app: TestApp) {
    let user = app.staff().await;
    let anon = app.anonymous();
    // The same answer whether or not the address has an account.
    let unknown = anon
        .post(
            "auth/password/forgot",
            json!({"email": "nobody@test.example"}),
        )
        .await
        .expect(202);
    let known = anon
        .post("auth/password/forgot", json!({"email": user.email}))
        .await
        .expect(202);
    assert_eq!(unknown.body, known.body);
    let mail = app.mail_to(&user.email, 1).await;
    assert!(app.mail.to("nobody@test.example").is_empty());
    let token = mail.token("/reset-password").unwrap();
    // Thirty minutes, single use.
    let stored = app
        .state
        .ctx
        .store
        .account_token(
            &hash_token(&token),
            switchboard::store::TokenPurpose::PasswordReset,
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .unwrap();
    let ttl = stored.expires_at - chrono::Utc::now();
    assert!(ttl <= chrono::Duration::minutes(30) && ttl > chrono::Duration::minutes(29));
    anon.post(
        "auth/password/reset",
        json!({"token": token, "password": "short"}),
    )
    .await
    .expect_error(422, "VALIDATION");
    let reset = anon
        .post(
            "auth/password/reset",
            json!({"token": token, "password": "reset and renewed"}),
        )
        .await
        .expect(200);
    assert_eq!(reset.data()["user"]["id"], json!(user.id().to_string()));
    // Every session from before the reset ended.
    user.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    anon.post(
        "auth/password/reset",
        json!({"token": token, "password": "another new one"}),
    )
    .await
    .expect_error(400, "TOKEN_INVALID");
    sign_in(&app, &user.email, "reset and renewed").await;
}

async fn sessions_are_listed_and_signed_out(app: TestApp) {
    let first = app.staff().await;
    let second = sign_in(&app, &first.email, "correct horse battery").await;
    let third = sign_in(&app, &first.email, "correct horse battery").await;
    let list = second.get("me/sessions").await.expect(200);
    let items = list.data()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items.iter().filter(|s| s["current"] == json!(true)).count(),
        1
    );
    // Someone else's session is not yours to end.
    let stranger = app.staff().await;
    let some_id = items[0]["id"].as_str().unwrap();
    stranger
        .delete(&format!("me/sessions/{some_id}"))
        .await
        .expect_error(404, "NOT_FOUND");
    let others = second
        .post("me/sessions/revoke-others", json!({}))
        .await
        .expect(200);
    assert_eq!(others.data()["revokedSessions"], json!(2));
    first
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    third
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    second.get("auth/me").await.expect(200);
}

async fn admins_invite_deactivate_and_send_resets(app: TestApp) {
    let admin = app.admin().await;
    let staff = app.staff().await;
    staff
        .post(
            "admin/invites",
            json!({"email": "x@test.example", "name": "X", "role": "admin"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    let invited = admin
        .post(
            "admin/invites",
            json!({"email": "newbie@test.example", "name": "Newbie", "role": "staff",
                   "department": "support"}),
        )
        .await
        .expect(201);
    assert_eq!(invited.data()["hasPassword"], json!(false));
    assert_eq!(invited.data()["ban"], json!(null));
    let invitee = invited.id();
    // No password yet: the account cannot be signed into.
    app.anonymous()
        .post(
            "auth/login",
            json!({"email": "newbie@test.example", "password": "anything at all"}),
        )
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    let token = app
        .mail_to("newbie@test.example", 1)
        .await
        .token("/invite")
        .unwrap();
    let details = app
        .anonymous()
        .post("auth/invite/details", json!({"token": token}))
        .await
        .expect(200);
    assert_eq!(details.data()["email"], json!("newbie@test.example"));
    let accepted = app
        .anonymous()
        .post(
            "auth/invite/accept",
            json!({"token": token, "password": "my own password", "name": "New Bee"}),
        )
        .await
        .expect(200);
    assert_eq!(accepted.data()["user"]["name"], json!("New Bee"));
    let newbie = sign_in(&app, "newbie@test.example", "my own password").await;
    // Deactivation: sessions end, sign-in refused, messages kept, address kept.
    admin
        .post(&format!("admin/users/{invitee}/deactivate"), json!({}))
        .await
        .expect(200);
    newbie
        .get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    app.anonymous()
        .post(
            "auth/login",
            json!({"email": "newbie@test.example", "password": "my own password"}),
        )
        .await
        .expect_error(403, "DEACTIVATED");
    admin
        .post(
            "admin/users",
            json!({"email": "newbie@test.example", "name": "Impostor", "role": "staff",
                   "password": "long enough pw"}),
        )
        .await
        .expect_error(409, "EMAIL_TAKEN");
    let listed = admin.get("admin/users?q=newbie").await.expect(200);
    assert!(listed.data()["items"][0]["deactivatedAt"].is_string());
    // The admin view of a deactivated user still carries their ban, when they have one.
    admin
        .post(
            &format!("admin/users/{invitee}/ban"),
            json!({"reason": "while away"}),
        )
        .await
        .expect(200);
    let view = admin
        .post(&format!("admin/users/{invitee}/deactivate"), json!({}))
        .await
        .expect(200);
    assert_eq!(view.data()["ban"]["reason"], json!("while away"));
    admin
        .delete(&format!("admin/users/{invitee}/ban"))
        .await
        .expect(200);
    admin
        .post(&format!("admin/users/{invitee}/reactivate"), json!({}))
        .await
        .expect(200);
    sign_in(&app, "newbie@test.example", "my own password").await;
    // An admin sends a reset link; it works like the user's own.
    admin
        .post(&format!("admin/users/{invitee}/password-reset"), json!({}))
        .await
        .expect(202);
    let mail = app.mail_to("newbie@test.example", 2).await;
    assert!(mail.text.contains("An administrator asked"));
    let token = mail.token("/reset-password").unwrap();
    app.anonymous()
        .post(
            "auth/password/reset",
            json!({"token": token, "password": "chosen after reset"}),
        )
        .await
        .expect(200);
    let actions: Vec<String> = admin
        .get(&format!("admin/audit?target={invitee}"))
        .await
        .expect(200)
        .data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "user.create",
        "user.invite_accept",
        "user.deactivate",
        "user.reactivate",
        "user.password_reset_sent",
        "user.password_reset",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

/// A refused action spends no quota, and a forbidden one is a 403, never hidden behind a 429.
async fn rate_limits_count_only_allowed_actions(app: TestApp) {
    let owner = app.staff().await;
    let outsider = app.staff().await;
    let room = owner.create_room(&slug("quota"), "private", None).await;
    for _ in 0..3 {
        outsider
            .post(
                &format!("rooms/{room}/messages"),
                json!({"clientId": Id::new().to_string(), "body": "let me in"}),
            )
            .await
            .expect_error(404, "NOT_FOUND");
    }
    let message = owner.send_message(room, "first").await;
    owner
        .post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": Id::new().to_string(), "body": "second"}),
        )
        .await
        .expect_error(429, "RATE_LIMITED");
    let id = message["id"].as_str().unwrap();
    for _ in 0..2 {
        outsider
            .put(&format!("messages/{id}/reactions/%F0%9F%91%8D"))
            .await
            .expect_error(404, "NOT_FOUND");
    }
    owner
        .put(&format!("messages/{id}/reactions/%F0%9F%91%8D"))
        .await
        .expect(200);
}

async fn a_victim_is_not_locked_out_from_a_known_address(app: TestApp) {
    let victim = app.staff().await;
    let login = |ip: &'static str, password: &'static str| {
        let anon = app.anonymous();
        let email = victim.email.clone();
        async move {
            anon.send(
                anon.request(reqwest::Method::POST, "auth/login")
                    .header("x-forwarded-for", ip)
                    .json(&json!({"email": email, "password": password})),
            )
            .await
        }
    };
    login("198.51.100.1", "correct horse battery")
        .await
        .expect(200);
    for _ in 0..2 {
        login("203.0.113.66", "a wrong guess!")
            .await
            .expect_error(401, "INVALID_CREDENTIALS");
    }
    // The attacker spent the account's quota...
    login("203.0.113.66", "a wrong guess!")
        .await
        .expect_error(429, "RATE_LIMITED");
    login("203.0.113.67", "correct horse battery")
        .await
        .expect_error(429, "RATE_LIMITED");
    // ...but not for the address the victim signed in from.
    login("198.51.100.1", "correct horse battery")
        .await
        .expect(200);
}

async fn ipv6_clients_share_a_quota_per_64(app: TestApp) {
    let anon = app.anonymous();
    let attempt = |ip: &'static str| {
        let anon = anon.clone();
        async move {
            anon.send(
                anon.request(reqwest::Method::POST, "auth/login")
                    .header("x-forwarded-for", ip)
                    .json(&json!({"email": "x@test.example", "password": "nope nope nope"})),
            )
            .await
        }
    };
    attempt("2001:db8:5:6::1").await.expect(401);
    attempt("2001:db8:5:6:ffff::2").await.expect(401);
    // A third address of the same /64 is the same client.
    attempt("2001:db8:5:6:1234::3")
        .await
        .expect_error(429, "RATE_LIMITED");
    attempt("2001:db8:5:7::1").await.expect(401);
}

/// A client that sends its own `X-Forwarded-For` line cannot choose its address: the proxy's
/// line counts too, and the right-most untrusted address is the client.
async fn forwarded_for_lines_are_one_list(app: TestApp) {
    let anon = app.anonymous();
    anon.send(
        anon.request(reqwest::Method::POST, "auth/login")
            .header("x-forwarded-for", "6.6.6.6")
            .header("x-forwarded-for", "198.51.100.23")
            .json(&json!({"email": "forged@test.example", "password": "wrong password"})),
    )
    .await
    .expect(401);
    let admin = app.admin().await;
    let rows = admin
        .get("admin/audit?action=auth.login_failed")
        .await
        .expect(200);
    assert_eq!(rows.data()["items"][0]["ip"], json!("198.51.100.23"));
}

async fn reactions_per_user_are_capped(app: TestApp) {
    let user = app.staff().await;
    let room = user.create_room(&slug("react"), "public", None).await;
    let message = user.send_message(room, "react to me").await;
    let id = message["id"].as_str().unwrap();
    let codes: Vec<String> = [
        "smile",
        "tada",
        "rocket",
        "heart",
        "eyes",
        "fire",
        "star",
        "sunny",
        "coffee",
        "pizza",
        "apple",
        "dog",
        "cat",
        "whale",
        "snake",
        "tiger",
        "bug",
        "rainbow",
        "zap",
        "snowflake",
        "moon",
    ]
    .iter()
    .map(|code| format!(":{code}:"))
    .collect();
    for code in &codes[..20] {
        user.put(&format!("messages/{id}/reactions/{code}"))
            .await
            .expect(200);
    }
    user.put(&format!("messages/{id}/reactions/{}", codes[20]))
        .await
        .expect_error(409, "REACTION_LIMIT");
    // Taking one away makes room again.
    user.delete(&format!("messages/{id}/reactions/{}", codes[0]))
        .await
        .expect(200);
    user.put(&format!("messages/{id}/reactions/{}", codes[20]))
        .await
        .expect(200);
}

async fn members_cannot_pull_outsiders_into_department_rooms(app: TestApp) {
    let owner = app.user(Role::Staff, Some("billing")).await;
    let member = app.user(Role::Staff, Some("billing")).await;
    let colleague = app.user(Role::Staff, Some("billing")).await;
    let outsider = app.user(Role::Staff, Some("engineering")).await;
    let room = owner
        .create_room(&slug("billing"), "public", Some("billing"))
        .await;
    member
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    member
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": outsider.id()}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    outsider
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect_error(404, "NOT_FOUND");
    member
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": colleague.id()}),
        )
        .await
        .expect(201);
    // The room's owner (a moderator) may invite from elsewhere.
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": outsider.id()}),
        )
        .await
        .expect(201);
}

async fn reassigning_a_ticket_ends_the_previous_assignees_membership(app: TestApp) {
    let (ticket, _) = open_ticket(&app, "rita@example.com", "Refund", "support").await;
    let admin = app.admin().await;
    let engineer = app.user(Role::Staff, Some("engineering")).await;
    let agent = app.user(Role::Staff, Some("support")).await;
    admin
        .patch(
            &format!("tickets/{ticket}"),
            json!({"assigneeId": engineer.id()}),
        )
        .await
        .expect(200);
    engineer.get(&format!("tickets/{ticket}")).await.expect(200);
    admin
        .patch(
            &format!("tickets/{ticket}"),
            json!({"assigneeId": agent.id()}),
        )
        .await
        .expect(200);
    engineer
        .get(&format!("tickets/{ticket}"))
        .await
        .expect_error(404, "NOT_FOUND");
    // Someone entitled anyway (support staff) keeps reading after their turn.
    admin
        .patch(&format!("tickets/{ticket}"), json!({"assigneeId": null}))
        .await
        .expect(200);
    agent.get(&format!("tickets/{ticket}")).await.expect(200);
}

async fn telemetry_never_shows_dm_titles(app: TestApp) {
    let a = app.staff().await;
    let b = app.staff().await;
    let dm = a.post("dms", json!({"userId": b.id()})).await.expect(201);
    let room: Id = dm.id();
    for i in 0..3 {
        a.send_message(room, &format!("private {i}")).await;
    }
    app.state.telemetry.flush(&app.state.ctx.store).await;
    let admin = app.admin().await;
    let view = admin.get("admin/telemetry?window=1h").await.expect(200);
    let top = view.data()["topRooms"].as_array().unwrap();
    let entry = top
        .iter()
        .find(|r| r["roomId"] == json!(room.to_string()))
        .unwrap();
    assert_eq!(entry["title"], json!("Direct message"));
}

async fn https_deployments_get_hsts_and_a_host_cookie(app: TestApp) {
    let user = app.staff().await;
    let resp = app
        .anonymous()
        .post(
            "auth/login",
            json!({"email": user.email, "password": "correct horse battery"}),
        )
        .await
        .expect(200);
    let cookie = resp.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-sb_session="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/"));
    assert!(!cookie.contains("Domain"));
    assert!(
        resp.headers["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    // The prefixed cookie is the one read; the plain name is ignored behind HTTPS.
    let token = resp.data()["token"].as_str().unwrap();
    let http = crate::helpers::http_client();
    let with = |name: &str| {
        http.get(format!("{}/api/v1/auth/me", app.base))
            .header("cookie", format!("{name}={token}"))
            .send()
    };
    assert_eq!(with("__Host-sb_session").await.unwrap().status(), 200);
    assert_eq!(with("sb_session").await.unwrap().status(), 401);
}

/// Signs in with a password; a client with its own session.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Client {
    let resp = app
        .anonymous()
        .post("auth/login", json!({"email": email, "password": password}))
        .await
        .expect(200);
    let mut client = app.anonymous();
    client.token = Some(resp.data()["token"].as_str().unwrap().to_owned());
    client.user_id = resp.data()["user"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok());
    client.email = email.to_owned();
    client
}
