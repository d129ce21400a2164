//! Validated domain types and the one access policy.
//!
//! Nothing here does I/O: the HTTP handlers, the socket handlers, search and export load the
//! facts they need and ask [`policy`] what the viewer may do.

pub mod id;
pub mod mention;
pub mod message;
pub mod notify;
pub mod policy;
pub mod preview;
pub mod profile;
pub mod quota;
pub mod room;
pub mod ticket;
pub mod user;

pub use id::Id;

/// Validates one line of text such as a title or a name: trimmed, required, at most `max`
/// characters (else the problem `too_long`), no control characters.
pub fn parse_line(raw: &str, max: usize, too_long: &'static str) -> Result<String, &'static str> {
    let line = raw.trim();
    if line.is_empty() {
        return Err("is required");
    }
    if line.chars().count() > max {
        return Err(too_long);
    }
    if line.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(line.to_owned())
}
