//! User administration, bans and the audit trail.

use serde_json::{Value, json};
use switchboard::{
    domain::{Id, user::Role},
    store::{AuditFilter, BanRow},
};

use crate::helpers::{Backend, TestApp};

crate::backend_tests!(
    admins_create_and_change_users,
    only_admins_administer,
    bans_revoke_sessions_and_block_login,
    expired_bans_lift_by_themselves,
    moderation_is_audited_without_message_text,
    audit_rows_cannot_be_changed,
);

async fn admins_create_and_change_users(app: TestApp) {
    let admin = app.admin().await;
    let created = admin
        .post(
            "admin/users",
            json!({"email": "New.Person@Corp.example", "name": "New Person", "role": "staff",
                   "department": "billing", "password": "long enough pw"}),
        )
        .await
        .expect(201);
    assert_eq!(created.data()["email"], json!("new.person@corp.example"));
    let id = created.id();
    admin
        .post(
            "admin/users",
            json!({"email": "new.person@corp.example", "name": "X", "role": "staff"}),
        )
        .await
        .expect_error(409, "EMAIL_TAKEN");
    admin
        .post(
            "admin/users",
            json!({"email": "y@corp.example", "name": "Y", "role": "staff", "department": "nope"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    admin
        .post(
            "admin/users",
            json!({"email": "y@corp.example", "name": "Y", "role": "root"}),
        )
        .await
        .expect_error(422, "VALIDATION");
    let changed = admin
        .patch(
            &format!("admin/users/{id}"),
            json!({"role": "observer", "department": null}),
        )
        .await
        .expect(200);
    assert_eq!(changed.data()["role"], json!("observer"));
    assert_eq!(changed.data()["department"], json!(null));
    admin
        .patch(
            &format!("admin/users/{}", admin.id()),
            json!({"role": "staff"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    let listed = admin.get("admin/users?q=new.person").await.expect(200);
    assert_eq!(listed.data()["items"].as_array().unwrap().len(), 1);
    let audit = app
        .state
        .store
        .list_audit(&AuditFilter {
            target_id: Some(id.to_string()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["user.role_change", "user.create"]);
    assert_eq!(audit[0].metadata.0["role"]["to"], json!("observer"));
    assert_eq!(audit[0].actor_id, Some(admin.id()));
    assert!(audit[0].request_id.is_some());
    admin
        .patch(&format!("admin/users/{}", Id::new()), json!({"name": "x"}))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn only_admins_administer(app: TestApp) {
    for role in [Role::Staff, Role::Observer, Role::Customer] {
        let user = app.user(role, None).await;
        user.get("admin/users").await.expect_error(403, "FORBIDDEN");
        user.post(
            "admin/users",
            json!({"email": "z@z.example", "name": "Z", "role": "admin"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
        user.get("admin/audit").await.expect_error(403, "FORBIDDEN");
    }
}

async fn bans_revoke_sessions_and_block_login(app: TestApp) {
    let admin = app.admin().await;
    let user = app.user(Role::Staff, None).await;
    user.get("auth/me").await.expect(200);
    admin
        .post(
            &format!("admin/users/{}/ban", user.id()),
            json!({"reason": ""}),
        )
        .await
        .expect_error(422, "VALIDATION");
    admin
        .post(
            &format!("admin/users/{}/ban", admin.id()),
            json!({"reason": "oops"}),
        )
        .await
        .expect_error(403, "FORBIDDEN");
    admin
        .post(
            &format!("admin/users/{}/ban", user.id()),
            json!({"reason": "spam"}),
        )
        .await
        .expect(200);
    user.get("auth/me")
        .await
        .expect_error(401, "UNAUTHENTICATED");
    let listed_ban = || async {
        let listed = admin
            .get(&format!("admin/users?q={}", user.email))
            .await
            .expect(200);
        listed.data()["items"][0]["ban"].clone()
    };
    let ban = listed_ban().await;
    assert_eq!(ban["reason"], "spam", "the admin list shows the ban: {ban}");
    assert_eq!(ban["bannedBy"], json!(admin.id()));
    let login = json!({"email": user.email, "password": "correct horse battery"});
    app.anonymous()
        .post("auth/login", login.clone())
        .await
        .expect_error(403, "BANNED");
    // A wrong password still answers INVALID_CREDENTIALS: bans do not reveal accounts.
    app.anonymous()
        .post(
            "auth/login",
            json!({"email": user.email, "password": "wrong password!"}),
        )
        .await
        .expect_error(401, "INVALID_CREDENTIALS");
    admin
        .delete(&format!("admin/users/{}/ban", user.id()))
        .await
        .expect(200);
    admin
        .delete(&format!("admin/users/{}/ban", user.id()))
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(listed_ban().await, Value::Null, "no ban after unban");
    app.anonymous().post("auth/login", login).await.expect(200);
    let actions: Vec<String> = app
        .state
        .store
        .list_audit(&AuditFilter {
            action: Some("user.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["user.unban", "user.ban"]);
}

async fn expired_bans_lift_by_themselves(app: TestApp) {
    let user = app.user(Role::Staff, None).await;
    let now = chrono::Utc::now();
    let ban = |expires_at| BanRow {
        user_id: user.id(),
        reason: "cool down".into(),
        banned_by: None,
        banned_at: now,
        expires_at: Some(expires_at),
    };
    app.state
        .store
        .put_ban(&ban(now + chrono::Duration::hours(1)))
        .await
        .unwrap();
    user.get("auth/me").await.expect_error(403, "BANNED");
    app.state
        .store
        .put_ban(&ban(now - chrono::Duration::seconds(1)))
        .await
        .unwrap();
    user.get("auth/me").await.expect(200);
    let admin = app.admin().await;
    let listed = admin
        .get(&format!("admin/users?q={}", user.email))
        .await
        .expect(200);
    assert_eq!(
        listed.data()["items"][0]["ban"],
        Value::Null,
        "an expired ban is not shown"
    );
    app.anonymous()
        .post(
            "auth/login",
            json!({"email": user.email, "password": "correct horse battery"}),
        )
        .await
        .expect(200);
}

async fn moderation_is_audited_without_message_text(app: TestApp) {
    let owner = app.staff().await;
    let member = app.staff().await;
    let room = owner
        .create_room(&crate::helpers::slug("mod"), "public", None)
        .await;
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": member.id()}),
        )
        .await
        .expect(201);
    let secret = "my secret plan is 42";
    let message = member.send_message(room, secret).await;
    let message_id = message["id"].as_str().unwrap();
    owner
        .delete(&format!("messages/{message_id}"))
        .await
        .expect(200);
    owner
        .delete(&format!("rooms/{room}/members/{}", member.id()))
        .await
        .expect(200);
    let audit = app
        .state
        .store
        .list_audit(&AuditFilter {
            actor_id: Some(owner.id()),
            limit: 20,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "member.remove",
            "message.delete",
            "member.add",
            "room.create"
        ]
    );
    for row in &audit {
        assert!(!row.metadata.0.to_string().contains(secret));
    }
    let admin = app.admin().await;
    let listed = admin
        .get("admin/audit?action=message.delete")
        .await
        .expect(200);
    assert_eq!(listed.data()["items"][0]["targetId"], json!(message_id));
    // The actor filter takes an id or an e-mail address (any case).
    let by = |actor: String| {
        let admin = &admin;
        async move {
            let page = admin
                .get(&format!("admin/audit?actor={actor}"))
                .await
                .expect(200);
            let actions: Vec<String> = page.data()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["action"].as_str().unwrap().to_owned())
                .collect();
            actions
        }
    };
    let by_id = by(owner.id().to_string()).await;
    assert_eq!(by_id.len(), 4, "{by_id:?}");
    assert_eq!(by(owner.email.to_uppercase()).await, by_id);
    admin
        .get("admin/audit?actor=nobody@nowhere.example")
        .await
        .expect_error(422, "VALIDATION");
    admin
        .get("admin/audit?actor=not-an-id")
        .await
        .expect_error(422, "VALIDATION");
}

async fn audit_rows_cannot_be_changed(app: TestApp) {
    let admin = app.admin().await;
    admin
        .post(
            "admin/users",
            json!({"email": "a@b.example", "name": "A", "role": "staff"}),
        )
        .await
        .expect(201);
    let url = &app.database_url;
    let (update, delete) = match app.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            let update = sqlx::query("UPDATE audit_log SET action = 'x'")
                .execute(&pool)
                .await;
            let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
            (update.map(|_| ()), delete.map(|_| ()))
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            let update = sqlx::query("UPDATE audit_log SET action = 'x'")
                .execute(&pool)
                .await;
            let delete = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
            (update.map(|_| ()), delete.map(|_| ()))
        }
    };
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let rows = app
        .state
        .store
        .list_audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "user.create");
}
