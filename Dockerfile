# fnguard in a container: `docker run --rm -v "$PWD:/src" fnguard scan .`
# Built from this repository with every feature; the runtime image has no shell or package
# manager and runs as an unprivileged user.
FROM rust:1-bookworm AS build
WORKDIR /build
COPY . .
RUN cargo build --release --locked -p fnguard \
    && strip target/release/fnguard

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/release/fnguard /usr/local/bin/fnguard
WORKDIR /src
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/fnguard"]
CMD ["scan", "."]
