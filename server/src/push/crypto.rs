//! The cryptography of Web Push: the message encryption of RFC 8291 (`aes128gcm`, one record)
//! and the VAPID identification of RFC 8292 (an ES256 JWT signed with the server's key).

use aes_gcm::{Aes128Gcm, KeyInit, Nonce, aead::Aead};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use p256::{
    PublicKey, SecretKey,
    ecdsa::{Signature, SigningKey, signature::Signer},
    elliptic_curve::sec1::ToEncodedPoint,
};
use sha2::Sha256;

/// Record size announced in the header; a payload is one record, well under it.
const RECORD_SIZE: u32 = 4096;

/// Why a key or a message could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PushCryptoError {
    /// Not unpadded base64url.
    #[error("not base64url")]
    Base64,
    /// Not a P-256 key of the expected form.
    #[error("not a P-256 key")]
    Key,
    /// The authentication secret is not 16 bytes.
    #[error("the auth secret must be 16 bytes")]
    Auth,
    /// Encryption failed (cannot happen with valid keys).
    #[error("encryption failed")]
    Encrypt,
}

/// Decodes base64url, with or without padding.
pub fn b64_decode(text: &str) -> Result<Vec<u8>, PushCryptoError> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| PushCryptoError::Base64)
}

/// Encodes unpadded base64url.
pub fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh P-256 private key.
pub fn random_secret() -> SecretKey {
    loop {
        // A random 32-byte string is a valid scalar except with negligible probability.
        if let Ok(key) = SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
            return key;
        }
    }
}

/// A public key as the 65-byte uncompressed point.
pub fn public_bytes(key: &PublicKey) -> Vec<u8> {
    key.to_encoded_point(false).as_bytes().to_vec()
}

/// A browser's public key (`p256dh`: an uncompressed point, base64url).
pub fn parse_public(text: &str) -> Result<PublicKey, PushCryptoError> {
    let bytes = b64_decode(text)?;
    if bytes.len() != 65 {
        return Err(PushCryptoError::Key);
    }
    PublicKey::from_sec1_bytes(&bytes).map_err(|_| PushCryptoError::Key)
}

/// A browser's authentication secret (16 bytes, base64url).
pub fn parse_auth(text: &str) -> Result<[u8; 16], PushCryptoError> {
    b64_decode(text)?
        .try_into()
        .map_err(|_| PushCryptoError::Auth)
}

/// A private key as 32 bytes, base64url (the format `switchboard vapid` prints).
pub fn parse_secret(text: &str) -> Result<SecretKey, PushCryptoError> {
    SecretKey::from_slice(&b64_decode(text)?).map_err(|_| PushCryptoError::Key)
}

/// Encrypts `payload` for the browser holding `ua_public` and `auth` (RFC 8291): the request
/// body, with the `aes128gcm` header (salt, record size, the sender's key) before the record.
pub fn encrypt(
    ua_public: &PublicKey,
    auth: &[u8; 16],
    payload: &[u8],
) -> Result<Vec<u8>, PushCryptoError> {
    let sender = random_secret();
    let salt: [u8; 16] = rand::random();
    encrypt_with(&sender, &salt, ua_public, auth, payload)
}

fn encrypt_with(
    sender: &SecretKey,
    salt: &[u8; 16],
    ua_public: &PublicKey,
    auth: &[u8; 16],
    payload: &[u8],
) -> Result<Vec<u8>, PushCryptoError> {
    let as_public = public_bytes(&sender.public_key());
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), ua_public.as_affine());
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(&public_bytes(ua_public));
    key_info.extend_from_slice(&as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth.as_slice()), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| PushCryptoError::Encrypt)?;
    let prk = Hkdf::<Sha256>::new(Some(salt.as_slice()), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .and_then(|()| prk.expand(b"Content-Encoding: nonce\0", &mut nonce))
        .map_err(|_| PushCryptoError::Encrypt)?;
    let mut plain = payload.to_vec();
    plain.push(2); // the last (and only) record's delimiter
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| PushCryptoError::Encrypt)?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
        .map_err(|_| PushCryptoError::Encrypt)?;
    let mut body = Vec::with_capacity(86 + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// The `Authorization` header of RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`, the JWT
/// naming the push service's origin (`aud`), when it expires (`exp`, Unix seconds) and who
/// to contact (`sub`).
pub fn vapid_header(key: &SecretKey, audience: &str, expires: i64, subject: &str) -> String {
    let header = b64_encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = serde_json::json!({ "aud": audience, "exp": expires, "sub": subject });
    let signed = format!("{header}.{}", b64_encode(claims.to_string().as_bytes()));
    let signature: Signature = SigningKey::from(key).sign(signed.as_bytes());
    let public = b64_encode(&public_bytes(&key.public_key()));
    format!(
        "vapid t={signed}.{}, k={public}",
        b64_encode(&signature.to_bytes())
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The worked example of RFC 8291 section 5.
    #[test]
    fn matches_the_rfc_example() {
        let secret = |s: &str| SecretKey::from_slice(&b64_decode(s).unwrap()).unwrap();
        let sender = secret("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw");
        let ua = parse_public(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        )
        .unwrap();
        let auth = parse_auth("BTBZMqHH6r4Tts7J_aSIgg").unwrap();
        let salt: [u8; 16] = b64_decode("DGv6ra1nlYgDCS1FRnbzlw")
            .unwrap()
            .try_into()
            .unwrap();
        let body = encrypt_with(
            &sender,
            &salt,
            &ua,
            &auth,
            b"When I grow up, I want to be a watermelon",
        )
        .unwrap();
        assert_eq!(
            b64_encode(&body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }
}
