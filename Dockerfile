# One image for every role of the scaled mode: `web` (dashboard + API), `ingest` (standalone
# ingestion, scale it out) and `worker` (alerts). The command picks the role.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/web/package.json apps/web/
COPY apps/ingest/package.json apps/ingest/
COPY packages/ packages/
COPY tooling/ tooling/
COPY prisma/ prisma/
COPY prisma.config.ts ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
ENV NEXT_TELEMETRY_DISABLED=1
RUN npm run -w @margin/web build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOST=0.0.0.0 PORT=3000 MARGIN_DATA_DIR=/data UV_THREADPOOL_SIZE=64
COPY --from=build /app /app
VOLUME /data
EXPOSE 3000
CMD ["node", "--import", "tsx", "apps/web/server.ts"]
