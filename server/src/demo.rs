//! Demo data for `serve --demo`: a small company with staff in several departments, customers,
//! an observer, public, department, private and direct conversations, threads and reactions,
//! spread over the last two weeks. Seeded only into an empty database.

use chrono::Duration;

use crate::{
    domain::ticket::{Priority, TicketStatus},
    domain::{
        Id,
        room::{RoomKind, RoomRole},
        user::Role,
    },
    service::Ctx,
    service::{
        Actor,
        auth::{NewAccount, create_user},
        messages, tickets,
    },
    state::DemoAccount,
    store::{InsertOutcome, NewMessage, NewRoom, UserRow},
};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "switchboard-demo";

/// (e-mail, name, role, department) of the demo accounts.
const PEOPLE: &[(&str, &str, Role, Option<&str>)] = &[
    (
        "ada@demo.switchboard.chat",
        "Ada Lovelace",
        Role::Admin,
        None,
    ),
    (
        "grace@demo.switchboard.chat",
        "Grace Hopper",
        Role::Staff,
        Some("engineering"),
    ),
    (
        "linus@demo.switchboard.chat",
        "Linus Park",
        Role::Staff,
        Some("engineering"),
    ),
    (
        "margaret@demo.switchboard.chat",
        "Margaret Hamilton",
        Role::Staff,
        Some("engineering"),
    ),
    (
        "barbara@demo.switchboard.chat",
        "Barbara Liskov",
        Role::Staff,
        Some("billing"),
    ),
    (
        "ken@demo.switchboard.chat",
        "Ken Okafor",
        Role::Staff,
        Some("billing"),
    ),
    (
        "sam@demo.switchboard.chat",
        "Sam Rivera",
        Role::Staff,
        Some("support"),
    ),
    (
        "priya@demo.switchboard.chat",
        "Priya Natarajan",
        Role::Staff,
        Some("support"),
    ),
    (
        "tom@demo.switchboard.chat",
        "Tom Becker",
        Role::Staff,
        Some("support"),
    ),
    (
        "pat@demo.switchboard.chat",
        "Pat Morgan",
        Role::Staff,
        Some("product"),
    ),
    (
        "olivia@demo.switchboard.chat",
        "Olivia Observer",
        Role::Observer,
        Some("support"),
    ),
    (
        "carl@customer.example",
        "Carl Customer",
        Role::Customer,
        None,
    ),
    ("cora@customer.example", "Cora Chen", Role::Customer, None),
    (
        "dmitri@customer.example",
        "Dmitri Ivanov",
        Role::Customer,
        None,
    ),
    ("erin@customer.example", "Erin Walsh", Role::Customer, None),
];

/// Lines the demo staff say, by room slug.
const LINES: &[(&str, &[&str])] = &[
    (
        "general",
        &[
            "Good morning everyone!",
            "Reminder: all-hands is on Thursday at 15:00.",
            "Who broke the coffee machine again?",
            "The new office plants arrived 🌱",
            "Welcome to the team, Tom!",
            "Lunch order goes out at 12:15, reply here if you want in.",
            "Friendly reminder to fill in the quarterly survey.",
            "Great work on the launch, folks.",
            "Is anyone else seeing slow Wi-Fi on the third floor?",
            "Happy Friday! Any weekend plans?",
        ],
    ),
    (
        "engineering",
        &[
            "Deploy **2026.11.3** is out :rocket: release notes in the wiki.",
            "The flaky search test is fixed, it was a timezone issue:\n```rust\nlet day = at.with_timezone(&Utc).date_naive();\n```",
            "Can someone review the migration PR before lunch?",
            "Postgres upgrade is scheduled for Sunday 02:00 UTC.",
            "p95 latency dropped to 38 ms after the index change.",
            "I'm looking into the websocket reconnect storm from last night.",
            "> Heads-up: the staging database will be reset at 18:00.\n\nThat includes `staging-eu`.",
            "Added a runbook for the Redis failover.",
            "Who owns the alert for delivery failures?",
            "CI is green again.",
        ],
    ),
    (
        "billing",
        &[
            "Invoices for November went out this morning.",
            "Three customers reported a double charge, investigating.",
            "The refund for order 4411 is approved.",
            "VAT rates for the new region are configured.",
            "Stripe webhook retries are back to normal.",
            "Can product confirm the new plan prices?",
        ],
    ),
    (
        "support",
        &[
            "Queue is at 12 open tickets, mostly password resets.",
            "Escalated a login issue to engineering.",
            "New macro for refund questions is live.",
            "First response time this week: 14 minutes median.",
            "Customer asked for an export of their data, following the runbook.",
            "Thanks for covering the late shift!",
        ],
    ),
    (
        "random",
        &[
            "Anyone up for a board game night?",
            "TIL octopuses have three hearts 🐙",
            "The canteen has tacos today 🌮",
            "Book club picks 'The Soul of a New Machine' next.",
            "Photo from the team hike is in the shared drive.",
        ],
    ),
    (
        "incidents",
        &[
            "Opening incident: elevated 5xx on the API.",
            "Root cause: connection pool exhaustion after the deploy.",
            "Mitigated by rolling back, error rate back to baseline.",
            "Post-mortem draft is ready for review.",
            "Action items:\n- add a pool saturation alert\n- _page_ at 80 %, ticket at 60 %",
        ],
    ),
];

/// Seeds the demo data when the database has no users. Returns the demo accounts when the
/// database holds them (seeded now or on an earlier start).
pub async fn seed_if_empty(ctx: &Ctx) -> anyhow::Result<Vec<DemoAccount>> {
    if ctx.store.count_users().await? == 0 {
        seed(ctx).await?;
        tracing::info!("demo data seeded");
    }
    let first = PEOPLE[0].0;
    if ctx.store.get_user_by_email(first).await?.is_none() {
        return Ok(Vec::new());
    }
    Ok(PEOPLE
        .iter()
        .map(|(email, name, role, _)| DemoAccount {
            email: (*email).to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            name: (*name).to_owned(),
            role: *role,
        })
        .collect())
}

async fn seed(ctx: &Ctx) -> anyhow::Result<()> {
    let mut users = Vec::with_capacity(PEOPLE.len());
    for (email, name, role, department) in PEOPLE {
        let user = create_user(
            ctx,
            NewAccount {
                email,
                name,
                role: *role,
                department: *department,
                password: Some(DEMO_PASSWORD),
                verified: true,
                created_by: None,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo user {email}: {e}"))?;
        users.push(user);
    }
    let by_email = |prefix: &str| -> Vec<&UserRow> {
        users
            .iter()
            .filter(|u| u.email.starts_with(prefix))
            .collect()
    };
    let team: Vec<&UserRow> = users
        .iter()
        .filter(|u| u.role == Role::Staff || u.role == Role::Admin)
        .collect();
    let department = |d: &str| -> Vec<&UserRow> {
        users
            .iter()
            .filter(|u| u.department.as_deref() == Some(d))
            .collect()
    };
    let mut rng = Lcg(0x5eed);
    let rooms = [
        (
            "general",
            "General",
            "Company-wide announcements and chatter",
            RoomKind::Public,
            None,
            team.clone(),
        ),
        (
            "random",
            "Random",
            "Off-topic, pets and lunch",
            RoomKind::Public,
            None,
            team.clone(),
        ),
        (
            "engineering",
            "Engineering",
            "Deploys, reviews and on-call",
            RoomKind::Public,
            Some("engineering"),
            department("engineering"),
        ),
        (
            "billing",
            "Billing",
            "Invoices, refunds and pricing",
            RoomKind::Public,
            Some("billing"),
            department("billing"),
        ),
        (
            "support",
            "Support",
            "The helpdesk team room",
            RoomKind::Public,
            Some("support"),
            department("support"),
        ),
        (
            "incidents",
            "Incidents",
            "Private incident coordination",
            RoomKind::Private,
            None,
            [
                by_email("ada"),
                by_email("grace"),
                by_email("linus"),
                by_email("margaret"),
                by_email("sam"),
            ]
            .concat(),
        ),
    ];
    for (slug, title, description, kind, dept, members) in rooms {
        let owner = members.first().map(|u| u.id);
        let room = NewRoom {
            id: Id::new(),
            slug: slug.to_owned(),
            title: title.to_owned(),
            description: description.to_owned(),
            kind,
            department: dept.map(str::to_owned),
            tags: demo_tags(slug),
            created_by: owner,
            dm_key: None,
            members: members
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    (
                        u.id,
                        if i == 0 {
                            RoomRole::Owner
                        } else {
                            RoomRole::Member
                        },
                    )
                })
                .collect(),
        };
        ctx.store.create_room(&room, &[]).await?;
        let lines = LINES
            .iter()
            .find(|(s, _)| *s == slug)
            .map_or(&[][..], |(_, l)| *l);
        let count = if kind == RoomKind::Private { 25 } else { 70 };
        seed_messages(ctx, room.id, &members, lines, count, &mut rng).await?;
    }
    for (a, b) in [("grace", "linus"), ("ada", "sam")] {
        let (a, b) = (by_email(a)[0], by_email(b)[0]);
        let key = if a.id < b.id {
            format!("{}:{}", a.id, b.id)
        } else {
            format!("{}:{}", b.id, a.id)
        };
        let room = NewRoom {
            id: Id::new(),
            slug: format!("dm-{}", Id::new().as_uuid().simple()),
            title: format!("{} & {}", a.name, b.name),
            description: String::new(),
            kind: RoomKind::Dm,
            department: None,
            tags: Vec::new(),
            created_by: Some(a.id),
            dm_key: Some(key),
            members: vec![(a.id, RoomRole::Member), (b.id, RoomRole::Member)],
        };
        ctx.store.create_room(&room, &[]).await?;
        let lines: &[&str] = &[
            "Hey, got a minute?",
            "Sure, what's up?",
            "Can you look at my PR when you have time?",
            "On it 👍",
            "Thanks!",
            "Lunch tomorrow?",
        ];
        seed_messages(ctx, room.id, &[a, b], lines, 12, &mut rng).await?;
    }
    seed_tickets(ctx, &users).await
}

/// One demo ticket: who asks, where, what, who answers, and how far it got.
struct DemoTicket {
    customer: &'static str,
    department: &'static str,
    subject: &'static str,
    message: &'static str,
    agent: Option<&'static str>,
    priority: Priority,
    status: Option<TicketStatus>,
    replies: &'static [&'static str],
}

/// A small helpdesk queue: open, pending and resolved tickets in several departments.
async fn seed_tickets(ctx: &Ctx, users: &[UserRow]) -> anyhow::Result<()> {
    let person = |prefix: &str| users.iter().find(|u| u.email.starts_with(prefix));
    let tickets = [
        DemoTicket {
            customer: "carl",
            department: "support",
            subject: "I can't log in after resetting my password",
            message: "Hi, I reset my password this morning and now the login page just reloads. I have tried two browsers. This is urgent, I have a client demo at 3pm!",
            agent: Some("sam"),
            priority: Priority::Urgent,
            status: Some(TicketStatus::Pending),
            replies: &[
                "Hi Carl, sorry about that! Could you tell me which browser and version you use?",
                "Chrome 120 and Firefox, same problem in both.",
            ],
        },
        DemoTicket {
            customer: "cora",
            department: "billing",
            subject: "Charged twice for November",
            message: "My card was charged twice for the November invoice (INV-4411). Please refund the duplicate.",
            agent: Some("barbara"),
            priority: Priority::Normal,
            status: Some(TicketStatus::Resolved),
            replies: &[
                "Hi Cora, I can see the duplicate charge. The refund is on its way and should arrive in 3-5 days.",
                "Perfect, thank you!",
            ],
        },
        DemoTicket {
            customer: "dmitri",
            department: "engineering",
            subject: "API returns 500 when exporting reports",
            message: "Since yesterday the export endpoint returns HTTP 500 for reports larger than 10k rows. Smaller ones work.",
            agent: None,
            priority: Priority::High,
            status: None,
            replies: &[],
        },
        DemoTicket {
            customer: "erin",
            department: "product",
            subject: "Feature request: dark mode for the mobile app",
            message: "Would be nice to have a dark mode on mobile too. No rush, just a suggestion!",
            agent: Some("pat"),
            priority: Priority::Low,
            status: None,
            replies: &["Thanks Erin, great idea. I've added it to our roadmap discussion."],
        },
        DemoTicket {
            customer: "carl",
            department: "support",
            subject: "How do I add a teammate?",
            message: "Where do I invite a colleague to our workspace?",
            agent: None,
            priority: Priority::Normal,
            status: None,
            replies: &[],
        },
    ];
    for DemoTicket {
        customer,
        department,
        subject,
        message,
        agent,
        priority,
        status,
        replies,
    } in tickets
    {
        let Some(customer) = person(customer) else {
            continue;
        };
        let opened = tickets::open_from_support_form(
            ctx,
            tickets::SupportForm {
                name: customer.name.clone(),
                email: customer.email.clone(),
                subject: subject.to_owned(),
                message: message.to_owned(),
                department: Some(department.to_owned()),
            },
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo ticket: {e}"))?;
        // The demo customers followed the links mailed to them: their tickets are verified.
        ctx.store
            .verify_ticket_requester(opened.ticket.id, opened.ticket.requester_id)
            .await?;
        let agent = agent.and_then(person);
        let triage = agent.or_else(|| person("ada"));
        if let Some(triage) = triage.filter(|_| agent.is_some() || priority != Priority::Normal) {
            tickets::update(
                ctx,
                &actor(triage),
                opened.ticket.id,
                tickets::TicketChange {
                    assignee_id: agent.map(|a| Some(a.id)),
                    priority: (priority != Priority::Normal).then_some(priority),
                    ..tickets::TicketChange::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo ticket: {e}"))?;
        }
        let Some(agent) = agent else {
            continue;
        };
        let agent_actor = actor(agent);
        let customer_actor = actor(customer);
        for (i, body) in replies.iter().enumerate() {
            let author = if i % 2 == 0 {
                &agent_actor
            } else {
                &customer_actor
            };
            messages::send(
                ctx,
                author,
                messages::SendMessage {
                    room_id: opened.ticket.id,
                    client_id: format!("demo-reply-{}-{i}", opened.ticket.id),
                    body: (*body).to_owned(),
                    parent_id: None,
                    attachment_ids: Vec::new(),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo reply: {e}"))?;
        }
        if let Some(status) = status {
            tickets::update(
                ctx,
                &agent_actor,
                opened.ticket.id,
                tickets::TicketChange {
                    status: Some(status),
                    ..tickets::TicketChange::default()
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo ticket: {e}"))?;
        }
    }
    Ok(())
}

fn actor(user: &UserRow) -> Actor {
    Actor {
        user: user.clone(),
        session_id: None,
        ip: None,
        request_id: None,
        scope: None,
    }
}

fn demo_tags(slug: &str) -> Vec<String> {
    match slug {
        "general" => vec!["announcements".into(), "company".into()],
        "engineering" => vec!["deploys".into(), "on-call".into()],
        "billing" => vec!["finance".into()],
        "support" => vec!["helpdesk".into()],
        "random" => vec!["social".into()],
        _ => Vec::new(),
    }
}

/// Posts `count` messages over the last two weeks, with a few threads and reactions.
async fn seed_messages(
    ctx: &Ctx,
    room_id: Id,
    members: &[&UserRow],
    lines: &[&str],
    count: usize,
    rng: &mut Lcg,
) -> anyhow::Result<()> {
    if members.is_empty() || lines.is_empty() {
        return Ok(());
    }
    let start = crate::store::now() - Duration::days(14);
    let step = Duration::days(14).num_seconds() / i64::try_from(count + 1).unwrap_or(1);
    let mut last_root: Option<Id> = None;
    let mut last_seq = 0;
    for i in 0..count {
        let author = members[rng.next(members.len())];
        let offset =
            step * i64::try_from(i).unwrap_or(0) + i64::try_from(rng.next(600)).unwrap_or(0);
        let reply = i % 9 == 4 && last_root.is_some();
        let id = Id::new();
        let outcome = ctx
            .store
            .insert_message(NewMessage {
                id,
                room_id,
                author_id: author.id,
                client_id: format!("demo-{id}"),
                body: lines[rng.next(lines.len())].to_owned(),
                parent_id: if reply { last_root } else { None },
                created_at: start + Duration::seconds(offset),
            })
            .await?;
        if let InsertOutcome::Created(message) = outcome {
            last_seq = message.seq;
            if !reply && i % 7 == 0 {
                last_root = Some(message.id);
            }
            if i % 5 == 0 {
                let reactor = members[rng.next(members.len())];
                let emoji = ["👍", "🎉", "❤️", "👀", "😂"][rng.next(5)];
                ctx.store
                    .add_reaction(message.id, reactor.id, emoji)
                    .await?;
            }
        }
    }
    // Most people have read most of it: leave a few unread messages each.
    for member in members {
        let unread = i64::try_from(rng.next(6)).unwrap_or(0);
        ctx.store
            .mark_read(room_id, member.id, last_seq - unread)
            .await?;
    }
    Ok(())
}

/// A tiny deterministic generator, so demo data looks the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % u64::try_from(bound.max(1)).unwrap_or(1)).unwrap_or(0)
    }
}
