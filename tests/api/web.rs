//! The web client embedded in the binary: validators (`ETag`, `304 Not Modified`) and brotli
//! or gzip answers. A build without `web/dist` serves its placeholder page the same way.

use crate::helpers::{Backend, TestApp, http_client};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_client_files_revalidate_and_compress() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else {
        return;
    };
    let http = http_client();
    let get = |path: &str| http.get(format!("{}{path}", app.base));
    // Client-side routes answer index.html (the same file, the same validator).
    let mut tags = Vec::new();
    for path in ["/", "/rooms/general"] {
        let first = get(path).send().await.unwrap();
        assert_eq!(first.status(), 200);
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with("W/\"") && etag.len() > 10, "{etag}");
        assert_eq!(first.headers()["cache-control"], "no-cache");
        let body = first.bytes().await.unwrap();
        assert!(!body.is_empty());
        // The browser's copy is current: 304, no body, the same validator and policy.
        let current = get(path)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(current.status(), 304);
        assert_eq!(current.headers()["etag"], etag.as_str());
        assert!(current.headers().contains_key("content-security-policy"));
        assert!(current.bytes().await.unwrap().is_empty());
        // A stale copy (or a list of others) gets the file again.
        let stale = get(path)
            .header("if-none-match", "W/\"stale\", \"older\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200);
        assert_eq!(stale.bytes().await.unwrap(), body);
        tags.push(etag);
    }
    assert_eq!(tags[0], tags[1]);
    let plain = get("/").send().await.unwrap().bytes().await.unwrap();
    // Brotli when the browser takes it (browsers list it with gzip), gzip otherwise.
    for (accept, encoding) in [("gzip, deflate, br", "br"), ("br", "br"), ("gzip", "gzip")] {
        let answer = get("/")
            .header("accept-encoding", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["content-encoding"], encoding, "{accept}");
        let vary = answer.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(vary.contains("accept-encoding"), "{vary}");
        assert_eq!(answer.headers()["etag"], tags[0].as_str());
        let sent = answer.bytes().await.unwrap();
        assert!(
            sent.len() < plain.len(),
            "{encoding}: {} >= {}",
            sent.len(),
            plain.len()
        );
    }
    // A revalidation that names the validator gets 304 whatever the encoding.
    let current = get("/")
        .header("accept-encoding", "br")
        .header("if-none-match", &tags[0])
        .send()
        .await
        .unwrap();
    assert_eq!(current.status(), 304);
    // Unknown build assets are 404 with the error body, not index.html.
    let missing = get("/assets/missing-0000.js").send().await.unwrap();
    assert_eq!(missing.status(), 404);
}
