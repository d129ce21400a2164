//! Web Push: the key endpoint, subscriptions (validation, idempotence), and delivery. The push
//! service is a small HTTP server in the test: it receives the real request, checks the VAPID
//! `Authorization` (an ES256 JWT verified against the server's public key) and decrypts the
//! `aes128gcm` body with the subscription's private key and auth secret (RFC 8291), written
//! here independently of the server's code.

use std::{sync::Arc, time::Duration};

use aes_gcm::{Aes128Gcm, KeyInit, Nonce, aead::Aead};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use p256::{
    PublicKey, SecretKey,
    ecdsa::{Signature, VerifyingKey, signature::Verifier},
    elliptic_curve::sec1::ToEncodedPoint,
};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard::workers::jobs;
use tokio::sync::mpsc;

use crate::helpers::{Client, Setup, TestApp, slug};

crate::backend_tests!(
    the_key_endpoint_says_when_push_is_off,
    subscriptions_are_validated_and_idempotent with push_setup(),
    a_mention_arrives_encrypted_with_a_valid_vapid_jwt with push_setup(),
    a_gone_endpoint_deletes_the_subscription with push_setup(),
    signing_out_ends_the_devices_subscription with push_setup(),
    quiet_hours_and_the_browser_preference_hold_pushes_back with push_setup(),
);

/// Push on, with a fresh key pair; plain-HTTP endpoints allowed (the receiver below).
fn push_setup() -> Setup {
    let (public, private) = switchboard::push::Vapid::generate();
    let args: Vec<&'static str> = vec![
        "--web-push-vapid-public-key",
        Box::leak(public.into_boxed_str()),
        "--web-push-vapid-private-key",
        Box::leak(private.into_boxed_str()),
        "--web-push-subject",
        "mailto:ops@example.com",
        "--test-hooks",
        "true",
    ];
    Setup::args(Box::leak(args.into_boxed_slice()))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

/// A browser's side of a subscription: its key pair and auth secret.
struct Browser {
    key: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new() -> Self {
        let key = loop {
            let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
            bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            if let Ok(key) = SecretKey::from_slice(&bytes) {
                break key;
            }
        };
        let auth: [u8; 16] = *uuid::Uuid::new_v4().as_bytes();
        Self { key, auth }
    }

    fn public(&self) -> Vec<u8> {
        self.key
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .to_vec()
    }

    fn subscription(&self, endpoint: &str) -> Value {
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {"p256dh": b64(&self.public()), "auth": b64(&self.auth)},
        })
    }

    /// Decrypts an `aes128gcm` body of one record (RFC 8291 section 3, RFC 8188).
    fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let salt = &body[..16];
        let id_len = usize::from(body[20]);
        assert_eq!(id_len, 65, "the key id is the sender's public key");
        let as_public = &body[21..21 + id_len];
        let sealed = &body[21 + id_len..];
        let sender = PublicKey::from_sec1_bytes(as_public).unwrap();
        let shared = p256::ecdh::diffie_hellman(self.key.to_nonzero_scalar(), sender.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public());
        info.extend_from_slice(as_public);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(self.auth.as_slice()), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .unwrap();
        let mut plain = Aes128Gcm::new_from_slice(&cek)
            .unwrap()
            .decrypt(Nonce::from_slice(&nonce), sealed)
            .expect("the body decrypts");
        while plain.last() == Some(&0) {
            plain.pop();
        }
        assert_eq!(plain.pop(), Some(2), "one record, the last");
        plain
    }
}

/// A request the push service received.
#[derive(Debug)]
struct Pushed {
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

/// The push service: answers `status` to every request and hands each one to the test.
async fn push_service(status: u16) -> (String, mpsc::UnboundedReceiver<Pushed>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    let tx = Arc::new(tx);
    let app = axum::Router::new().fallback(
        move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let tx = Arc::clone(&tx);
            async move {
                let _ = tx.send(Pushed {
                    headers,
                    body: body.to_vec(),
                });
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        },
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (origin, rx)
}

/// Runs queued pushes until the push service has received one.
async fn next_push(app: &TestApp, rx: &mut mpsc::UnboundedReceiver<Pushed>) -> Pushed {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        jobs::run_once_of(&app.state.jobs, &[jobs::PUSH]).await;
        if let Ok(pushed) = rx.try_recv() {
            return pushed;
        }
        assert!(tokio::time::Instant::now() < deadline, "no push arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn server_key(client: &Client) -> String {
    let key = client.get("push/key").await.expect(200);
    key.data()["publicKey"].as_str().unwrap().to_owned()
}

/// Checks the VAPID header: `vapid t=<JWT>, k=<key>`, the key the server's, the JWT ES256
/// signed by it, for the endpoint's origin, expiring within a day.
fn check_vapid(headers: &axum::http::HeaderMap, server_key: &str, origin: &str) {
    let header = headers["authorization"].to_str().unwrap();
    let rest = header.strip_prefix("vapid t=").expect(header);
    let (jwt, k) = rest.split_once(", k=").expect(header);
    assert_eq!(k, server_key);
    let (signed, signature) = jwt.rsplit_once('.').unwrap();
    let (head, claims) = signed.split_once('.').unwrap();
    let head: Value = serde_json::from_slice(&unb64(head)).unwrap();
    assert_eq!(head["alg"], json!("ES256"));
    let key = VerifyingKey::from_sec1_bytes(&unb64(k)).unwrap();
    let signature = Signature::from_slice(&unb64(signature)).unwrap();
    key.verify(signed.as_bytes(), &signature)
        .expect("the JWT is signed with the server's key");
    let claims: Value = serde_json::from_slice(&unb64(claims)).unwrap();
    assert_eq!(claims["aud"], json!(origin));
    assert_eq!(claims["sub"], json!("mailto:ops@example.com"));
    let left = claims["exp"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!(left > 0 && left <= 86_400, "exp in {left} s");
}

async fn subscribe(client: &Client, browser: &Browser, endpoint: &str) {
    client
        .post("push/subscriptions", browser.subscription(endpoint))
        .await
        .expect(200);
}

async fn subscriptions_of(app: &TestApp, client: &Client) -> usize {
    app.state
        .ctx
        .store
        .push_subscriptions_of(client.id())
        .await
        .unwrap()
        .len()
}

/// `client` mentions `target` in a new room they share.
async fn mention(client: &Client, target: &Client) -> Value {
    let room = client.create_room(&slug("push"), "private", None).await;
    client
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": target.id()}),
        )
        .await
        .expect(201);
    let me = target.get("auth/me").await.expect(200);
    let handle = me.data()["handle"].as_str().unwrap().to_owned();
    client
        .send_message(room, &format!("@{handle} the deploy is ready"))
        .await
}

async fn the_key_endpoint_says_when_push_is_off(app: TestApp) {
    let user = app.staff().await;
    user.get("push/key")
        .await
        .expect_error(404, "PUSH_DISABLED");
    user.post(
        "push/subscriptions",
        Browser::new().subscription("https://push.example/x"),
    )
    .await
    .expect_error(404, "PUSH_DISABLED");
}

async fn subscriptions_are_validated_and_idempotent(app: TestApp) {
    let user = app.staff().await;
    let key = server_key(&app.anonymous()).await;
    assert_eq!(unb64(&key).len(), 65);
    let browser = Browser::new();
    let endpoint = "https://push.example/send/abc";
    let mut bad = browser.subscription("ftp://push.example/x");
    user.post("push/subscriptions", bad.clone())
        .await
        .expect_error(422, "VALIDATION");
    bad["endpoint"] = json!(endpoint);
    bad["keys"]["p256dh"] = json!(b64(&[4u8; 64]));
    user.post("push/subscriptions", bad.clone())
        .await
        .expect_error(422, "VALIDATION");
    bad["keys"] = browser.subscription(endpoint)["keys"].clone();
    bad["keys"]["auth"] = json!(b64(&[1u8; 12]));
    user.post("push/subscriptions", bad)
        .await
        .expect_error(422, "VALIDATION");
    app.anonymous()
        .post("push/subscriptions", browser.subscription(endpoint))
        .await
        .expect(401);

    subscribe(&user, &browser, endpoint).await;
    subscribe(&user, &browser, endpoint).await;
    assert_eq!(subscriptions_of(&app, &user).await, 1);
    let gone = user
        .send(
            user.request(reqwest::Method::DELETE, "push/subscriptions")
                .json(&json!({"endpoint": endpoint})),
        )
        .await;
    gone.expect(200);
    assert_eq!(subscriptions_of(&app, &user).await, 0);
}

async fn a_mention_arrives_encrypted_with_a_valid_vapid_jwt(app: TestApp) {
    let (origin, mut pushes) = push_service(201).await;
    let author = app.staff().await;
    let target = app.staff().await;
    let bystander = app.staff().await;
    let browser = Browser::new();
    subscribe(&target, &browser, &format!("{origin}/push/target")).await;
    let key = server_key(&target).await;

    let sent = mention(&author, &target).await;
    let pushed = next_push(&app, &mut pushes).await;
    check_vapid(&pushed.headers, &key, &origin);
    assert_eq!(pushed.headers["content-encoding"], "aes128gcm");
    assert_eq!(pushed.headers["ttl"], "86400");
    assert_eq!(pushed.headers["urgency"], "high");
    let payload: Value = serde_json::from_slice(&browser.decrypt(&pushed.body)).unwrap();
    let listed = target.get("notifications").await.expect(200);
    let notification = listed.data()["items"][0].clone();
    assert_eq!(
        payload,
        json!({
            "id": notification["id"],
            "kind": "mention",
            "roomId": sent["roomId"],
            "messageId": sent["id"],
            "seq": sent["seq"],
            "threadId": null,
            "title": payload["title"],
            "body": notification["excerpt"],
        })
    );
    assert!(payload["title"].as_str().unwrap().contains("mentioned you"));

    // Nobody else has a subscription: their notification is stored, and nothing is sent.
    mention(&author, &bystander).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while bystander.get("notifications").await.expect(200).data()["items"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        assert!(tokio::time::Instant::now() < deadline, "no notification");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while jobs::run_once_of(&app.state.jobs, &[jobs::PUSH]).await > 0 {}
    assert!(pushes.try_recv().is_err(), "a push without a subscription");
}

async fn a_gone_endpoint_deletes_the_subscription(app: TestApp) {
    let (origin, mut pushes) = push_service(410).await;
    let author = app.staff().await;
    let target = app.staff().await;
    subscribe(&target, &Browser::new(), &format!("{origin}/gone")).await;
    mention(&author, &target).await;
    next_push(&app, &mut pushes).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while subscriptions_of(&app, &target).await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "still subscribed");
        jobs::run_once_of(&app.state.jobs, &[jobs::PUSH]).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn signing_out_ends_the_devices_subscription(app: TestApp) {
    let user = app.staff().await;
    subscribe(&user, &Browser::new(), "https://push.example/device").await;
    assert_eq!(subscriptions_of(&app, &user).await, 1);
    user.post("auth/logout", json!({})).await.expect(200);
    assert_eq!(subscriptions_of(&app, &user).await, 0);
}

/// Waits until `client` has `count` notifications, then runs every queued push.
async fn notified_and_pushed(app: &TestApp, client: &Client, count: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while client.get("notifications").await.expect(200).data()["items"]
        .as_array()
        .unwrap()
        .len()
        < count
    {
        assert!(tokio::time::Instant::now() < deadline, "no notification");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while jobs::run_once_of(&app.state.jobs, &[jobs::PUSH]).await > 0 {}
}

async fn quiet_hours_and_the_browser_preference_hold_pushes_back(app: TestApp) {
    let (origin, mut pushes) = push_service(201).await;
    let author = app.staff().await;
    let target = app.staff().await;
    subscribe(&target, &Browser::new(), &format!("{origin}/push/quiet")).await;

    // Quiet hours around now (in the person's zone): the bell gets it, the device does not.
    // Tokyo has no daylight saving time: UTC+9 all year.
    let tokyo = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let now = chrono::Utc::now().with_timezone(&tokyo);
    let clock = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%H:%M").to_string();
    let quiet = json!({
        "start": clock(now - chrono::Duration::hours(1)),
        "end": clock(now + chrono::Duration::hours(1)),
    });
    target
        .put_json(
            "me/preferences",
            json!({"quietHours": quiet, "timezone": "Asia/Tokyo"}),
        )
        .await
        .expect(200);
    mention(&author, &target).await;
    notified_and_pushed(&app, &target, 1).await;
    assert!(pushes.try_recv().is_err(), "a push in quiet hours");

    // Browser notifications off: nothing either.
    target
        .put_json(
            "me/preferences",
            json!({"quietHours": null, "browserNotifications": false}),
        )
        .await
        .expect(200);
    mention(&author, &target).await;
    notified_and_pushed(&app, &target, 2).await;
    assert!(
        pushes.try_recv().is_err(),
        "a push with browser notifications off"
    );

    // Back on: the next mention is pushed.
    target
        .put_json("me/preferences", json!({"browserNotifications": true}))
        .await
        .expect(200);
    mention(&author, &target).await;
    next_push(&app, &mut pushes).await;
}
