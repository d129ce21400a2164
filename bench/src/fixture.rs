//! Users, rooms and tokens for a run: created through Switchboard's REST API (the admin creates
//! users, each signs in, the first member of a room creates it and adds the others), or handed
//! to the Node baseline's `/setup` endpoint.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use crate::target::Kind;

/// Password of every user the tool creates.
const USER_PASSWORD: &str = "bench user password";

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Member {
    /// User id.
    pub user_id: String,
    /// Session token (`auth: {token}`).
    pub token: String,
}

/// Who may read a run's rooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Private rooms: members only.
    Private,
    /// Public rooms without a department: every staff user may read (and watch) them; their
    /// messages still go to members and watchers only.
    Public,
}

impl Access {
    /// The room kind in the API.
    fn kind(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Public => "public",
        }
    }
}

/// A room and its members.
#[derive(Clone, Debug)]
pub struct Room {
    /// Room id.
    pub id: String,
    /// Members; the first one created the room.
    pub members: Vec<Member>,
}

/// The rooms of a run.
#[derive(Clone, Debug, Default)]
pub struct Fixture {
    /// Rooms.
    pub rooms: Vec<Room>,
}

/// A server to set up and talk to.
#[derive(Clone, Debug)]
pub struct Target {
    /// What it is.
    pub kind: Kind,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its process, when known (CPU and RSS are read from /proc).
    pub pid: Option<u32>,
    /// Admin credentials (Switchboard).
    pub admin: (String, String),
    /// Its sockets ask for `message:batch` in their handshake, as the web client does
    /// (Switchboard; the `switchboard-single` contender of `fanout` turns it off).
    pub batches: bool,
}

impl Target {
    /// `http://addr`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Creates `rooms` private rooms of `members` users each (every user in one room).
    pub async fn fixture(&self, rooms: usize, members: usize) -> anyhow::Result<Fixture> {
        self.fixture_of(rooms, members, Access::Private).await
    }

    /// Creates `rooms` rooms of `access` with `members` staff users each (every user a member
    /// of one room).
    pub async fn fixture_of(
        &self,
        rooms: usize,
        members: usize,
        access: Access,
    ) -> anyhow::Result<Fixture> {
        match self.kind {
            Kind::Switchboard => self.switchboard_fixture(rooms, members, access).await,
            Kind::Node => self.node_fixture(rooms, members, access).await,
            Kind::WsRaw => bail!("the raw websocket server has no users"),
        }
    }

    async fn node_fixture(
        &self,
        rooms: usize,
        members: usize,
        access: Access,
    ) -> anyhow::Result<Fixture> {
        let fixture = Fixture {
            rooms: (0..rooms)
                .map(|_| Room {
                    id: uuid::Uuid::new_v4().to_string(),
                    members: (0..members)
                        .map(|_| {
                            let id = uuid::Uuid::new_v4().to_string();
                            Member {
                                user_id: id.clone(),
                                token: id,
                            }
                        })
                        .collect(),
                })
                .collect(),
        };
        let body = json!({"rooms": fixture.rooms.iter().map(|r| json!({
            "id": r.id,
            "public": access == Access::Public,
            "members": r.members.iter().map(|m| &m.user_id).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()});
        Api::new(self.base_url())?
            .call(reqwest::Method::POST, "/setup", None, Some(body))
            .await?;
        Ok(fixture)
    }

    async fn switchboard_fixture(
        &self,
        rooms: usize,
        members: usize,
        access: Access,
    ) -> anyhow::Result<Fixture> {
        let api = Api::new(self.base_url())?;
        let admin = api.login(&self.admin.0, &self.admin.1).await?;
        let run_id = uuid::Uuid::new_v4().simple().to_string();
        let run = &run_id[..8];
        // Argon2 runs on the server's blocking pool: a few at a time keep both cores busy.
        let users: Vec<Member> = stream::iter(0..rooms * members)
            .map(|i| {
                let (api, admin) = (&api, &admin);
                async move {
                    let email = format!("u{i}-{run}@bench.example");
                    let user = api
                        .call(
                            reqwest::Method::POST,
                            "/api/v1/admin/users",
                            Some(admin),
                            Some(json!({"email": email, "name": format!("Bench {i}"),
                                "role": "staff", "password": USER_PASSWORD})),
                        )
                        .await?;
                    let token = api.login(&email, USER_PASSWORD).await?;
                    Ok::<_, anyhow::Error>(Member {
                        user_id: str_field(&user, "id")?,
                        token,
                    })
                }
            })
            .buffered(4)
            .try_collect()
            .await?;
        let mut fixture = Fixture::default();
        for (n, chunk) in users.chunks(members.max(1)).enumerate() {
            let owner = &chunk[0];
            let room = api
                .call(
                    reqwest::Method::POST,
                    "/api/v1/rooms",
                    Some(&owner.token),
                    Some(
                        json!({"slug": format!("bench-{run}-{n}"), "title": format!("Bench {n}"),
                        "kind": access.kind()}),
                    ),
                )
                .await?;
            let id = str_field(&room, "id")?;
            let path = format!("/api/v1/rooms/{id}/members");
            stream::iter(&chunk[1..])
                .map(|member| {
                    api.call(
                        reqwest::Method::POST,
                        &path,
                        Some(&owner.token),
                        Some(json!({"userId": member.user_id})),
                    )
                })
                .buffer_unordered(8)
                .try_collect::<Vec<_>>()
                .await?;
            fixture.rooms.push(Room {
                id,
                members: chunk.to_vec(),
            });
        }
        Ok(fixture)
    }
}

/// Switchboard's delivery counters (`GET /metrics`), summed over the process's life.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct DeliveryCounters {
    /// Re-sends to sockets that did not acknowledge in time.
    pub retries: u64,
    /// Deliveries given up after the last re-send (the client was told to sync).
    pub failures: u64,
    /// Acknowledgements that moved a socket's position (the ack-latency histogram's count).
    pub acks: u64,
    /// Packets the rooms' dispatchers sent (a `message:new`, or a `message:batch`).
    pub packets: u64,
    /// The messages in them.
    pub packet_messages: u64,
}

impl DeliveryCounters {
    /// The counters in a Switchboard's `/metrics`.
    pub fn of(metrics: &Metrics) -> Self {
        Self {
            retries: metrics.sum("switchboard_delivery_retries_total") as u64,
            failures: metrics.sum("switchboard_delivery_failures_total") as u64,
            acks: metrics.sum("switchboard_delivery_ack_seconds_count") as u64,
            packets: metrics.sum("switchboard_delivery_packet_messages_count") as u64,
            packet_messages: metrics.sum("switchboard_delivery_packet_messages_sum") as u64,
        }
    }
}

impl Target {
    /// The delivery counters of a Switchboard started by the tool (it knows the metrics
    /// token); `None` for other servers or when `/metrics` does not answer.
    pub async fn delivery_counters(&self) -> Option<DeliveryCounters> {
        self.metrics().await.as_ref().map(DeliveryCounters::of)
    }

    /// `GET /metrics` of a Switchboard started by the tool; `None` for other servers or when
    /// it does not answer.
    pub async fn metrics(&self) -> Option<Metrics> {
        if self.kind != Kind::Switchboard {
            return None;
        }
        Api::new(self.base_url())
            .ok()?
            .get_text("/metrics", crate::target::METRICS_TOKEN)
            .await
            .ok()
            .map(Metrics)
    }
}

/// A Prometheus text exposition.
pub struct Metrics(String);

impl Metrics {
    /// The sum of the series that start with `series` (a name, or a name and labels).
    pub fn sum(&self, series: &str) -> f64 {
        self.0
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix(series)?;
                // `name` must not match `name_more`: labels, a space, or nothing may follow.
                if !(rest.starts_with(' ') || rest.starts_with('{') || series.ends_with('}')) {
                    return None;
                }
                rest.rsplit(' ').next()?.parse::<f64>().ok()
            })
            .sum()
    }
}

fn str_field(data: &Value, field: &str) -> anyhow::Result<String> {
    data[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {field} in {data}"))
}

/// A small JSON client of the REST API (`{ok, data}` envelopes).
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// A client of `base` (`http://host:port`).
    pub fn new(base: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()?;
        Ok(Self { http, base })
    }

    /// Signs in; returns the session token.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let data = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await?;
        str_field(&data, "token")
    }

    /// One call; returns `data`, or fails with the status and body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status} {text}");
        }
        let json: Value =
            serde_json::from_str(&text).with_context(|| format!("{method} {path}: {text}"))?;
        Ok(json.get("data").cloned().unwrap_or(json))
    }

    /// A GET answered with text (fails on anything but a 2xx answer).
    pub async fn get_text(&self, path: &str, token: &str) -> anyhow::Result<String> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?;
        Ok(response.text().await?)
    }

    /// A GET whose body is not parsed (throughput runs): true on a 2xx answer.
    pub async fn get_ok(&self, path: &str, token: &str) -> anyhow::Result<bool> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await?;
        let ok = response.status().is_success();
        response.bytes().await?;
        Ok(ok)
    }
}
