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
}
