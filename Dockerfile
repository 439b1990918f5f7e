# asklake: one container for the Slack app and the change-feed worker (deploy/asklake.yaml runs it on Fargate).
# Build:  docker build -t asklake .      (the release build compiles DuckDB's C++: expect 20-40 minutes)
# The sample lake is not baked in; in AWS the engine is Athena.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin asklake \
 && strip target/release/asklake

FROM debian:bookworm-slim
# ca-certificates: TLS to Slack and AWS. Nothing else is installed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates=20230311+deb12u1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/asklake --create-home asklake
COPY --from=build /src/target/release/asklake /usr/local/bin/asklake
USER 10001:10001
WORKDIR /var/lib/asklake
ENV ASKLAKE_SERVER__BIND=0.0.0.0:3000 \
    ASKLAKE_STORE__PATH=/var/lib/asklake/asklake.db
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/usr/local/bin/asklake", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/asklake"]
CMD ["--log-format", "json", "serve"]
