# Elygate: one Bun process. Data (the embedded PostgreSQL, the generated secret key)
# lives in /data; set DATABASE_URL to use an external PostgreSQL instead.

# The Bun the project is tested with (package.json's packageManager; a test keeps them equal).
ARG BUN_VERSION=1.4.5

FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /app
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build

FROM oven/bun:${BUN_VERSION} AS runtime-deps
WORKDIR /app
COPY package.json bun.lock ./
# Runtime dependencies only; the embedded PostgreSQL binaries' postinstall is trusted in package.json.
RUN bun install --frozen-lockfile --production

FROM oven/bun:${BUN_VERSION}
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ELYGATE_DATA_DIR=/data
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY package.json ./
# The image's unprivileged "bun" user runs both Elygate and the embedded PostgreSQL.
RUN mkdir -p /data && chown bun:bun /data
USER bun
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD bun -e "fetch('http://127.0.0.1:3000/api/ready').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# Bun gets SIGTERM directly (exec form), so Elygate's shutdown order runs in full.
CMD ["bun", "build/elygate.js"]
