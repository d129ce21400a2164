//! Files: uploads, attachments, downloads, limits, the sweep and the support form, on both
//! databases and both storage backends (a local directory, and S3 through a `moto` server
//! started by the tests). Without `moto_server` the S3 variants skip (saying why), except in
//! CI, where they fail.

use std::{
    process::{Child, Command, Stdio},
    sync::{Mutex, OnceLock},
    time::Duration,
};

use chrono::Utc;
use serde_json::{Value, json};
use switchboard::domain::Id;

use crate::{
    helpers::{Backend, Client, Resp, TestApp, in_ci, slug},
    tickets::{follow, open_ticket},
};

/// Generates one test per database and storage backend from
/// `async fn name(app: TestApp, files: Files)`, with extra settings after `with`.
macro_rules! storage_tests {
    ($($name:ident $(with $args:expr)?),+ $(,)?) => {
        storage_tests!(@backend sqlite_local, Sqlite, Local; $($name $(with $args)?),+);
        storage_tests!(@backend sqlite_s3, Sqlite, S3; $($name $(with $args)?),+);
        storage_tests!(@backend postgres_local, Postgres, Local; $($name $(with $args)?),+);
        storage_tests!(@backend postgres_s3, Postgres, S3; $($name $(with $args)?),+);
    };
    (@backend $module:ident, $db:ident, $kind:ident; $($name:ident $(with $args:expr)?),+) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let args: &[&str] = storage_tests!(@args $($args)?);
                    if let Some((app, files)) = super::start(
                        $crate::helpers::Backend::$db,
                        super::Kind::$kind,
                        args,
                    )
                    .await
                    {
                        super::$name(app, files).await;
                    }
                }
            )+
        }
    };
    (@args) => { &[] };
    (@args $args:expr) => { $args };
}

storage_tests!(
    uploads_are_attached_and_read_by_the_room_only,
    follow_links_upload_and_read_only_their_ticket,
    the_size_limit_stops_an_upload_mid_stream with &["--upload-max-bytes", "100000"],
    the_quota_counts_every_stored_byte with &["--upload-quota-bytes", "150000"],
    types_come_from_the_content_and_names_are_sanitized,
    attachments_must_be_unattached_uploads_of_the_sender_in_the_room,
    downloads_answer_ranges_and_etags,
    the_sweep_removes_unattached_uploads_and_files_of_deleted_messages
        with &["--edit-window-secs", "60"],
    the_support_form_takes_files,
    the_files_panel_pages_newest_first,
    exports_carry_the_files,
);

/// Which storage backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A temporary directory.
    Local,
    /// A bucket of the tests' moto server.
    S3,
}

/// A test's storage, to look into.
pub enum Files {
    /// The directory.
    Local(tempfile::TempDir),
    /// moto's address and the bucket.
    S3 { endpoint: String, bucket: String },
}

impl Files {
    /// Keys of the objects stored (unfinished local writes and S3 multipart uploads
    /// included, so a refused upload that left anything behind is seen).
    pub async fn keys(&self) -> Vec<String> {
        match self {
            Self::Local(dir) => {
                let mut keys = Vec::new();
                let mut pending = vec![dir.path().to_owned()];
                while let Some(path) = pending.pop() {
                    let Ok(entries) = std::fs::read_dir(&path) else {
                        continue;
                    };
                    for entry in entries.flatten() {
                        if entry.file_type().unwrap().is_dir() {
                            pending.push(entry.path());
                        } else {
                            let rel = entry.path().strip_prefix(dir.path()).unwrap().to_owned();
                            keys.push(rel.display().to_string());
                        }
                    }
                }
                keys.sort();
                keys
            }
            Self::S3 { endpoint, bucket } => {
                let http = reqwest::Client::new();
                let mut keys = Vec::new();
                for (query, tag) in [("list-type=2", "Key"), ("uploads", "UploadId")] {
                    let xml = http
                        .get(format!("{endpoint}/{bucket}?{query}"))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                    let open = format!("<{tag}>");
                    for part in xml.split(&open).skip(1) {
                        let value = part.split('<').next().unwrap_or_default();
                        keys.push(if tag == "Key" {
                            value.to_owned()
                        } else {
                            format!("multipart upload {value}")
                        });
                    }
                }
                keys.sort();
                keys
            }
        }
    }
}

/// The moto server of this test process, started on first use; `None` when moto is not
/// installed (outside CI). It stops when the test process ends (it watches its stdin).
fn moto() -> Option<&'static str> {
    static MOTO: OnceLock<Option<(String, Mutex<Child>)>> = OnceLock::new();
    MOTO.get_or_init(|| {
        let installed = Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                !in_ci(),
                "moto_server is required in CI (pip install 'moto[server]')"
            );
            eprintln!("skipped: moto_server not installed (pip install 'moto[server]')");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let watcher = format!(
            "import subprocess, sys\n\
             p = subprocess.Popen(['moto_server', '-H', '127.0.0.1', '-p', '{port}'],\n\
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n\
             sys.stdin.read()\n\
             p.terminate()\n"
        );
        let child = Command::new("python3")
            .args(["-c", &watcher])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting moto_server: {e}"));
        let endpoint = format!("http://127.0.0.1:{port}");
        // Ready when it answers.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some((endpoint, Mutex::new(child)))
    })
    .as_ref()
    .map(|(endpoint, _)| endpoint.as_str())
}

/// Starts the app on `db` with files on `kind`, or `None` when either is not available.
async fn start(db: Backend, kind: Kind, extra: &[&str]) -> Option<(TestApp, Files)> {
    let (files, mut args) = match kind {
        Kind::Local => {
            let dir = tempfile::tempdir().unwrap();
            let url = dir.path().display().to_string();
            (Files::Local(dir), vec!["--storage-url".to_owned(), url])
        }
        Kind::S3 => {
            let endpoint = tokio::task::spawn_blocking(moto).await.unwrap()?.to_owned();
            let bucket = format!("sb-{}", Id::new().as_uuid().simple());
            let created = reqwest::Client::new()
                .put(format!("{endpoint}/{bucket}"))
                .send()
                .await
                .unwrap();
            assert!(created.status().is_success(), "bucket: {created:?}");
            let url = format!("s3://{bucket}?endpoint={endpoint}&region=us-east-1");
            let args = vec![
                "--storage-url".to_owned(),
                url,
                "--aws-access-key-id".to_owned(),
                "test".to_owned(),
                "--aws-secret-access-key".to_owned(),
                "test".to_owned(),
            ];
            (Files::S3 { endpoint, bucket }, args)
        }
    };
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let app = TestApp::spawn_with(db, &args).await?;
    Some((app, files))
}

/// A `multipart/form-data` body: text fields, then files as (field, file name, bytes).
pub fn form(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = format!("sb-{}", Id::new().as_uuid().simple());
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `bytes` as `name` into `room`.
async fn upload(client: &Client, room: Id, name: &str, bytes: &[u8]) -> Resp {
    let (content_type, body) = form(&[], &[("file", name, bytes)]);
    client
        .send(
            client
                .request(reqwest::Method::POST, &format!("rooms/{room}/uploads"))
                .header("content-type", content_type)
                .body(body),
        )
        .await
}

/// Sends a message with attachments.
async fn send_with(client: &Client, room: Id, body: &str, ids: &[&Value]) -> Resp {
    client
        .post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": Id::new().to_string(), "body": body, "attachmentIds": ids}),
        )
        .await
}

/// Downloads `path` with extra headers; (status, headers, bytes).
async fn fetch(
    client: &Client,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = client.request(reqwest::Method::GET, path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// A small PNG (a 1x1 transparent pixel).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn uploads_are_attached_and_read_by_the_room_only(app: TestApp, files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("files"), "private", None).await;
    let log = b"line 1\nline 2\n".repeat(1000);
    let up = upload(&owner, room, "server.log", &log).await.expect(201);
    let file = up.data().clone();
    assert_eq!(file["name"], "server.log");
    assert_eq!(file["size"], json!(log.len()));
    assert_eq!(file["contentType"], "text/plain");
    assert_eq!(
        file["url"],
        json!(format!(
            "/api/v1/attachments/{}",
            file["id"].as_str().unwrap()
        ))
    );
    assert_eq!(file["thumbnailUrl"], Value::Null);
    let image = upload(&owner, room, "dot.png", PNG).await.expect(201);
    assert_eq!(image.data()["contentType"], "image/png");

    // Before it is sent, only its uploader reads it.
    let url = file["url"].as_str().unwrap().to_owned();
    let (status, _, bytes) = fetch(&owner, &url, &[]).await;
    assert_eq!((status, bytes.len()), (200, log.len()));

    let sent = send_with(&owner, room, "", &[&file["id"], &image.data()["id"]])
        .await
        .expect(201);
    let attachments = sent.data()["attachments"].as_array().unwrap().clone();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["id"], file["id"]);
    assert_eq!(sent.data()["body"], "");
    // History carries them.
    let history = owner
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    let items = history.data()["items"].as_array().unwrap();
    let last = items.last().unwrap();
    assert_eq!(last["attachments"].as_array().unwrap().len(), 2);
    // Messages without files have an empty list.
    let plain = owner.send_message(room, "no files").await;
    assert_eq!(plain["attachments"], json!([]));

    // A member reads the file; an outsider gets 404, as for a file that does not exist.
    let member = app.user(switchboard::domain::user::Role::Staff, None).await;
    owner
        .post(
            &format!("rooms/{room}/members"),
            json!({"userId": member.id()}),
        )
        .await
        .expect(201);
    let outsider = app.user(switchboard::domain::user::Role::Staff, None).await;
    let (status, headers, bytes) = fetch(&member, &url, &[]).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(bytes, log);
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&headers, "content-security-policy"),
        "default-src 'none'; sandbox"
    );
    assert!(header(&headers, "content-disposition").starts_with("attachment;"));
    assert_eq!(
        header(&headers, "content-type"),
        "text/plain; charset=utf-8"
    );
    let image_url = image.data()["url"].as_str().unwrap();
    let (status, headers, bytes) = fetch(&member, image_url, &[]).await;
    assert_eq!((status, bytes.as_slice()), (200, PNG));
    assert!(header(&headers, "content-disposition").starts_with("inline;"));
    outsider.get(&url).await.expect_error(404, "NOT_FOUND");
    outsider
        .get(&format!("attachments/{}", Id::new()))
        .await
        .expect_error(404, "NOT_FOUND");
    app.anonymous().get(&url).await.expect(401);
    // Without a thumbnail, there is none to fetch.
    member
        .get(&format!("{url}/thumbnail"))
        .await
        .expect_error(404, "NOT_FOUND");
    assert_eq!(files.keys().await.len(), 2, "{:?}", files.keys().await);
}

async fn follow_links_upload_and_read_only_their_ticket(app: TestApp, _files: Files) {
    let (first, first_token) =
        open_ticket(&app, "gina@example.com", "Broken export", "support").await;
    let (second, second_token) =
        open_ticket(&app, "gina@example.com", "Slow page", "support").await;
    let via_first = follow(&app, &first_token).await;
    let via_second = follow(&app, &second_token).await;
    let first: Id = first.parse().unwrap();
    let second: Id = second.parse().unwrap();
    let up = upload(&via_first, first, "trace.txt", b"stack trace")
        .await
        .expect(201);
    let sent = send_with(&via_first, first, "here it is", &[&up.data()["id"]])
        .await
        .expect(201);
    let url = sent.data()["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    // The team reads it.
    let staff = app.admin().await;
    let (status, _, bytes) = fetch(&staff, &url, &[]).await;
    assert_eq!((status, bytes.as_slice()), (200, b"stack trace".as_slice()));
    // The follow link of the other ticket does not, and may not upload into this one.
    via_second.get(&url).await.expect_error(404, "NOT_FOUND");
    assert_eq!(upload(&via_first, second, "x.txt", b"x").await.status, 403);
    upload(&via_second, second, "ok.txt", b"ok")
        .await
        .expect(201);
}

async fn the_size_limit_stops_an_upload_mid_stream(app: TestApp, files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("big"), "public", None).await;
    let big = vec![b'a'; 300_000];
    upload(&owner, room, "big.txt", &big)
        .await
        .expect_error(413, "PAYLOAD_TOO_LARGE");
    // Nothing of it stays in storage, and nothing is recorded.
    assert_eq!(files.keys().await, Vec::<String>::new());
    let panel = owner
        .get(&format!("rooms/{room}/attachments"))
        .await
        .expect(200);
    assert_eq!(panel.data()["items"], json!([]));
    // Exactly the limit is fine.
    upload(&owner, room, "fits.txt", &vec![b'a'; 100_000])
        .await
        .expect(201);
    assert_eq!(files.keys().await.len(), 1);
}

async fn the_quota_counts_every_stored_byte(app: TestApp, files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("quota"), "public", None).await;
    upload(&owner, room, "a.bin", &[1; 100_000])
        .await
        .expect(201);
    // The second would pass the quota: stopped while it streams.
    upload(&owner, room, "b.bin", &[2; 100_000])
        .await
        .expect_error(413, "QUOTA_EXCEEDED");
    upload(&owner, room, "c.bin", &[3; 40_000])
        .await
        .expect(201);
    upload(&owner, room, "d.bin", &[4; 20_000])
        .await
        .expect_error(413, "QUOTA_EXCEEDED");
    assert_eq!(files.keys().await.len(), 2);
    // Someone else has a quota of their own.
    let other = app.staff().await;
    other
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    upload(&other, room, "e.bin", &[5; 100_000])
        .await
        .expect(201);
}

async fn types_come_from_the_content_and_names_are_sanitized(app: TestApp, _files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("types"), "public", None).await;
    // HTML named as an image is text, downloaded as an attachment, never run.
    let html = upload(
        &owner,
        room,
        "cat.png",
        b"<html><script>alert(1)</script></html>",
    )
    .await
    .expect(201);
    assert_eq!(html.data()["contentType"], "text/plain");
    let (status, headers, _) = fetch(&owner, html.data()["url"].as_str().unwrap(), &[]).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-disposition").starts_with("attachment;"));
    // A PNG named as text is a PNG.
    let png = upload(&owner, room, "notes.txt", PNG).await.expect(201);
    assert_eq!(png.data()["contentType"], "image/png");
    // Binary that is no known type.
    let raw = upload(&owner, room, "blob", &[0xff, 0xfe, 0x00, 0x01, 0x80])
        .await
        .expect(201);
    assert_eq!(raw.data()["contentType"], "application/octet-stream");
    // Paths and bidi overrides go from names (control characters too: see the unit test;
    // they cannot travel in a multipart header).
    let named = upload(&owner, room, "../../etc/pass\u{202e}wd.txt", b"x")
        .await
        .expect(201);
    assert_eq!(named.data()["name"], "passwd.txt");
    let empty = upload(&owner, room, "", b"x").await.expect(201);
    assert_eq!(empty.data()["name"], "file");
    // Not multipart, or no file part.
    owner
        .send(
            owner
                .request(reqwest::Method::POST, &format!("rooms/{room}/uploads"))
                .header("content-type", "application/octet-stream")
                .body("raw"),
        )
        .await
        .expect_error(415, "UNSUPPORTED_MEDIA_TYPE");
    let (content_type, body) = form(&[("note", "no file")], &[]);
    owner
        .send(
            owner
                .request(reqwest::Method::POST, &format!("rooms/{room}/uploads"))
                .header("content-type", content_type)
                .body(body),
        )
        .await
        .expect(422);
}

async fn attachments_must_be_unattached_uploads_of_the_sender_in_the_room(
    app: TestApp,
    _files: Files,
) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("att"), "public", None).await;
    let other_room = owner.create_room(&slug("att2"), "public", None).await;
    let mine = upload(&owner, room, "a.txt", b"a").await.expect(201);
    let elsewhere = upload(&owner, other_room, "b.txt", b"b").await.expect(201);
    let someone = app.staff().await;
    someone.post(&format!("rooms/{room}/join"), json!({})).await;
    let theirs = upload(&someone, room, "c.txt", b"c").await.expect(201);
    let unknown = json!(Id::new().to_string());
    for bad in [&elsewhere.data()["id"], &theirs.data()["id"], &unknown] {
        send_with(&owner, room, "x", &[bad])
            .await
            .expect_error(400, "INVALID_ATTACHMENT");
    }
    // Eleven is too many.
    let id = &mine.data()["id"];
    let eleven: Vec<Value> = (0..11).map(|_| json!(Id::new().to_string())).collect();
    let refs: Vec<&Value> = eleven.iter().collect();
    send_with(&owner, room, "x", &refs)
        .await
        .expect_error(400, "INVALID_ATTACHMENT");
    // Attached once; a retry of the same send answers the same message, a new send may not
    // take it again.
    let client_id = Id::new().to_string();
    let body = json!({"clientId": client_id, "body": "", "attachmentIds": [id]});
    let first = owner
        .post(&format!("rooms/{room}/messages"), body.clone())
        .await
        .expect(201);
    let again = owner
        .post(&format!("rooms/{room}/messages"), body)
        .await
        .expect(200);
    assert_eq!(first.data()["id"], again.data()["id"]);
    assert_eq!(again.data()["attachments"][0]["id"], *id);
    send_with(&owner, room, "again", &[id])
        .await
        .expect_error(400, "INVALID_ATTACHMENT");
    // No text and no files is still refused.
    owner
        .post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": Id::new().to_string(), "body": "  "}),
        )
        .await
        .expect(422);
}

async fn downloads_answer_ranges_and_etags(app: TestApp, _files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("range"), "public", None).await;
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let up = upload(&owner, room, "data.bin", &data).await.expect(201);
    send_with(&owner, room, "data", &[&up.data()["id"]])
        .await
        .expect(201);
    let url = up.data()["url"].as_str().unwrap();
    let (status, headers, bytes) = fetch(&owner, url, &[("accept-encoding", "gzip")]).await;
    assert_eq!((status, bytes.len()), (200, data.len()));
    assert_eq!(header(&headers, "accept-ranges"), "bytes");
    assert_eq!(header(&headers, "content-encoding"), "");
    let etag = header(&headers, "etag").to_owned();
    assert!(etag.starts_with('"'));
    let (status, headers, bytes) = fetch(&owner, url, &[("range", "bytes=10-19")]).await;
    assert_eq!(status, 206);
    assert_eq!(bytes, data[10..20]);
    assert_eq!(header(&headers, "content-range"), "bytes 10-19/200000");
    let (status, _, bytes) = fetch(&owner, url, &[("range", "bytes=199990-")]).await;
    assert_eq!((status, bytes.as_slice()), (206, &data[199_990..]));
    let (status, _, bytes) = fetch(&owner, url, &[("range", "bytes=-5")]).await;
    assert_eq!((status, bytes.as_slice()), (206, &data[199_995..]));
    // Past the end: 416 with the size.
    let (status, headers, _) = fetch(&owner, url, &[("range", "bytes=200000-")]).await;
    assert_eq!(status, 416);
    assert_eq!(header(&headers, "content-range"), "bytes */200000");
    // Several ranges: the whole file.
    let (status, _, bytes) = fetch(&owner, url, &[("range", "bytes=0-1,5-6")]).await;
    assert_eq!((status, bytes.len()), (200, data.len()));
    // The same version: 304, without a body.
    let (status, headers, bytes) = fetch(&owner, url, &[("if-none-match", &etag)]).await;
    assert_eq!((status, bytes.len()), (304, 0));
    assert_eq!(header(&headers, "etag"), etag);
    // A range of another version is the whole file.
    let (status, _, _) = fetch(
        &owner,
        url,
        &[("range", "bytes=0-1"), ("if-range", "\"other\"")],
    )
    .await;
    assert_eq!(status, 200);
}

async fn the_sweep_removes_unattached_uploads_and_files_of_deleted_messages(
    app: TestApp,
    files: Files,
) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("sweep"), "public", None).await;
    let pending = upload(&owner, room, "pending.txt", b"p").await.expect(201);
    let kept = upload(&owner, room, "kept.txt", b"k").await.expect(201);
    let doomed = upload(&owner, room, "doomed.txt", b"d").await.expect(201);
    send_with(&owner, room, "kept", &[&kept.data()["id"]])
        .await
        .expect(201);
    let message = send_with(&owner, room, "doomed", &[&doomed.data()["id"]])
        .await
        .expect(201);
    owner
        .delete(&format!("messages/{}", message.id()))
        .await
        .expect(200);
    // A deleted message's files are not served any more, at once.
    owner
        .get(doomed.data()["url"].as_str().unwrap())
        .await
        .expect_error(404, "NOT_FOUND");
    let ctx = &app.state.ctx;
    // Now: nothing is due yet (the upload is fresh, the deletion inside the edit window).
    assert_eq!(
        switchboard::service::files::sweep(ctx, Utc::now())
            .await
            .unwrap(),
        0
    );
    assert_eq!(files.keys().await.len(), 3);
    // After the edit window: the deleted message's file.
    let later = Utc::now() + chrono::Duration::minutes(2);
    assert_eq!(
        switchboard::service::files::sweep(ctx, later)
            .await
            .unwrap(),
        1
    );
    let id_of = |r: &Resp| r.data()["id"].as_str().unwrap().to_owned();
    let keys = files.keys().await;
    assert!(
        !keys.iter().any(|k| k.contains(&id_of(&doomed))),
        "{keys:?}"
    );
    // After a day: the upload never attached.
    let tomorrow = Utc::now() + chrono::Duration::hours(25);
    assert_eq!(
        switchboard::service::files::sweep(ctx, tomorrow)
            .await
            .unwrap(),
        1
    );
    let keys = files.keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].contains(&id_of(&kept)), "{keys:?}");
    owner
        .get(pending.data()["url"].as_str().unwrap())
        .await
        .expect_error(404, "NOT_FOUND");
    let (status, _, _) = fetch(&owner, kept.data()["url"].as_str().unwrap(), &[]).await;
    assert_eq!(status, 200);
    // Removing a room removes its files, through the sweep job.
    owner.delete(&format!("rooms/{room}")).await.expect(200);
    switchboard::workers::files::request(&app.state.jobs).await;
    // Run here, or by the app's own jobs worker, whichever claims it first.
    let file_sweep = [switchboard::workers::jobs::FILE_SWEEP];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        switchboard::workers::jobs::run_once_of(&app.state.jobs, &file_sweep).await;
        let keys = files.keys().await;
        if keys.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "left: {keys:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn the_support_form_takes_files(app: TestApp, _files: Files) {
    let (content_type, body) = form(
        &[
            ("name", "Hana Customer"),
            ("email", "hana@example.com"),
            ("subject", "Invoice attached"),
            ("message", "See the PDF."),
            ("department", "billing"),
        ],
        &[
            (
                "file",
                "invoice.pdf",
                b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            ),
            ("file", "note.txt", b"thanks"),
        ],
    );
    let anonymous = app.anonymous();
    let opened = anonymous
        .send(
            anonymous
                .request(reqwest::Method::POST, "support/tickets")
                .header("content-type", content_type)
                .body(body),
        )
        .await
        .expect(201);
    let ticket: Id = opened.data()["ticketId"].as_str().unwrap().parse().unwrap();
    let staff = app.admin().await;
    let history = staff
        .get(&format!("rooms/{ticket}/messages"))
        .await
        .expect(200);
    let first = &history.data()["items"][0];
    assert_eq!(first["body"], "See the PDF.");
    let attachments = first["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["name"], "invoice.pdf");
    assert_eq!(attachments[0]["contentType"], "application/pdf");
    let (status, _, bytes) = fetch(&staff, attachments[1]["url"].as_str().unwrap(), &[]).await;
    assert_eq!((status, bytes.as_slice()), (200, b"thanks".as_slice()));
    // Six files are too many.
    let six: Vec<(&str, &str, &[u8])> =
        (0..6).map(|_| ("file", "a.txt", b"a".as_slice())).collect();
    let (content_type, body) = form(
        &[
            ("name", "Hana Customer"),
            ("email", "hana@example.com"),
            ("subject", "Too many"),
            ("message", "Six files."),
            ("department", "billing"),
        ],
        &six,
    );
    anonymous
        .send(
            anonymous
                .request(reqwest::Method::POST, "support/tickets")
                .header("content-type", content_type)
                .body(body),
        )
        .await
        .expect_error(400, "INVALID_ATTACHMENT");
    // JSON stays accepted.
    open_ticket(&app, "ivan@example.com", "Plain", "billing").await;
}

async fn the_files_panel_pages_newest_first(app: TestApp, _files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("panel"), "public", None).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let up = upload(&owner, room, &format!("f{n}.txt"), b"x")
            .await
            .expect(201);
        ids.push(up.data()["id"].clone());
        send_with(&owner, room, "file", &[&up.data()["id"]])
            .await
            .expect(201);
    }
    // Unattached uploads are not listed.
    upload(&owner, room, "pending.txt", b"x").await.expect(201);
    let page = owner
        .get(&format!("rooms/{room}/attachments?limit=2"))
        .await
        .expect(200);
    let items = page.data()["items"].as_array().unwrap();
    assert_eq!(
        items.iter().map(|i| i["id"].clone()).collect::<Vec<_>>(),
        [ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(items[0]["authorId"], json!(owner.id().to_string()));
    assert!(items[0]["messageId"].is_string());
    let cursor = page.data()["nextCursor"].as_str().unwrap();
    let rest = owner
        .get(&format!("rooms/{room}/attachments?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    let items = rest.data()["items"].as_array().unwrap();
    assert_eq!(
        items.iter().map(|i| i["id"].clone()).collect::<Vec<_>>(),
        [ids[0].clone()]
    );
    assert_eq!(rest.data()["nextCursor"], Value::Null);
    let outsider = app.user(switchboard::domain::user::Role::Staff, None).await;
    let private = owner.create_room(&slug("hidden"), "private", None).await;
    outsider
        .get(&format!("rooms/{private}/attachments"))
        .await
        .expect_error(404, "NOT_FOUND");
}

/// The entries of a zip, read through its central directory: (name, bytes).
fn unzip(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let u16_at = |at: usize| u16::from_le_bytes([zip[at], zip[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(zip[at..at + 4].try_into().unwrap()) as usize;
    let end = zip.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "no end of central directory");
    let count = u16_at(end + 10);
    let mut at = u32_at(end + 16);
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50);
        let crc = u32_at(at + 16);
        let size = u32_at(at + 24);
        let name_len = u16_at(at + 28);
        let local = u32_at(at + 42);
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
        assert_eq!(u32_at(local), 0x0403_4b50);
        let data_at = local + 30 + u16_at(local + 26) + u16_at(local + 28);
        let data = zip[data_at..data_at + size].to_vec();
        // The data descriptor after the data repeats the CRC and the sizes.
        assert_eq!(u32_at(data_at + size), 0x0807_4b50);
        assert_eq!(u32_at(data_at + size + 4), crc);
        entries.push((name, data));
        at += 46 + name_len + u16_at(at + 30) + u16_at(at + 32);
    }
    entries
}

async fn exports_carry_the_files(app: TestApp, _files: Files) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("export"), "public", None).await;
    let up = upload(&owner, room, "report.pdf", b"%PDF-1.4 report")
        .await
        .expect(201);
    send_with(&owner, room, "the report", &[&up.data()["id"]])
        .await
        .expect(201);
    let gone = upload(&owner, room, "gone.txt", b"gone").await.expect(201);
    let deleted = send_with(&owner, room, "deleted", &[&gone.data()["id"]])
        .await
        .expect(201);
    owner
        .delete(&format!("messages/{}", deleted.id()))
        .await
        .expect(200);
    let response = owner
        .request(reqwest::Method::POST, &format!("rooms/{room}/export"))
        .json(&json!({"format": "zip"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(response.headers(), "content-type"),
        "application/zip"
    );
    let zip = response.bytes().await.unwrap();
    let entries = unzip(&zip);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let id = up.data()["id"].as_str().unwrap();
    assert_eq!(
        names,
        ["export.json".to_owned(), format!("files/{id}-report.pdf")]
    );
    assert_eq!(entries[1].1, b"%PDF-1.4 report");
    let export: Value = serde_json::from_slice(&entries[0].1).unwrap();
    let messages = export["messages"].as_array().unwrap();
    assert_eq!(messages[0]["attachments"][0]["id"], up.data()["id"]);
    assert_eq!(messages[1]["attachments"], json!([]));
    // The JSON export names the files too.
    let json_export = owner
        .post(&format!("rooms/{room}/export"), json!({"format": "json"}))
        .await
        .expect(200);
    assert_eq!(
        json_export.body["messages"][0]["attachments"][0]["name"],
        "report.pdf"
    );
}

/// Uploads are rate limited per uploader (`RATE_LIMIT_UPLOAD`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().display().to_string();
    let Some(app) = TestApp::spawn_limited(
        Backend::Sqlite,
        &["--storage-url", &url],
        &[(switchboard::ratelimit::Action::Upload, "2/60s")],
    )
    .await
    else {
        return;
    };
    let owner = app.staff().await;
    let room = owner.create_room(&slug("limit"), "public", None).await;
    upload(&owner, room, "a.txt", b"a").await.expect(201);
    upload(&owner, room, "b.txt", b"b").await.expect(201);
    upload(&owner, room, "c.txt", b"c")
        .await
        .expect_error(429, "RATE_LIMITED");
}
