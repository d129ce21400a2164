//! Web Push (RFC 8030) with encrypted payloads (RFC 8291) and VAPID (RFC 8292): the server's
//! key pair, what a browser's subscription must look like, and the request that delivers one
//! notification to one subscription. `service::push` decides who gets what; `workers::push`
//! sends.

pub mod crypto;

use p256::SecretKey;

/// The server's VAPID identity, from `WEB_PUSH_VAPID_PUBLIC_KEY`, `WEB_PUSH_VAPID_PRIVATE_KEY`
/// and `WEB_PUSH_SUBJECT`.
#[derive(Clone)]
pub struct Vapid {
    /// The private key (signs the JWTs).
    key: SecretKey,
    /// The public key as browsers take it (`applicationServerKey`): base64url of the point.
    pub public_key: String,
    /// Who push services may contact: a `mailto:` or `https:` URL.
    pub subject: String,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Vapid {
    /// The identity of a configured key pair; the error says which part is wrong.
    pub fn new(public_key: &str, private_key: &str, subject: &str) -> Result<Self, &'static str> {
        let key = crypto::parse_secret(private_key)
            .map_err(|_| "WEB_PUSH_VAPID_PRIVATE_KEY must be a P-256 key (base64url, 32 bytes)")?;
        let public = crypto::parse_public(public_key)
            .map_err(|_| "WEB_PUSH_VAPID_PUBLIC_KEY must be a P-256 point (base64url, 65 bytes)")?;
        if public != key.public_key() {
            return Err("WEB_PUSH_VAPID_PUBLIC_KEY is not the public key of the private key");
        }
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err("WEB_PUSH_SUBJECT must be a mailto: or https: URL");
        }
        Ok(Self {
            key,
            public_key: crypto::b64_encode(&crypto::public_bytes(&public)),
            subject: subject.to_owned(),
        })
    }

    /// A fresh key pair as `(public, private)`, in the format the settings take.
    pub fn generate() -> (String, String) {
        let key = crypto::random_secret();
        (
            crypto::b64_encode(&crypto::public_bytes(&key.public_key())),
            crypto::b64_encode(&key.to_bytes()),
        )
    }

    /// The `Authorization` header for a push service at `endpoint`, valid for 12 hours.
    pub fn authorization(&self, endpoint: &str) -> Option<String> {
        let audience = origin(endpoint)?;
        let expires = (crate::store::now() + chrono::Duration::hours(12)).timestamp();
        Some(crypto::vapid_header(
            &self.key,
            audience,
            expires,
            &self.subject,
        ))
    }
}

/// The origin (`scheme://host[:port]`) of an http(s) URL.
pub fn origin(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if host_len == 0 {
        return None;
    }
    Some(&url[..url.len() - rest.len() + host_len])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_accepted() {
        let (public, private) = Vapid::generate();
        let vapid = Vapid::new(&public, &private, "mailto:ops@example.com").unwrap();
        assert_eq!(vapid.public_key, public);
        assert!(Vapid::new(&public, &Vapid::generate().1, "mailto:a@b").is_err());
        assert!(Vapid::new(&public, &private, "ops@example.com").is_err());
    }

    #[test]
    fn origin_of_urls() {
        assert_eq!(
            origin("https://push.example/a/b"),
            Some("https://push.example")
        );
        assert_eq!(origin("http://127.0.0.1:9/x"), Some("http://127.0.0.1:9"));
        assert_eq!(origin("https://"), None);
        assert_eq!(origin("ftp://x/y"), None);
    }
}
