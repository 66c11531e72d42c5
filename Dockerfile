# Build: the whole workspace in release mode; run: a slim Debian with the one binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --bin gpmall

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/gpmall gpmall
COPY --from=build /src/target/release/gpmall /usr/local/bin/gpmall
USER gpmall
WORKDIR /var/lib/gpmall
ENV GPMALL_LISTEN=0.0.0.0:8080 GPMALL_DATA_DIR=/var/lib/gpmall/data
EXPOSE 8080
CMD ["gpmall", "serve"]
