//! The slice of Engine.IO v4 / Socket.IO v5 (the "socket.io 4" wire format) that the load
//! generator speaks: websocket transport only, namespace `/`, text packets only.
//!
//! Engine.IO packet = one type digit + data: `0` open, `1` close, `2` ping, `3` pong,
//! `4` message, `6` noop. A `4` carries a Socket.IO packet: one type digit (`0` connect,
//! `1` disconnect, `2` event, `3` ack, `4` connect error), an optional ack id, then JSON.

/// A decoded frame from the server.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    /// Engine.IO handshake (`0{...}`); the JSON is not needed.
    Open,
    /// Engine.IO ping: answer with [`PONG`].
    Ping,
    /// Engine.IO close.
    Close,
    /// Socket.IO connect accepted (`40{"sid":..}`).
    Connected,
    /// Socket.IO connect refused (`44{"message":..}`): the JSON error object.
    ConnectError(&'a str),
    /// Socket.IO disconnect from the server (`41`).
    Disconnect,
    /// `42[<id>]["event",payload]`: the event name, its (single) payload as raw JSON, and the
    /// ack id when the server waits for an ack.
    Event {
        /// Event name.
        name: &'a str,
        /// The first argument as raw JSON (`null` when absent).
        payload: &'a str,
        /// Ack id, when the server emitted with an ack.
        ack: Option<u64>,
    },
    /// `43<id>[payload]`: the answer to one of our emits, the first argument as raw JSON.
    Ack {
        /// Our ack id.
        id: u64,
        /// The first argument as raw JSON.
        payload: &'a str,
    },
    /// Anything else (noop, binary, unknown): ignored.
    Other,
}

/// The Engine.IO pong.
pub const PONG: &str = "3";

/// The path of a websocket-only Engine.IO v4 session.
pub const WS_PATH: &str = "/socket.io/?EIO=4&transport=websocket";

/// Decodes one text frame.
pub fn decode(frame: &str) -> Incoming<'_> {
    let bytes = frame.as_bytes();
    match bytes.first() {
        Some(b'0') => Incoming::Open,
        Some(b'1') => Incoming::Close,
        Some(b'2') => Incoming::Ping,
        Some(b'4') => decode_socketio(&frame[1..]),
        _ => Incoming::Other,
    }
}

fn decode_socketio(packet: &str) -> Incoming<'_> {
    let Some(kind) = packet.as_bytes().first() else {
        return Incoming::Other;
    };
    let rest = &packet[1..];
    // Our namespace is `/`, which is never written out; another namespace starts with `/`.
    if rest.starts_with('/') {
        return Incoming::Other;
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let id = rest[..digits].parse::<u64>().ok();
    let json = &rest[digits..];
    match kind {
        b'0' => Incoming::Connected,
        b'1' => Incoming::Disconnect,
        b'4' => Incoming::ConnectError(json),
        b'2' => match split_event(json) {
            Some((name, payload)) => Incoming::Event {
                name,
                payload,
                ack: id,
            },
            None => Incoming::Other,
        },
        b'3' => match (id, first_arg(json)) {
            (Some(id), Some(payload)) => Incoming::Ack { id, payload },
            _ => Incoming::Other,
        },
        _ => Incoming::Other,
    }
}

/// Splits `["name",payload]` without parsing the payload (event names carry no escapes here).
fn split_event(json: &str) -> Option<(&str, &str)> {
    let inner = json.strip_prefix("[\"")?.strip_suffix(']')?;
    let end = inner.find('"')?;
    let name = &inner[..end];
    let payload = inner[end + 1..].strip_prefix(',').unwrap_or("null");
    Some((name, payload))
}

/// The first element of a JSON array, raw (acks carry exactly one argument here).
fn first_arg(json: &str) -> Option<&str> {
    let inner = json.strip_prefix('[')?.strip_suffix(']')?;
    Some(if inner.is_empty() { "null" } else { inner })
}

/// A new send's idempotency key, time-ordered like the web client's (UUIDv7): a sender's keys
/// land next to each other in the server's `(author, clientId)` index instead of all over it.
pub fn client_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// `40{auth}`: connect to `/` with an auth object.
pub fn connect(auth_json: &str) -> String {
    format!("40{auth_json}")
}

/// `42<id>["event",payload]` (or `42["event",payload]` without an ack id).
pub fn event(name: &str, payload_json: &str, ack: Option<u64>) -> String {
    match ack {
        Some(id) => format!("42{id}[\"{name}\",{payload_json}]"),
        None => format!("42[\"{name}\",{payload_json}]"),
    }
}

/// `43<id>[payload]`: our answer to a server emit-with-ack.
pub fn ack(id: u64, payload_json: &str) -> String {
    format!("43{id}[{payload_json}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_engine_packets() {
        assert_eq!(decode("0{\"sid\":\"x\"}"), Incoming::Open);
        assert_eq!(decode("2"), Incoming::Ping);
        assert_eq!(decode("40{\"sid\":\"abc\"}"), Incoming::Connected);
        assert_eq!(
            decode("44{\"message\":\"UNAUTHENTICATED\"}"),
            Incoming::ConnectError("{\"message\":\"UNAUTHENTICATED\"}")
        );
        assert_eq!(decode("41"), Incoming::Disconnect);
    }

    #[test]
    fn decodes_events_with_and_without_ack() {
        assert_eq!(
            decode("4217[\"message:new\",{\"seq\":1}]"),
            Incoming::Event {
                name: "message:new",
                payload: "{\"seq\":1}",
                ack: Some(17)
            }
        );
        assert_eq!(
            decode("42[\"presence\",{\"online\":true}]"),
            Incoming::Event {
                name: "presence",
                payload: "{\"online\":true}",
                ack: None
            }
        );
        assert_eq!(
            decode("42[\"ping\"]"),
            Incoming::Event {
                name: "ping",
                payload: "null",
                ack: None
            }
        );
    }

    #[test]
    fn decodes_acks() {
        assert_eq!(
            decode("433[{\"ok\":true}]"),
            Incoming::Ack {
                id: 3,
                payload: "{\"ok\":true}"
            }
        );
    }

    #[test]
    fn encodes() {
        assert_eq!(connect("{\"token\":\"t\"}"), "40{\"token\":\"t\"}");
        assert_eq!(event("sync", "{}", Some(4)), "424[\"sync\",{}]");
        assert_eq!(ack(9, "{\"seq\":2}"), "439[{\"seq\":2}]");
    }
}
