# syntax=docker/dockerfile:1
# Switchboard: one image, one binary (the web client is embedded). Build (the build args only
# label the image; without them the labels say "unknown"):
#   docker build -t switchboard \
#     --build-arg VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" \
#     --build-arg GIT_SHA="$(git rev-parse --short=12 HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
# Run on SQLite with a volume:
#   docker run -p 3000:3000 -v switchboard-data:/data -e ADMIN_EMAIL=... -e ADMIN_PASSWORD=... switchboard

# --- 1. The web client -------------------------------------------------------------------
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- 2. The server (embeds web/dist) -------------------------------------------------------
FROM rust:1.95-bookworm AS server
WORKDIR /src
ARG GIT_SHA=unknown
ENV SWITCHBOARD_SKIP_WEB_BUILD=1 SWITCHBOARD_GIT_SHA=${GIT_SHA}
COPY Cargo.toml Cargo.lock ./
COPY server/ server/
COPY tests/Cargo.toml tests/Cargo.toml
COPY tests/src/ tests/src/
COPY bench/Cargo.toml bench/Cargo.toml
COPY bench/src/ bench/src/
COPY migrations/ migrations/
COPY --from=web /src/web/dist web/dist
RUN cargo build --release --locked -p switchboard \
 && strip target/release/switchboard

# --- 3. Runtime: the binary, CA certificates, a non-root user -----------------------------
FROM debian:bookworm-slim
ARG GIT_SHA=unknown
ARG VERSION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Switchboard" \
      org.opencontainers.image.description="Self-hosted team chat and helpdesk server" \
      org.opencontainers.image.licenses="AGPL-3.0-only" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.source="https://github.com/switchboard-chat/switchboard"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin switchboard \
 && mkdir -p /data && chown switchboard /data
COPY --from=server /src/target/release/switchboard /usr/local/bin/switchboard
COPY LICENSE /usr/share/doc/switchboard/LICENSE
USER switchboard
WORKDIR /data
ENV BIND_ADDR=0.0.0.0:3000 \
    DATABASE_URL=sqlite:///data/switchboard.db \
    LOG_FORMAT=json \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 CMD ["switchboard", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["switchboard"]
CMD ["serve"]
