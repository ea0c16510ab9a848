# Carteiro, built from the official Swift image with the C libraries it links.
FROM swift:6.2-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libmongoc-dev libbson-dev libcurl4-openssl-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product carteiro --static-swift-stdlib

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libmongoc-1.0-0 libbson-1.0-0 libcurl4 libsqlite3-0 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home carteiro
WORKDIR /app
COPY --from=build /src/.build/release/carteiro /usr/local/bin/carteiro
COPY bots ./bots
USER carteiro
EXPOSE 8080
ENTRYPOINT ["carteiro"]
CMD ["serve", "--host", "0.0.0.0"]
