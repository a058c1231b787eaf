# syntax=docker/dockerfile:1
# Mirrors the README: `cargo build --release --locked` with bundled SQLite, libpq and OpenSSL,
# so the runtime image needs only CA certificates.
# Base images are pinned by version; pin them by digest in your registry mirror for releases.

FROM rust:1.95.0-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin odr

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin odr \
    && mkdir -p /data && chown odr /data
WORKDIR /app
COPY --from=builder /src/target/release/odr /usr/local/bin/odr
COPY config ./config
ENV ODR_ENV=production \
    ODR__SERVER__HOST=0.0.0.0 \
    ODR__SERVER__PORT=8080 \
    ODR__DATABASE__URL=sqlite:///data/odr.db \
    ODR__EMAIL__FILE_DIR=/data/mail
USER odr
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["odr", "healthcheck"]
ENTRYPOINT ["odr"]
CMD ["serve"]
