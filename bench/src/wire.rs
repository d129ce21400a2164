//! The fields of a `message:new` payload the generator needs, read without parsing the rest.
//!
//! Every delivery passes through here, so at a few hundred thousand deliveries a second a full
//! JSON parse of the message view (author, reactions, attachments …) was a quarter of the
//! generator's CPU, CPU the server under test then did not have. [`WireMessage::parse`] walks
//! the top-level object, skips the values it does not need without decoding them, and stops as
//! soon as it holds the four fields; anything unusual (an escape in a needed string, a
//! malformed value) falls back to `serde_json`, so the result is always what `serde_json`
//! would give.

use std::borrow::Cow;

use serde::Deserialize;

/// The fields of a message the generator needs (the rest of the payload is skipped).
#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WireMessage<'a> {
    /// Room.
    #[serde(borrow)]
    pub room_id: Cow<'a, str>,
    /// Seq in the room.
    pub seq: i64,
    /// Body (`null` once deleted).
    #[serde(borrow, default)]
    pub body: Option<Cow<'a, str>>,
    /// The sender's idempotency key.
    #[serde(borrow, default)]
    pub client_id: Option<Cow<'a, str>>,
}

impl<'a> WireMessage<'a> {
    /// The message in `json`, or `None` when it is not a message object.
    pub fn parse(json: &'a str) -> Option<Self> {
        Scanner::new(json)
            .message()
            .or_else(|| serde_json::from_str(json).ok())
    }
}

/// The messages of a `message:batch` payload (`{"roomId", "messages": [..]}`), each as its raw
/// JSON for [`WireMessage::parse`]; `None` when it is not a batch. The elements are found
/// without being decoded (as [`WireMessage::parse`] skips what it does not need), with
/// `serde_json` as the fallback.
pub fn batch_messages(json: &str) -> Option<Vec<&str>> {
    #[derive(Deserialize)]
    struct Batch<'a> {
        #[serde(borrow)]
        messages: Vec<&'a serde_json::value::RawValue>,
    }
    Scanner::new(json).batch().or_else(|| {
        let batch: Batch<'_> = serde_json::from_str(json).ok()?;
        Some(batch.messages.into_iter().map(|m| m.get()).collect())
    })
}

/// A cursor over the top-level object of a payload. Every method returns `None` where the
/// fast path gives up (the caller then asks `serde_json`).
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, at: 0 }
    }

    fn message(mut self) -> Option<WireMessage<'a>> {
        let (mut room_id, mut seq, mut body, mut client_id) = (None, None, None, None);
        self.expect(b'{')?;
        if self.peek()? == b'}' {
            return None;
        }
        loop {
            let key = self.plain_string()?;
            self.expect(b':')?;
            match key {
                "roomId" => room_id = Some(self.plain_string()?),
                "seq" => seq = Some(self.integer()?),
                "clientId" => client_id = Some(self.nullable_string()?),
                "body" => body = Some(self.nullable_string()?),
                _ => self.skip_value()?,
            }
            if let (Some(room_id), Some(seq), Some(body), Some(client_id)) =
                (room_id, seq, body, client_id)
            {
                // The rest of the object is not needed.
                return Some(WireMessage {
                    room_id: Cow::Borrowed(room_id),
                    seq,
                    body: body.map(Cow::Borrowed),
                    client_id: client_id.map(Cow::Borrowed),
                });
            }
            match self.next()? {
                b',' => {}
                b'}' => break,
                _ => return None,
            }
        }
        // The object ended without one of the optional fields.
        Some(WireMessage {
            room_id: Cow::Borrowed(room_id?),
            seq: seq?,
            body: body.flatten().map(Cow::Borrowed),
            client_id: client_id.flatten().map(Cow::Borrowed),
        })
    }

    fn batch(mut self) -> Option<Vec<&'a str>> {
        self.expect(b'{')?;
        let mut messages = None;
        loop {
            let key = self.plain_string()?;
            self.expect(b':')?;
            if key == "messages" {
                messages = Some(self.array_elements()?);
            } else {
                self.skip_value()?;
            }
            match self.next()? {
                b',' => {}
                b'}' => return messages,
                _ => return None,
            }
        }
    }

    /// The elements of an array (its `[` is next), each as its raw text.
    fn array_elements(&mut self) -> Option<Vec<&'a str>> {
        self.expect(b'[')?;
        let mut elements = Vec::new();
        if self.peek()? == b']' {
            self.at += 1;
            return Some(elements);
        }
        loop {
            self.peek()?;
            let start = self.at;
            self.skip_value()?;
            elements.push(self.text.get(start..self.at)?);
            match self.next()? {
                b',' => {}
                b']' => return Some(elements),
                _ => return None,
            }
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes().get(self.at) {
            if !b.is_ascii_whitespace() {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// The next byte that is not whitespace, consumed.
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// A string without escapes, borrowed. (Control characters are not looked for: the fast
    /// path reads what the server wrote, and `serde_json` escapes them.)
    fn plain_string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let len = memchr::memchr2(b'"', b'\\', &self.bytes()[start..])?;
        if self.bytes()[start + len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        self.text.get(start..start + len)
    }

    /// `null`, or a string without escapes.
    fn nullable_string(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'n' {
            self.literal("null")?;
            return Some(None);
        }
        self.plain_string().map(Some)
    }

    /// An integer that fits an `i64`.
    fn integer(&mut self) -> Option<i64> {
        self.peek()?;
        let start = self.at;
        let negative = usize::from(self.bytes().get(start) == Some(&b'-'));
        let digits = self.bytes()[start + negative..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        // A fraction or an exponent is not an integer: serde_json refuses it too.
        if matches!(
            self.bytes().get(start + negative + digits),
            Some(b'.' | b'e' | b'E')
        ) {
            return None;
        }
        self.at = start + negative + digits;
        self.text.get(start..self.at)?.parse().ok()
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.peek()?;
        let end = self.at + word.len();
        (self.text.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// Skips one value of any kind, nested ones included, without decoding it.
    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => self.skip_nested(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.skip_number(),
        }
    }

    /// Skips a string, escapes included (the opening quote is next).
    fn skip_string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            let len = memchr::memchr2(b'"', b'\\', self.bytes().get(self.at..)?)?;
            self.at += len + 1;
            if self.bytes()[self.at - 1] == b'"' {
                return Some(());
            }
            // A backslash: the next byte is escaped (a `\uXXXX` has no quote in it).
            self.at += 1;
        }
    }

    /// Skips an object or an array: counts its kind of bracket outside strings (in valid JSON
    /// the other kind nests evenly inside it).
    fn skip_nested(&mut self) -> Option<()> {
        let open = self.bytes()[self.at];
        let close = if open == b'{' { b'}' } else { b']' };
        let mut depth = 0usize;
        loop {
            let len = memchr::memchr3(b'"', open, close, self.bytes().get(self.at..)?)?;
            self.at += len;
            match self.bytes()[self.at] {
                b'"' => {
                    self.skip_string()?;
                    continue;
                }
                b if b == open => depth += 1,
                _ => {
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        return Some(());
                    }
                }
            }
            self.at += 1;
        }
    }

    fn skip_number(&mut self) -> Option<()> {
        let len = self.bytes()[self.at..]
            .iter()
            .take_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        (len > 0).then(|| self.at += len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the server sends (`MessageView`), with the fields the generator skips around the
    /// ones it reads.
    const VIEW: &str = r#"{"id":"0193a1b2-0000-7000-8000-000000000001","roomId":"0193a1b2-0000-7000-8000-0000000000aa","seq":42,"clientId":"0193a1b2-0000-7000-8000-0000000000cc","author":{"id":"u1","name":"Ada \"the\" {Bench}","role":"staff","avatarUrl":null},"body":"b123456 xxxx","parentId":null,"replyCount":0,"reactions":[{"emoji":"👍","count":2,"me":false}],"mentions":[],"createdAt":"2026-12-06T07:00:00Z","editedAt":null,"deletedAt":null,"pinned":false,"preview":null,"attachments":[]}"#;

    fn serde(json: &str) -> Option<WireMessage<'_>> {
        serde_json::from_str(json).ok()
    }

    fn fast(json: &str) -> Option<WireMessage<'_>> {
        Scanner::new(json).message()
    }

    #[test]
    fn reads_the_server_view_without_serde() {
        let message = fast(VIEW);
        assert_eq!(message, serde(VIEW));
        assert!(message.is_some_and(|m| m.seq == 42
            && m.room_id == "0193a1b2-0000-7000-8000-0000000000aa"
            && m.body.as_deref() == Some("b123456 xxxx")
            && m.client_id.as_deref() == Some("0193a1b2-0000-7000-8000-0000000000cc")));
    }

    #[test]
    fn agrees_with_serde_on_other_shapes() {
        let cases = [
            // Nested values that hold the same keys come first, spaced out.
            r#"{ "author" : {"seq": 9, "roomId": "x", "body": "y"}, "tags": [1, [2, {"a": "]}"}]],
                 "roomId" : "r", "seq" : -3, "body" : null, "clientId" : "c" }"#,
            // Optional fields missing; literals and numbers skipped.
            r#"{"ok":true,"n":1.5e3,"roomId":"r","seq":7,"gone":false,"x":null}"#,
            // A deleted message, then fields after the four.
            r#"{"roomId":"r","seq":1,"clientId":"c","body":null,"pinned":true}"#,
            // An escaped body: the fast path gives up, serde decodes it.
            r#"{"roomId":"r","seq":2,"clientId":"c","body":"a \"quoted\" \u00e9"}"#,
            // Not messages.
            r#"{"roomId":"r"}"#,
            r#"{"roomId":"r","seq":"7"}"#,
            r#"{"roomId":"r","seq":1.5}"#,
            r#"{}"#,
            r#"[1,2]"#,
            "null",
            "",
            r#"{"roomId":"r","seq":3"#,
        ];
        for json in cases {
            assert_eq!(WireMessage::parse(json), serde(json), "{json}");
        }
        // The escaped body is left to serde; the rest is read by the fast path.
        assert_eq!(fast(cases[3]), None);
        assert!(fast(cases[0]).is_some_and(|m| m.seq == -3 && m.room_id == "r"));
        assert!(fast(cases[1]).is_some_and(|m| m.seq == 7 && m.body.is_none()));
    }

    #[test]
    fn splits_a_batch_as_serde_does() {
        fn serde_batch(json: &str) -> Option<Vec<String>> {
            let value: serde_json::Value = serde_json::from_str(json).ok()?;
            let messages = value.get("messages")?.as_array()?;
            Some(messages.iter().map(|m| m.to_string()).collect())
        }
        fn reparsed(json: &str) -> Option<Vec<String>> {
            let elements = batch_messages(json)?;
            let values: Option<Vec<serde_json::Value>> = elements
                .iter()
                .map(|e| serde_json::from_str(e).ok())
                .collect();
            Some(values?.iter().map(|v| v.to_string()).collect())
        }
        let server = format!(r#"{{"roomId":"r","messages":[{VIEW},{VIEW}]}}"#);
        let cases = [
            server.as_str(),
            r#"{ "messages" : [ {"a": "]", "b": [1, {"c": "}"}]} , 2, "x\"]" ] , "roomId": "r" }"#,
            r#"{"roomId":"r","messages":[]}"#,
            r#"{"roomId":"r"}"#,
            r#"{"messages":{"a":1}}"#,
            r#"[1,2]"#,
            r#"{"messages":[1,2"#,
            "",
        ];
        for json in cases {
            assert_eq!(reparsed(json), serde_batch(json), "{json}");
        }
        assert_eq!(batch_messages(cases[1]).map(|m| m.len()), Some(3));
        // The server's shape is split by the scanner, each element whole.
        assert_eq!(Scanner::new(&server).batch(), Some(vec![VIEW, VIEW]));
    }
}
