//! Link previews: a local site serving Open Graph tags (allow-listed for the test) gives a
//! message its preview; loopback addresses, redirects to them and oversized pages give none,
//! and the refused server never sees a request; the author removes a preview for good.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};
use switchboard::{domain::Id, store::JobRow, workers::jobs};

use crate::helpers::{Backend, TestApp, slug};

/// One test per backend from `async fn name(backend)`.
macro_rules! preview_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            )+
        }
    };
}

preview_tests!(
    a_link_gets_the_preview_of_its_page,
    the_preview_image_is_stored_as_an_attachment,
    loopback_addresses_are_refused_without_a_request,
    a_redirect_to_a_refused_address_is_refused,
    an_oversized_page_gets_no_preview,
    the_author_removes_a_preview_for_good,
    previews_can_be_turned_off,
);

/// A local web server counting the requests it gets.
struct Site {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The `--link-preview-allow` entry of this site.
    fn allow(&self) -> String {
        self.addr.to_string()
    }
}

#[derive(Clone)]
struct SiteState {
    hits: Arc<AtomicUsize>,
    /// Where `/redirect` sends the client.
    redirect_to: String,
}

const PAGE: &str = r#"<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="Release notes &amp; more">
<meta property="og:description" content="What changed in 2.0">
<meta property="og:site_name" content="Example Docs">
</head><body>Hello</body></html>"#;

async fn site(redirect_to: String) -> Site {
    let hits = Arc::new(AtomicUsize::new(0));
    let state = SiteState {
        hits: Arc::clone(&hits),
        redirect_to,
    };
    async fn count(State(state): State<SiteState>, headers: HeaderMap) -> SiteState {
        assert!(
            headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ua| ua.starts_with("Switchboard-LinkPreview/")),
            "the fetcher says who it is"
        );
        state.hits.fetch_add(1, Ordering::SeqCst);
        state
    }
    let app = Router::new()
        .route(
            "/og",
            get(|s: State<SiteState>, h: HeaderMap| async move {
                count(s, h).await;
                html(PAGE.to_owned())
            }),
        )
        .route(
            "/og-image",
            get(|s: State<SiteState>, h: HeaderMap| async move {
                let state = count(s, h).await;
                let image = if state.redirect_to.is_empty() {
                    "/img.png".to_owned()
                } else {
                    state.redirect_to.clone()
                };
                html(PAGE.replace(
                    "</head>",
                    &format!("<meta property=\"og:image\" content=\"{image}\"></head>"),
                ))
            }),
        )
        .route(
            "/img.png",
            get(|s: State<SiteState>, h: HeaderMap| async move {
                count(s, h).await;
                ([(header::CONTENT_TYPE, "image/png")], png(800, 400)).into_response()
            }),
        )
        .route(
            "/big",
            get(|s: State<SiteState>, h: HeaderMap| async move {
                count(s, h).await;
                html(format!("{PAGE}{}", "<p>padding</p>".repeat(100_000)))
            }),
        )
        .route(
            "/redirect",
            get(|s: State<SiteState>, h: HeaderMap| async move {
                let state = count(s, h).await;
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, state.redirect_to.clone())],
                )
                    .into_response()
            }),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Site { addr, hits }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// An app whose preview fetcher may reach `allowed` (and nothing else local), with its files
/// in a temporary directory.
async fn app_allowing(backend: Backend, allowed: &Site) -> Option<(TestApp, tempfile::TempDir)> {
    let allow = allowed.allow();
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().display().to_string();
    let app = TestApp::spawn_with(
        backend,
        &["--link-preview-allow", &allow, "--storage-url", &files],
    )
    .await?;
    Some((app, dir))
}

/// Waits until the preview job of `message` has run.
async fn job_done(app: &TestApp, message: &str) -> JobRow {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let job = app
            .state
            .ctx
            .store
            .last_job(jobs::PREVIEW, message)
            .await
            .unwrap();
        if let Some(job) = job.filter(|j| j.done_at.is_some()) {
            return job;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the preview job did not finish"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The message as its room's history shows it.
async fn message_in_history(client: &crate::helpers::Client, room: Id, id: &str) -> Value {
    let history = client
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    history.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == json!(id))
        .cloned()
        .unwrap_or_else(|| panic!("message {id} not in the history"))
}

/// Polls the history until the message has a preview.
async fn preview_of(client: &crate::helpers::Client, room: Id, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let message = message_in_history(client, room, id).await;
        if !message["preview"].is_null() {
            return message["preview"].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no preview arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_link_gets_the_preview_of_its_page(backend: Backend) {
    let good = site(String::new()).await;
    let Some((app, _files)) = app_allowing(backend, &good).await else {
        return;
    };
    let author = app.staff().await;
    let reader = app.staff().await;
    let room = author.create_room(&slug("prev"), "public", None).await;
    reader
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let url = good.url("/og");
    let sent = author
        .send_message(room, &format!("read `http://ignored.example/` then {url}."))
        .await;
    assert_eq!(sent["preview"], json!(null), "fetched later, not on send");
    let id = sent["id"].as_str().unwrap();
    let preview = preview_of(&reader, room, id).await;
    assert_eq!(
        preview,
        json!({
            "url": url,
            "title": "Release notes & more",
            "description": "What changed in 2.0",
            "siteName": "Example Docs",
            "imageUrl": null,
        })
    );
    assert_eq!(good.hits(), 1);
    // A message without a link gets no job and no preview.
    let plain = author.send_message(room, "no links here").await;
    let plain = plain["id"].as_str().unwrap();
    assert_eq!(
        message_in_history(&reader, room, plain).await["preview"],
        json!(null)
    );
    let none = app
        .state
        .ctx
        .store
        .last_job(jobs::PREVIEW, plain)
        .await
        .unwrap();
    assert!(none.is_none());
}

async fn loopback_addresses_are_refused_without_a_request(backend: Backend) {
    let allowed = site(String::new()).await;
    let private = site(String::new()).await;
    let Some((app, _files)) = app_allowing(backend, &allowed).await else {
        return;
    };
    let author = app.staff().await;
    let room = author.create_room(&slug("ssrf"), "public", None).await;
    let port = private.addr.port();
    for link in [
        private.url("/og"),
        format!("http://localhost:{port}/og"),
        format!("http://[::ffff:127.0.0.1]:{port}/og"),
        format!("http://2130706433:{port}/og"),
        format!("http://{}:{port}/og", allowed.addr.ip()), // the allowed host, another port
    ] {
        let sent = author.send_message(room, &format!("look {link}")).await;
        let id = sent["id"].as_str().unwrap();
        job_done(&app, id).await;
        assert_eq!(
            message_in_history(&author, room, id).await["preview"],
            json!(null),
            "{link}"
        );
    }
    assert_eq!(private.hits(), 0, "no request reached the refused server");
    assert_eq!(allowed.hits(), 0);
}

async fn a_redirect_to_a_refused_address_is_refused(backend: Backend) {
    let private = site(String::new()).await;
    let allowed = site(private.url("/og")).await;
    let Some((app, _files)) = app_allowing(backend, &allowed).await else {
        return;
    };
    let author = app.staff().await;
    let room = author.create_room(&slug("redir"), "public", None).await;
    let sent = author.send_message(room, &allowed.url("/redirect")).await;
    let id = sent["id"].as_str().unwrap();
    job_done(&app, id).await;
    assert_eq!(
        message_in_history(&author, room, id).await["preview"],
        json!(null)
    );
    assert_eq!(allowed.hits(), 1, "the allowed server was asked");
    assert_eq!(private.hits(), 0, "the redirect was not followed");
}

async fn an_oversized_page_gets_no_preview(backend: Backend) {
    let allowed = site(String::new()).await;
    let Some((app, _files)) = app_allowing(backend, &allowed).await else {
        return;
    };
    let author = app.staff().await;
    let room = author.create_room(&slug("big"), "public", None).await;
    let sent = author.send_message(room, &allowed.url("/big")).await;
    let id = sent["id"].as_str().unwrap();
    job_done(&app, id).await;
    assert_eq!(allowed.hits(), 1);
    assert_eq!(
        message_in_history(&author, room, id).await["preview"],
        json!(null)
    );
}

async fn the_author_removes_a_preview_for_good(backend: Backend) {
    let good = site(String::new()).await;
    let Some((app, _files)) = app_allowing(backend, &good).await else {
        return;
    };
    let author = app.staff().await;
    let other = app.staff().await;
    let room = author.create_room(&slug("rm"), "public", None).await;
    other
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let url = good.url("/og");
    let sent = author.send_message(room, &format!("see {url}")).await;
    let id = sent["id"].as_str().unwrap();
    preview_of(&other, room, id).await;
    // The preview shows before its job is marked done: wait for both.
    let first_job = job_done(&app, id).await;
    other
        .delete(&format!("messages/{id}/preview"))
        .await
        .expect_error(403, "FORBIDDEN");
    let outsider = app
        .user(switchboard::domain::user::Role::Customer, None)
        .await;
    outsider
        .delete(&format!("messages/{id}/preview"))
        .await
        .expect_error(404, "NOT_FOUND");
    let removed = author
        .delete(&format!("messages/{id}/preview"))
        .await
        .expect(200);
    assert_eq!(removed.data()["preview"], json!(null));
    assert_eq!(
        message_in_history(&other, room, id).await["preview"],
        json!(null)
    );
    // An edit keeping the URL does not fetch it again.
    author
        .patch(
            &format!("messages/{id}"),
            json!({"body": format!("see {url} (edited)")}),
        )
        .await
        .expect(200);
    let job = app
        .state
        .ctx
        .store
        .last_job(jobs::PREVIEW, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        job.id, first_job.id,
        "no new job after an edit keeping the link"
    );
    assert_eq!(
        message_in_history(&other, room, id).await["preview"],
        json!(null)
    );
    assert_eq!(good.hits(), 1);
    // An edit to another URL previews that one.
    let second = good.url("/og?second");
    author
        .patch(
            &format!("messages/{id}"),
            json!({"body": format!("now {second}")}),
        )
        .await
        .expect(200);
    let preview = preview_of(&other, room, id).await;
    assert_eq!(preview["url"], json!(second));
    // Removing a link from the message removes its preview.
    author
        .patch(
            &format!("messages/{id}"),
            json!({"body": "no link any more"}),
        )
        .await
        .expect(200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !message_in_history(&other, room, id).await["preview"].is_null() {
        assert!(tokio::time::Instant::now() < deadline, "the preview stayed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn previews_can_be_turned_off(backend: Backend) {
    let good = site(String::new()).await;
    let allow = good.allow();
    let Some(app) = TestApp::spawn_with(
        backend,
        &["--link-preview-allow", &allow, "--link-previews", "off"],
    )
    .await
    else {
        return;
    };
    let author = app.staff().await;
    let room = author.create_room(&slug("off"), "public", None).await;
    let sent = author.send_message(room, &good.url("/og")).await;
    let id = sent["id"].as_str().unwrap();
    let job = app
        .state
        .ctx
        .store
        .last_job(jobs::PREVIEW, id)
        .await
        .unwrap();
    assert!(job.is_none(), "nothing is queued");
    assert_eq!(good.hits(), 0);
}

async fn the_preview_image_is_stored_as_an_attachment(backend: Backend) {
    let private = site(String::new()).await;
    let good = site(String::new()).await;
    // Its og:image points at a server the fetcher may not reach.
    let sneaky = site(private.url("/img.png")).await;
    let allow = format!("{},{}", good.allow(), sneaky.allow());
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().display().to_string();
    let Some(app) = TestApp::spawn_with(
        backend,
        &["--link-preview-allow", &allow, "--storage-url", &files],
    )
    .await
    else {
        return;
    };
    let author = app.staff().await;
    let reader = app.staff().await;
    let room = author.create_room(&slug("img"), "public", None).await;
    reader
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let sent = author.send_message(room, &good.url("/og-image")).await;
    let id = sent["id"].as_str().unwrap();
    let preview = preview_of(&reader, room, id).await;
    let image_url = preview["imageUrl"].as_str().expect("an image").to_owned();
    assert!(image_url.starts_with("/api/v1/attachments/"), "{image_url}");
    let response = reader
        .request(reqwest::Method::GET, &image_url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let bytes = response.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (400, 200),
        "re-encoded and scaled"
    );
    // It is not an attachment of the message, and not in the room's files.
    assert_eq!(
        message_in_history(&reader, room, id).await["attachments"],
        json!([])
    );
    let panel = reader
        .get(&format!("rooms/{room}/attachments"))
        .await
        .expect(200);
    assert_eq!(panel.data()["items"], json!([]));
    // Outsiders cannot read it.
    let outsider = app
        .user(switchboard::domain::user::Role::Customer, None)
        .await;
    let status = outsider
        .request(reqwest::Method::GET, &image_url)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    // Removing the preview retires its image.
    author
        .delete(&format!("messages/{id}/preview"))
        .await
        .expect(200);
    let status = reader
        .request(reqwest::Method::GET, &image_url)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);

    // An image on a refused address is not fetched; the preview comes without it.
    let sent = author.send_message(room, &sneaky.url("/og-image")).await;
    let id = sent["id"].as_str().unwrap();
    let preview = preview_of(&reader, room, id).await;
    assert_eq!(preview["imageUrl"], json!(null));
    assert_eq!(preview["title"], json!("Release notes & more"));
    assert_eq!(private.hits(), 0);
}
