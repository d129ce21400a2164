//! Messages: body, client id and emoji rules.

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

/// Validates an emoji: one emoji grapheme (up to 8 code points, joiners and skin tones
/// included) or a `:short_code:` of a-z, 0-9, `_`, `+`, `-`.
pub fn parse_emoji(raw: &str) -> Result<String, &'static str> {
    let emoji = raw.trim();
    if let Some(code) = emoji.strip_prefix(':').and_then(|e| e.strip_suffix(':')) {
        let valid = (1..=32).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b));
        return if valid {
            Ok(emoji.to_owned())
        } else {
            Err("short codes are :a-z0-9_+-:")
        };
    }
    let chars: Vec<char> = emoji.chars().collect();
    if chars.is_empty() || chars.len() > 8 {
        return Err("must be a single emoji");
    }
    let first_is_pictographic = chars.first().is_some_and(|c| is_emoji_base(*c));
    let rest_ok = chars
        .iter()
        .skip(1)
        .all(|c| is_emoji_base(*c) || is_emoji_modifier(*c));
    if first_is_pictographic && rest_ok {
        Ok(emoji.to_owned())
    } else {
        Err("must be a single emoji")
    }
}

fn is_emoji_base(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF // pictographs, emoticons, transport, supplemental symbols
        | 0x2600..=0x27BF // misc symbols and dingbats
        | 0x2300..=0x23FF // misc technical (⌚ ⏰)
        | 0x2B00..=0x2BFF // arrows and stars (⭐)
        | 0x2190..=0x21FF // arrows
        | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
        | 0x0023 | 0x002A | 0x0030..=0x0039) // keycap bases
}

fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32,
        0x200D // zero-width joiner
        | 0xFE0F | 0xFE0E // variation selectors
        | 0x20E3 // combining keycap
        | 0x1F3FB..=0x1F3FF // skin tones
        | 0xE0020..=0xE007F) // tag characters (flags)
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
        for good in ["👍", "❤️", "👩‍💻", "👍🏽", ":tada:", "🇫🇷", "⭐"] {
            assert!(parse_emoji(good).is_ok(), "{good} refused");
        }
        for bad in [
            "",
            "a",
            "hello",
            "<script>",
            "👍👍👍👍👍👍👍👍👍",
            ":Bad Code:",
        ] {
            assert!(parse_emoji(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn client_ids() {
        assert!(parse_client_id("0b6a5f0e-9b1a-4c1e-8f5e-1d2c3b4a5f60").is_ok());
        assert!(parse_client_id("").is_err());
        assert!(parse_client_id("has space").is_err());
        assert!(parse_client_id(&"x".repeat(65)).is_err());
    }
}
