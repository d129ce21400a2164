//! Messages: body, client id and emoji rules.

use unicode_segmentation::UnicodeSegmentation;

/// Longest message body, in characters (after trimming).
pub const MAX_BODY_CHARS: usize = 5000;

/// Validates a message body: 1..=5000 characters after trimming; NUL is refused.
pub fn parse_body(raw: &str) -> Result<String, &'static str> {
    let body = raw.trim();
    if body.is_empty() {
        return Err("must not be empty");
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err("must be at most 5000 characters");
    }
    if body.contains('\0') {
        return Err("must not contain NUL characters");
    }
    Ok(body.to_owned())
}

/// Validates a client id: 1..=64 printable ASCII characters without spaces (UUIDs fit).
pub fn parse_client_id(raw: &str) -> Result<String, &'static str> {
    let valid = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(raw.to_owned())
    } else {
        Err("must be 1 to 64 printable ASCII characters")
    }
}

/// Validates a reaction and returns the form it is stored in: exactly one grapheme that the
/// `emojis` crate knows (skin tones, flags, keycaps and joined sequences included, stored
/// fully qualified so `❤` and `❤️` are one reaction), or a known `:shortcode:` (stored as its
/// emoji). Digits, `#`, arrows, letters, two emoji and empty strings are refused.
pub fn parse_emoji(raw: &str) -> Result<String, &'static str> {
    let emoji = raw.trim();
    if let Some(code) = emoji.strip_prefix(':').and_then(|e| e.strip_suffix(':')) {
        return emojis::get_by_shortcode(code)
            .map(|e| e.as_str().to_owned())
            .ok_or("is not a known emoji short code");
    }
    let mut graphemes = emoji.graphemes(true);
    match (graphemes.next(), graphemes.next()) {
        (Some(one), None) => emojis::get(one)
            .map(|e| e.as_str().to_owned())
            .ok_or("must be a single emoji"),
        _ => Err("must be a single emoji"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(parse_body("  hi  "), Ok("hi".into()));
        assert!(parse_body("   ").is_err());
        assert!(parse_body(&"x".repeat(5001)).is_err());
        assert!(parse_body(&"é".repeat(5000)).is_ok());
        assert!(parse_body("a\0b").is_err());
    }

    #[test]
    fn emojis() {
        for good in ["👍", "❤️", "👩‍💻", "👍🏽", "🇫🇷", "⭐", "1️⃣", "🏳️‍🌈", "👨‍👩‍👧‍👦", " 🎉 "]
        {
            assert!(parse_emoji(good).is_ok(), "{good} refused");
        }
        for bad in [
            "",
            " ",
            "1",
            "#",
            "→",
            "a",
            "hello",
            "<script>",
            "👍👍",
            "👍👍👍👍👍👍👍👍👍",
            ":Bad Code:",
            ":not_an_emoji_at_all:",
            "\u{200d}",
            "\u{1f3fd}",
        ] {
            assert!(parse_emoji(bad).is_err(), "{bad:?} accepted");
        }
        // Stored in one form: the short code and the text-style heart become the emoji.
        assert_eq!(parse_emoji(":tada:").as_deref(), Ok("🎉"));
        assert_eq!(parse_emoji("\u{2764}").as_deref(), Ok("❤️"));
        assert_eq!(parse_emoji("👍🏽").as_deref(), Ok("👍🏽"));
    }

    #[test]
    fn client_ids() {
        assert!(parse_client_id("0b6a5f0e-9b1a-4c1e-8f5e-1d2c3b4a5f60").is_ok());
        assert!(parse_client_id("").is_err());
        assert!(parse_client_id("has space").is_err());
        assert!(parse_client_id(&"x".repeat(65)).is_err());
    }
}
