//! One-click unsubscribe from notification e-mails (RFC 8058): each digest carries a link with
//! a token naming the person, signed (HMAC-SHA256) with a key the server generated for itself
//! and keeps in the database (`server_keys`, shared by every instance, never configured, so
//! there is no default to forget to change). Using the link turns e-mail notifications off
//! without signing in; it does nothing else, so a leaked link can at worst stop e-mails.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Ctx;
use crate::{
    domain::Id,
    error::{AppError, AppResult, Code},
    store::PreferencesRow,
};

/// The name of the signing key in `server_keys`.
const KEY_NAME: &str = "unsubscribe";
/// What a token signs besides the person (a key used for something else one day signs other
/// texts).
const PURPOSE: &str = "unsubscribe:email_notifications:";

/// The signing key: stored, or generated and stored on first use.
async fn key(ctx: &Ctx) -> AppResult<Vec<u8>> {
    let fresh = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let stored = ctx.store.server_key(KEY_NAME, &fresh).await?;
    Ok(stored.into_bytes())
}

/// The unsubscribe token of `user_id`: `<id>.<signature>`.
pub async fn token_for(ctx: &Ctx, user_id: Id) -> AppResult<String> {
    let key = key(ctx).await?;
    Ok(format!("{user_id}.{}", sign(&key, user_id)))
}

/// The person `token` names and their preferences, changing nothing (the page a link opens
/// asks before it unsubscribes: mail scanners and link prefetchers follow links). A token that
/// is malformed or not signed by this server is `TOKEN_INVALID`.
pub async fn check(ctx: &Ctx, token: &str) -> AppResult<(Id, PreferencesRow)> {
    let invalid = || AppError::new(Code::TokenInvalid, "this unsubscribe link is not valid");
    let (id, signature) = token.split_once('.').ok_or_else(invalid)?;
    let user_id: Id = id.parse().map_err(|_| invalid())?;
    let key = key(ctx).await?;
    if !same(sign(&key, user_id).as_bytes(), signature.as_bytes()) {
        return Err(invalid());
    }
    if ctx.store.get_user(user_id).await?.is_none() {
        return Err(invalid());
    }
    Ok((user_id, ctx.store.preferences(user_id).await?))
}

/// Turns e-mail notifications off for the person `token` names (see [`check`]).
pub async fn unsubscribe(ctx: &Ctx, token: &str) -> AppResult<PreferencesRow> {
    let (user_id, mut prefs) = check(ctx, token).await?;
    if prefs.email_notifications != "off" {
        prefs.email_notifications = "off".into();
        ctx.store.set_preferences(user_id, &prefs).await?;
        tracing::info!(user_id = %user_id, "e-mail notifications turned off by unsubscribe link");
    }
    Ok(prefs)
}

/// The signature of the purpose and the person, URL-safe base64.
fn sign(key: &[u8], user_id: Id) -> String {
    let id = user_id.to_string();
    URL_SAFE_NO_PAD.encode(hmac_sha256(key, &[PURPOSE.as_bytes(), id.as_bytes()]))
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts`.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let mut inner = Sha256::new().chain_update(pad(0x36));
    for part in parts {
        inner.update(part);
    }
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner.finalize())
        .finalize()
        .into()
}

/// Compares in time that does not depend on where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        let hex = |bytes: [u8; 32]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        // Test case 2, the message split in two as `sign` splits it.
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        let key = [0xaa_u8; 131];
        let mac = hmac_sha256(
            &key,
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            hex(mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn signatures_depend_on_key_and_person() {
        let (a, b) = (Id::new(), Id::new());
        assert_eq!(sign(b"k", a), sign(b"k", a));
        assert_ne!(sign(b"k", a), sign(b"k", b));
        assert_ne!(sign(b"k", a), sign(b"other", a));
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"ab", b"abc"));
    }
}
