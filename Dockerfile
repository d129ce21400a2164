# Switchboard: one image, one binary (the web client is embedded). Build (the build args only
# label the image; without them the labels say "unknown"):
#   docker build -t switchboard \
#     --build-arg VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" \
#     --build-arg GIT_SHA="$(git rev-parse --short=12 HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
# Run on SQLite with a volume:
#   docker run -p 3000:3000 -v switchboard-data:/data -e ADMIN_EMAIL=... -e ADMIN_PASSWORD=... switchboard
#
# The base images are build arguments, so the image can be built from a mirror or from a base
# made with debootstrap (scripts/container-check does that). With BINARY=prebuilt the runtime
# stage takes an already built binary from the build context (`prebuilt/switchboard`) instead of
# compiling one: `docker build --build-arg BINARY=prebuilt --target runtime CONTEXT`.
ARG NODE_IMAGE=node:22-bookworm-slim
ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG BINARY=server

# --- 1. The web client -------------------------------------------------------------------
FROM ${NODE_IMAGE} AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- 2. The server (embeds web/dist) -------------------------------------------------------
FROM ${RUST_IMAGE} AS server
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
# The registry and target directory are cache mounts: a change to the web client or to the
# server's own code rebuilds only the switchboard crate, never the dependencies.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p switchboard \
 && mkdir -p /out && cp target/release/switchboard /out/switchboard && strip /out/switchboard

# --- 2b. Or a binary built elsewhere (BINARY=prebuilt): prebuilt/switchboard in the context --
FROM scratch AS prebuilt
COPY prebuilt/switchboard /out/switchboard

FROM ${BINARY} AS binary

# --- 3. Runtime: the binary, CA certificates, a non-root user (numeric, for runAsNonRoot) ---
FROM ${RUNTIME_IMAGE} AS runtime
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
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && groupadd --system --gid 10001 switchboard \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --shell /usr/sbin/nologin switchboard \
 && mkdir -p /data && chown switchboard /data
COPY --from=binary /out/switchboard /usr/local/bin/switchboard
COPY LICENSE /usr/share/doc/switchboard/LICENSE
USER 10001:10001
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
