//! The messages Switchboard sends, each as plain text and HTML. Every value that comes from a
//! user (names, subjects) is escaped in the HTML part; links are built from `PUBLIC_URL` and a
//! URL-safe token only.

use super::Mail;
use crate::views::markup::escape;

/// Who a message goes to.
pub struct Recipient<'a> {
    /// Address.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
}

/// "Confirm your address" after self-registration.
pub fn verify_email(to: &Recipient<'_>, link: &str, valid_hours: i64) -> Mail {
    render(
        to,
        "Confirm your e-mail address",
        &[
            "Someone (we hope you) created a Switchboard account with this address.".to_owned(),
            format!(
                "Confirm the address to start using the account. The link works for {valid_hours} hours."
            ),
        ],
        ("Confirm my address", link),
        "If you did not create this account, ignore this message: nothing happens without the link.",
    )
}

/// A password reset, asked for by the user or by an admin.
pub fn password_reset(to: &Recipient<'_>, link: &str, valid_minutes: i64, by_admin: bool) -> Mail {
    let why = if by_admin {
        "An administrator asked for a password reset for your Switchboard account."
    } else {
        "Someone asked to reset the password of your Switchboard account."
    };
    render(
        to,
        "Reset your password",
        &[
            why.to_owned(),
            format!(
                "Choose a new password with the link below. It works once, for {valid_minutes} minutes, \
                 and signs out every other session."
            ),
        ],
        ("Choose a new password", link),
        "If you did not ask for this, ignore this message: your password stays as it is.",
    )
}

/// An invitation made by an admin.
pub fn invite(to: &Recipient<'_>, inviter: &str, link: &str, valid_days: i64) -> Mail {
    render(
        to,
        "You are invited to Switchboard",
        &[
            format!("{inviter} invited you to your team's Switchboard."),
            format!("Choose your password to join. The invitation works for {valid_days} days."),
        ],
        ("Accept the invitation", link),
        "If you do not know why you got this, ignore it: no account is usable without the link.",
    )
}

/// The link to follow a ticket opened with this address.
pub fn ticket_follow(
    to: &Recipient<'_>,
    subject: &str,
    link: &str,
    valid_days: i64,
    unverified: bool,
) -> Mail {
    let opening = if unverified {
        format!(
            "A support request \u{201c}{subject}\u{201d} was sent with your e-mail address. If it was you, \
             open it with the link below to read the answers and reply."
        )
    } else {
        format!("Your support request \u{201c}{subject}\u{201d} is open. Follow it and reply here.")
    };
    render(
        to,
        &format!("Your support request: {}", one_line(subject)),
        &[
            opening,
            format!("The link works for {valid_days} days; each message we send has a fresh one."),
        ],
        ("Open my request", link),
        "If you did not send this request, ignore this message: nobody sees your requests without the link.",
    )
}

/// One message in a notification digest.
pub struct DigestItem {
    /// From a direct conversation (else a mention in a room).
    pub dm: bool,
    /// The room's title (DMs: "direct message").
    pub room: String,
    /// Who wrote it.
    pub author: String,
    /// The start of the message (`None` once deleted).
    pub excerpt: Option<String>,
    /// The web client's address of the message.
    pub link: String,
}

/// Characters of a message quoted in a digest.
const EXCERPT_CHARS: usize = 200;

/// Mentions and DMs left unread, in one message, with the one-click unsubscribe link.
pub fn notification_digest(
    to: &Recipient<'_>,
    items: &[DigestItem],
    preferences_link: &str,
    unsubscribe_link: &str,
) -> Mail {
    let subject = match items {
        [one] if one.dm => format!("New direct message from {}", one.author),
        [one] => format!("{} mentioned you in {}", one.author, one.room),
        many => format!("{} unread mentions and direct messages", many.len()),
    };
    let mut text = format!(
        "Hello {},\n\nYou have unread messages in Switchboard:\n\n",
        to.name
    );
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
         <p>Hello {},</p><p>You have unread messages in Switchboard:</p><ul>",
        escape(to.name)
    );
    for item in items {
        let place = if item.dm {
            format!("{} (direct message)", item.author)
        } else {
            format!("{} in {}", item.author, item.room)
        };
        let quote = item
            .excerpt
            .as_deref()
            .map_or_else(|| "(deleted)".to_owned(), excerpt);
        text.push_str(&format!("* {place}:\n  {quote}\n  {}\n\n", item.link));
        html.push_str(&format!(
            "<li style=\"margin-bottom:12px\"><strong>{}</strong><br>{}<br>\
             <a href=\"{href}\">Open the message</a></li>",
            escape(&place),
            escape(&quote),
            href = escape(&item.link),
        ));
    }
    let footer = "You get this e-mail because these messages stayed unread. Change when and \
                  whether you get e-mail in your notification preferences";
    text.push_str(&format!(
        "{footer}: {preferences_link}\n\nStop these e-mails: {unsubscribe_link}\n\n-- \nSwitchboard\n"
    ));
    html.push_str(&format!(
        "</ul><p style=\"color:#555;font-size:90%\">{footer}: <a href=\"{prefs}\">{prefs}</a>.</p>\
         <p style=\"color:#555;font-size:90%\"><a href=\"{unsub}\">Stop these e-mails</a></p>\
         </body></html>",
        footer = escape(footer),
        prefs = escape(preferences_link),
        unsub = escape(unsubscribe_link),
    ));
    Mail {
        to: to.email.to_owned(),
        to_name: Some(one_line(to.name)),
        subject: one_line(&subject),
        text,
        html,
        list_unsubscribe: Some(unsubscribe_link.to_owned()),
    }
}

/// A message's start on one line.
fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > EXCERPT_CHARS {
        let cut: String = flat.chars().take(EXCERPT_CHARS).collect();
        format!("{cut}\u{2026}")
    } else {
        flat
    }
}

/// A subject line may not carry line breaks (they would start new headers).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(120)
        .collect()
}

fn render(
    to: &Recipient<'_>,
    subject: &str,
    paragraphs: &[String],
    (action, link): (&str, &str),
    footer: &str,
) -> Mail {
    let mut text = format!("Hello {},\n\n", to.name);
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
         <p>Hello {},</p>",
        escape(to.name)
    );
    for paragraph in paragraphs {
        text.push_str(paragraph);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape(paragraph)));
    }
    text.push_str(&format!(
        "{action}:\n{link}\n\n{footer}\n\n-- \nSwitchboard\n"
    ));
    html.push_str(&format!(
        "<p><a href=\"{href}\" style=\"display:inline-block;padding:8px 16px;background:#2457d6;\
         color:#fff;border-radius:6px;text-decoration:none\">{action}</a></p>\
         <p style=\"color:#555;font-size:90%\">Or paste this address into your browser: {href}</p>\
         <p style=\"color:#555;font-size:90%\">{footer}</p></body></html>",
        href = escape(link),
        action = escape(action),
        footer = escape(footer),
    ));
    Mail {
        to: to.email.to_owned(),
        to_name: Some(one_line(to.name)),
        subject: one_line(subject),
        text,
        html,
        list_unsubscribe: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_and_subjects_stay_on_one_line() {
        let to = Recipient {
            email: "eve@example.com",
            name: "<script>alert(1)</script>",
        };
        let mail = ticket_follow(
            &to,
            "Help\r\nBcc: everyone@example.com",
            "https://chat.example.com/support/follow?token=abc",
            7,
            true,
        );
        assert!(!mail.html.contains("<script>"));
        assert!(mail.html.contains("&lt;script&gt;"));
        assert!(!mail.subject.contains('\n') && !mail.subject.contains('\r'));
        assert!(
            mail.text
                .contains("https://chat.example.com/support/follow?token=abc")
        );
    }

    #[test]
    fn a_digest_escapes_what_people_wrote() {
        let to = Recipient {
            email: "ann@example.com",
            name: "Ann",
        };
        let item = DigestItem {
            dm: false,
            room: "<b>ops</b>".into(),
            author: "Bob\r\nBcc: x@example.com".into(),
            excerpt: Some("<img src=x onerror=alert(1)>".into()),
            link: "https://chat.example.com/rooms/1?seq=2&x=\"y".into(),
        };
        let mail = notification_digest(&to, &[item], "https://p", "https://u?token=t");
        assert!(!mail.html.contains("<img") && !mail.html.contains("<b>ops"));
        assert!(mail.html.contains("&quot;y"));
        assert!(!mail.subject.contains('\n') && !mail.subject.contains('\r'));
        assert_eq!(mail.list_unsubscribe.as_deref(), Some("https://u?token=t"));
    }
}
