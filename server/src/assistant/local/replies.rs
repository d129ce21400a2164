//! Suggested replies: templates per topic and conversation state, personalised with the
//! customer's first name and the subject, with an apology first when it is due.

use super::categories::Topic;
use super::text::truncate;
use super::{Escalation, Facts, MAX_SUGGESTION_CHARS, MAX_SUGGESTIONS, MIN_SUGGESTIONS};

/// Longest subject quoted in a reply, in characters.
const MAX_SUBJECT_CHARS: usize = 80;

/// Replies for a ticket that has been solved.
const RESOLVED: [&str; 4] = [
    "Glad we could sort out {subject}. If anything else comes up, just reply here and the \
     ticket will reopen.",
    "Thanks for confirming! I'll keep this ticket marked as resolved. Have a great day.",
    "Is there anything else I can help you with?",
    "We'd love to hear how we did: any feedback on how we handled {subject} is welcome.",
];

/// Extra reply once the ticket is escalated; `{department}` names the team.
const ESCALATED: &str = "I've passed {subject} to our {department} team as a priority, and \
                         they will follow up here directly.";
/// Extra reply for a first response.
const FIRST_EXTRA: &str = "I'm looking into {subject} now and will update you here as soon \
                           as I know more.";
/// Extra first reply for a feature request, where "looking into it" would overpromise.
const FEATURE_EXTRA: &str = "Thanks again for taking the time to share this. Is there anything \
                             else you'd like to see in the product?";
/// Extra reply for a follow-up.
const FOLLOW_UP_EXTRA: &str = "Is there anything else I can help you with in the meantime?";

/// First replies for a topic.
fn first_reply(topic: Topic) -> [&'static str; 3] {
    match topic {
        Topic::Billing => [
            "Thanks for reaching out about {subject}. I'm checking your billing records now \
             and will get back to you shortly.",
            "Could you confirm the invoice number, or the date and amount of the charge, so I \
             can find the right record?",
            "If a charge was made in error, we'll refund it to the original payment method; \
             refunds usually appear within 5 to 10 business days.",
        ],
        Topic::Account => [
            "Sorry you're having trouble signing in. Could you try the \"Forgot password\" \
             link on the login page and let me know whether the reset email arrives?",
            "I can help with {subject}. To confirm it's you, please reply from the email \
             address on the account and tell me roughly when you last signed in.",
            "If the account is locked after too many attempts, the lock clears after a short \
             while. If you lost your two-factor device, I can walk you through recovery.",
        ],
        Topic::Technical => [
            "Thanks for reporting {subject}. Could you share the exact error message, the \
             steps that lead to it, and your browser or app version?",
            "Sorry about the trouble. I'm trying to reproduce this on our side: does it happen \
             every time, or only sometimes?",
            "A screenshot, or the time it last happened, would help our engineers find this in \
             the logs. Could you send one?",
        ],
        Topic::Security => [
            "Thank you for reporting this. We take security reports seriously, and our \
             engineering team is looking into it now.",
            "As a precaution, please change your password right away and turn on two-factor \
             authentication. Never share passwords or codes with anyone, including us.",
            "Could you tell us when you first noticed this and forward any suspicious emails \
             or links you received? Please don't click them again.",
        ],
        Topic::Outage => [
            "Thanks for letting us know. I've alerted our engineers and they are investigating \
             {subject} now. I'll update you as soon as service is back.",
            "Sorry for the disruption. Could you tell us which pages or features are \
             unavailable for you, and since when, so we can confirm the scope?",
            "Our engineering team is working on this. I'll post updates here until it is fully \
             resolved.",
        ],
        Topic::FeatureRequest => [
            "Thanks for the suggestion! I've shared {subject} with our product team.",
            "That's a great idea. Could you tell me a bit more about how you would use it, so \
             the product team understands the need?",
            "Thanks for the feedback. I can't promise a date, but requests like this shape our \
             roadmap, and I'll let you know if it gets planned.",
        ],
        Topic::General => [
            "Thanks for contacting us about {subject}. I'm looking into it and will get back \
             to you shortly.",
            "Happy to help. Could you share a few more details so I'm sure I understand what \
             you need?",
            "Thanks for reaching out. Could you tell me a little more about what you were \
             trying to do?",
        ],
    }
}

/// Follow-up replies for a topic.
fn follow_up(topic: Topic) -> [&'static str; 3] {
    match topic {
        Topic::Billing => [
            "A quick update on {subject}: I've passed the details to our billing team and will \
             confirm here as soon as the adjustment is processed.",
            "Once the refund is issued it usually appears on your statement within 5 to 10 \
             business days. I'll send you the confirmation when it goes through.",
            "Thanks for the extra details. Is there anything else on your invoice or \
             subscription you'd like me to check?",
        ],
        Topic::Account => [
            "Following up on {subject}: were you able to sign in after the reset?",
            "I've checked the account settings on our side. Could you try again in a private \
             browser window and tell me the exact message you see?",
            "If the reset email still hasn't arrived, please check your spam folder. I can \
             also send it to a different address once we've verified the account.",
        ],
        Topic::Technical => [
            "An update on {subject}: our engineers are working on the problem, and I'll let \
             you know as soon as a fix is available.",
            "Could you check whether this still happens after refreshing, clearing your cache \
             or updating to the latest version?",
            "Thanks for the details you sent; they helped us narrow it down. I'll follow up \
             here as soon as I have news.",
        ],
        Topic::Security => [
            "An update on {subject}: our security team is still investigating and will share \
             what they find as soon as possible.",
            "We're reviewing recent activity on your account. Please tell us right away if \
             you notice anything else unusual.",
            "If you haven't already, please change your password and turn on two-factor \
             authentication while we finish the investigation.",
        ],
        Topic::Outage => [
            "An update on {subject}: service should be back to normal. Could you check \
             whether everything works for you now?",
            "Our engineers are still working on the outage. I'll post another update here \
             within the hour.",
            "Thanks for bearing with us. Once everything is stable, we'll share what happened \
             and what we're doing to prevent it.",
        ],
        Topic::FeatureRequest => [
            "A quick update: the product team has reviewed your request for {subject} and \
             added it to the list we consider for upcoming releases.",
            "Thanks for the extra context! It helps the product team weigh the request.",
            "Until it's built in, I'm happy to suggest a workaround for your current setup if \
             that would help.",
        ],
        Topic::General => [
            "Following up on {subject}: did the information above answer your question?",
            "Thanks for the extra details. I'm checking with the team and will get back to you \
             shortly.",
            "Just checking in: is this still something you need help with?",
        ],
    }
}

/// Three to five distinct replies for the ticket's state.
pub(super) fn suggest(facts: &Facts<'_>, escalation: &Escalation) -> Vec<String> {
    let resolved = facts.is_closed();
    let first = !facts.thread.has_staff_reply();
    let mut bodies: Vec<&str> = if resolved {
        RESOLVED.to_vec()
    } else if first {
        first_reply(facts.topics.topic).to_vec()
    } else {
        follow_up(facts.topics.topic).to_vec()
    };
    if !resolved && escalation.escalate {
        bodies.push(ESCALATED);
    }
    if !resolved {
        bodies.push(match (first, facts.topics.topic) {
            (true, Topic::FeatureRequest) => FEATURE_EXTRA,
            (true, _) => FIRST_EXTRA,
            (false, _) => FOLLOW_UP_EXTRA,
        });
    }
    let apology = if resolved { None } else { apology(facts) };
    let fill = Fill {
        name: facts.thread.customer_first_name().unwrap_or("there"),
        subject: subject_ref(&facts.ctx.subject),
        department: escalation.department.as_deref().unwrap_or("specialist"),
    };
    let replies = bodies.into_iter().enumerate().map(|(index, body)| {
        let opener = apology.map(|(full, short)| if index == 0 { full } else { short });
        fill.reply(opener, body)
    });
    distinct(replies, &fill)
}

/// The apology that goes first, for anger, a long wait or both: a full one for the first
/// reply and a short one for the others.
fn apology(facts: &Facts<'_>) -> Option<(&'static str, &'static str)> {
    match (facts.tone.angry, facts.waited_past_limit()) {
        (true, true) => Some((
            "I'm very sorry for the long wait and for the trouble this has caused.",
            "Sorry again for the wait and the trouble.",
        )),
        (true, false) => Some((
            "I'm really sorry for the trouble this has caused, and I understand how \
             frustrating it is.",
            "I'm sorry for the trouble.",
        )),
        (false, true) => Some((
            "I'm sorry for the long wait, and thank you for your patience.",
            "Sorry for the wait.",
        )),
        (false, false) => None,
    }
}

/// How a reply refers to the ticket: its quoted subject, or "your request".
fn subject_ref(subject: &str) -> String {
    let subject = subject.trim();
    if subject.is_empty() {
        "your request".to_owned()
    } else {
        format!("\"{}\"", truncate(subject, MAX_SUBJECT_CHARS))
    }
}

/// The values templates are filled with.
#[derive(Debug)]
struct Fill<'a> {
    name: &'a str,
    subject: String,
    department: &'a str,
}

impl Fill<'_> {
    /// Greeting, optional apology, then the filled-in body, within the length limit.
    fn reply(&self, opener: Option<&str>, body: &str) -> String {
        let body = body
            .replace("{subject}", &self.subject)
            .replace("{department}", self.department);
        let text = match opener {
            Some(opener) => format!("Hi {}, {opener} {body}", self.name),
            None => format!("Hi {}, {}", self.name, lower_first(&body)),
        };
        truncate(&text, MAX_SUGGESTION_CHARS)
    }
}

/// Lower-cases the first letter, unless it starts the word "I".
fn lower_first(body: &str) -> String {
    let keep = body.starts_with("I ") || body.starts_with("I'");
    let mut chars = body.chars();
    match chars.next() {
        Some(first) if !keep => first.to_lowercase().chain(chars).collect(),
        _ => body.to_owned(),
    }
}

/// Keeps the first of any repeated replies and caps the list at five; tops it up to three
/// with generic replies should repeats leave fewer.
fn distinct(replies: impl Iterator<Item = String>, fill: &Fill<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(MAX_SUGGESTIONS);
    for reply in replies {
        push_distinct(&mut out, reply);
    }
    let spare = [FOLLOW_UP_EXTRA, FIRST_EXTRA, RESOLVED[2], RESOLVED[1]];
    for body in spare {
        if out.len() >= MIN_SUGGESTIONS {
            break;
        }
        push_distinct(&mut out, fill.reply(None, body));
    }
    out
}

/// Appends `reply` unless it is blank, repeats one already there, or the list is full.
fn push_distinct(out: &mut Vec<String>, reply: String) {
    let key = reply.trim().to_lowercase();
    let repeated = out.iter().any(|r| r.trim().to_lowercase() == key);
    if !repeated && !reply.trim().is_empty() && out.len() < MAX_SUGGESTIONS {
        out.push(reply);
    }
}
