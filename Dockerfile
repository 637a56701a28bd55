# quotefeed in a container: built with Rust, run from a small Debian image as an
# unprivileged user, with the store in a volume.
#   docker build -t quotefeed .
#   docker run -p 8080:8080 -v quotefeed-data:/data -v ./quotefeed.toml:/etc/quotefeed/quotefeed.toml:ro quotefeed
# The configuration should listen on 0.0.0.0:8080 and keep its database in /data.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin quotefeed

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates=20230311* \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin quotefeed \
    && mkdir -p /data /etc/quotefeed \
    && chown quotefeed:quotefeed /data
COPY --from=build /src/target/release/quotefeed /usr/local/bin/quotefeed
COPY config/quotefeed.toml /etc/quotefeed/quotefeed.toml
USER 10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
ENV QUOTEFEED_SERVER_LISTEN=0.0.0.0:8080 \
    QUOTEFEED_STORAGE_PATH=/data/quotefeed.db
ENTRYPOINT ["/usr/local/bin/quotefeed"]
CMD ["run", "--config", "/etc/quotefeed/quotefeed.toml"]
