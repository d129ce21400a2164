//! Images: thumbnails made by a background job after an image upload (re-encoded, without the
//! original's EXIF), decompression bombs refused without a thumbnail, and avatars (two sizes,
//! versioned URLs, shown on the user views, authors and members).

use std::{io::Cursor, time::Duration};

use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::{Value, json};
use switchboard::{domain::Id, workers::jobs};

use crate::{
    files::form,
    helpers::{Backend, Client, Resp, TestApp, slug},
};

/// One test per database from `async fn name(app)`, files in a temporary directory.
macro_rules! media_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some((app, _dir)) = super::start($crate::helpers::Backend::Sqlite).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some((app, _dir)) = super::start($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )+
        }
    };
}

media_tests!(
    images_get_thumbnails_without_their_metadata,
    a_decompression_bomb_gets_no_thumbnail,
    avatars_come_in_two_sizes_and_show_everywhere,
    dms_in_the_room_list_carry_their_peers,
);

async fn start(backend: Backend) -> Option<(TestApp, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().display().to_string();
    let app = TestApp::spawn_with(backend, &["--storage-url", &url]).await?;
    Some((app, dir))
}

/// A photo-like JPEG of `width` x `height` carrying an EXIF segment with a GPS-like secret.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let image = DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    }));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Jpeg).unwrap();
    let jpeg = out.into_inner();
    // APP1 "Exif\0\0" + a little-endian TIFF header with no entries, then the secret.
    let mut payload = b"Exif\0\0II*\0\x08\0\0\0\0\0".to_vec();
    payload.extend_from_slice(b"GPS 48.8584N 2.2945E SECRET-LOCATION");
    let len = u16::try_from(payload.len() + 2).unwrap();
    let mut with_exif = jpeg[..2].to_vec(); // SOI
    with_exif.extend_from_slice(&[0xff, 0xe1]);
    with_exif.extend_from_slice(&len.to_be_bytes());
    with_exif.extend_from_slice(&payload);
    with_exif.extend_from_slice(&jpeg[2..]);
    with_exif
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let image = DynamicImage::ImageRgba8(image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 200])
    }));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A valid PNG header declaring 50,000 x 50,000 RGBA pixels (10 GB decoded) with a tiny body.
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 1],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

async fn upload(client: &Client, room: Id, name: &str, bytes: &[u8]) -> Value {
    let (content_type, body) = form(&[], &[("file", name, bytes)]);
    client
        .send(
            client
                .request(reqwest::Method::POST, &format!("rooms/{room}/uploads"))
                .header("content-type", content_type)
                .body(body),
        )
        .await
        .expect(201)
        .data()
        .clone()
}

async fn send_with(client: &Client, room: Id, ids: &[&Value]) -> Value {
    client
        .post(
            &format!("rooms/{room}/messages"),
            json!({"clientId": Id::new().to_string(), "body": "", "attachmentIds": ids}),
        )
        .await
        .expect(201)
        .data()
        .clone()
}

async fn bytes(client: &Client, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = client
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// Waits until the thumbnail job of `upload` has run.
async fn thumbnail_job_done(app: &TestApp, upload: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let job = app
            .state
            .ctx
            .store
            .last_job(jobs::THUMBNAIL, upload)
            .await
            .unwrap();
        if job.is_some_and(|j| j.done_at.is_some()) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the thumbnail job did not finish"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn attachments_of(client: &Client, room: Id, message: &str) -> Vec<Value> {
    let history = client
        .get(&format!("rooms/{room}/messages"))
        .await
        .expect(200);
    history.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == json!(message))
        .unwrap()["attachments"]
        .as_array()
        .unwrap()
        .clone()
}

async fn images_get_thumbnails_without_their_metadata(app: TestApp) {
    let owner = app.staff().await;
    let reader = app.staff().await;
    let room = owner.create_room(&slug("thumbs"), "public", None).await;
    reader
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    let photo = jpeg_with_exif(1200, 800);
    assert!(photo.windows(15).any(|w| w == b"SECRET-LOCATION"));
    let jpeg = upload(&owner, room, "photo.jpg", &photo).await;
    let png_up = upload(&owner, room, "shot.png", &png(300, 500)).await;
    let sent = send_with(&owner, room, &[&jpeg["id"], &png_up["id"]]).await;
    let message = sent["id"].as_str().unwrap();
    thumbnail_job_done(&app, jpeg["id"].as_str().unwrap()).await;
    thumbnail_job_done(&app, png_up["id"].as_str().unwrap()).await;

    let attachments = attachments_of(&reader, room, message).await;
    let (photo_view, png_view) = (&attachments[0], &attachments[1]);
    assert_eq!(
        (photo_view["width"].clone(), photo_view["height"].clone()),
        (json!(1200), json!(800))
    );
    assert_eq!(
        (png_view["width"].clone(), png_view["height"].clone()),
        (json!(300), json!(500))
    );
    let thumb_url = photo_view["thumbnailUrl"].as_str().expect("a thumbnail");
    let (status, headers, thumb) = bytes(&reader, thumb_url).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (400, 267));
    assert!(
        !thumb.windows(4).any(|w| w == b"Exif"),
        "no EXIF in the thumbnail"
    );
    assert!(!thumb.windows(15).any(|w| w == b"SECRET-LOCATION"));
    // Transparency keeps a PNG thumbnail.
    let (status, headers, thumb) = bytes(&reader, png_view["thumbnailUrl"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (240, 400));
    // The original is untouched.
    let (_, _, original) = bytes(&reader, photo_view["url"].as_str().unwrap()).await;
    assert_eq!(original, photo);
}

async fn a_decompression_bomb_gets_no_thumbnail(app: TestApp) {
    let owner = app.staff().await;
    let room = owner.create_room(&slug("bomb"), "public", None).await;
    let bomb = upload(&owner, room, "bomb.png", &png_bomb()).await;
    assert_eq!(bomb["contentType"], "image/png");
    let sent = send_with(&owner, room, &[&bomb["id"]]).await;
    thumbnail_job_done(&app, bomb["id"].as_str().unwrap()).await;
    let attachments = attachments_of(&owner, room, sent["id"].as_str().unwrap()).await;
    assert_eq!(attachments[0]["thumbnailUrl"], Value::Null);
    assert_eq!(attachments[0]["width"], Value::Null);
    // Garbage that claims to be an image is skipped the same way; the server is fine.
    let mut broken = png(10, 10);
    broken.truncate(60);
    let broken = upload(&owner, room, "broken.png", &broken).await;
    thumbnail_job_done(&app, broken["id"].as_str().unwrap()).await;
    owner.get("auth/me").await.expect(200);
}

async fn avatar_form(client: &Client, bytes: &[u8]) -> Resp {
    let (content_type, body) = form(&[], &[("file", "me.png", bytes)]);
    client
        .send(
            client
                .request(reqwest::Method::PUT, "me/avatar")
                .header("content-type", content_type)
                .body(body),
        )
        .await
}

async fn avatars_come_in_two_sizes_and_show_everywhere(app: TestApp) {
    let me = app.staff().await;
    let other = app.staff().await;
    let room = me.create_room(&slug("av"), "public", None).await;
    other
        .post(&format!("rooms/{room}/join"), json!({}))
        .await
        .expect(200);
    assert_eq!(
        me.get("auth/me").await.expect(200).data()["avatarUrl"],
        Value::Null
    );
    avatar_form(&me, b"not an image at all")
        .await
        .expect_error(422, "VALIDATION");
    let set = avatar_form(&me, &png(300, 200)).await.expect(200);
    let url = set.data()["avatarUrl"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("/api/v1/users/{}/avatar?v=", me.id())),
        "{url}"
    );

    let (status, headers, big) = bytes(&other, &url).await;
    assert_eq!(status, 200);
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let decoded = image::load_from_memory(&big).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
    let (status, _, small) = bytes(&other, &format!("{url}&size=64")).await;
    assert_eq!(status, 200);
    let decoded = image::load_from_memory(&small).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (64, 64));
    other
        .get(&format!("{url}&size=100"))
        .await
        .expect_error(422, "VALIDATION");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let again = other
        .send(
            other
                .request(reqwest::Method::GET, &url)
                .header("if-none-match", etag),
        )
        .await;
    assert_eq!(again.status, 304);
    app.anonymous().get(&url).await.expect(401);

    // The URL is on every view of the user.
    assert_eq!(me.get("auth/me").await.data()["avatarUrl"], json!(url));
    assert_eq!(
        other
            .get(&format!("users/{}", me.id()))
            .await
            .expect(200)
            .data()["avatarUrl"],
        json!(url)
    );
    let members = other
        .get(&format!("rooms/{room}/members"))
        .await
        .expect(200);
    let listed = members.data()["items"]
        .as_array()
        .or_else(|| members.data().as_array())
        .unwrap()
        .iter()
        .find(|m| m["user"]["id"] == json!(me.id()))
        .cloned()
        .unwrap();
    assert_eq!(listed["user"]["avatarUrl"], json!(url));
    let sent = me.send_message(room, "hello").await;
    assert_eq!(sent["author"]["avatarUrl"], json!(url));

    // A new avatar is a new URL; removing it leaves none.
    let newer = avatar_form(&me, &png(64, 64)).await.expect(200);
    let newer = newer.data()["avatarUrl"].as_str().unwrap().to_owned();
    assert_ne!(newer, url);
    me.delete("me/avatar").await.expect(204);
    me.delete("me/avatar").await.expect(204);
    assert_eq!(me.get("auth/me").await.data()["avatarUrl"], Value::Null);
    other
        .get(&format!("users/{}/avatar", me.id()))
        .await
        .expect_error(404, "NOT_FOUND");
}

async fn name_of(client: &Client) -> Value {
    client.get("auth/me").await.expect(200).data()["name"].clone()
}

/// The `peers` of room `id` in the caller's room list.
async fn listed_peers(client: &Client, id: &Value) -> Value {
    let rooms = client.get("rooms").await.expect(200);
    let room = rooms.data()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == *id)
        .cloned()
        .unwrap_or_else(|| panic!("room {id} not listed"));
    room["peers"].clone()
}

async fn dms_in_the_room_list_carry_their_peers(app: TestApp) {
    let me = app.staff().await;
    let other = app.staff().await;
    let third = app.staff().await;
    let (my_name, other_name, third_name) = (
        name_of(&me).await,
        name_of(&other).await,
        name_of(&third).await,
    );
    let room = me.create_room(&slug("nopeers"), "public", None).await;
    let dm = other
        .post("dms", json!({ "userId": me.id() }))
        .await
        .expect(201);
    let dm_id = dm.data()["id"].clone();
    // The answer that opens the DM already names who it is with (never the viewer).
    assert_eq!(
        dm.data()["peers"],
        json!([{ "id": me.id(), "name": my_name, "avatarUrl": null }])
    );
    assert_eq!(
        listed_peers(&me, &dm_id).await,
        json!([{ "id": other.id(), "name": other_name, "avatarUrl": null }])
    );
    assert_eq!(
        listed_peers(&me, &json!(room)).await,
        Value::Null,
        "not a DM"
    );

    // A group DM lists everyone else, sorted by name.
    let group = other
        .post("dms", json!({ "userIds": [me.id(), third.id()] }))
        .await
        .expect(201);
    let mut expected = [
        (my_name.as_str().unwrap().to_owned(), me.id()),
        (third_name.as_str().unwrap().to_owned(), third.id()),
    ];
    expected.sort();
    let ids: Vec<Value> = listed_peers(&other, &group.data()["id"])
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(
        ids,
        expected.iter().map(|(_, id)| json!(id)).collect::<Vec<_>>()
    );

    // A new avatar shows in the list and on the room; removing it brings back none.
    let set = avatar_form(&other, &png(80, 80)).await.expect(200);
    let url = set.data()["avatarUrl"].clone();
    assert!(url.is_string());
    assert_eq!(listed_peers(&me, &dm_id).await[0]["avatarUrl"], url);
    let one = me
        .get(&format!("rooms/{}", dm_id.as_str().unwrap()))
        .await
        .expect(200);
    assert_eq!(one.data()["peers"][0]["avatarUrl"], url);
    other.delete("me/avatar").await.expect(204);
    assert_eq!(listed_peers(&me, &dm_id).await[0]["avatarUrl"], Value::Null);
}
