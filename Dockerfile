# syntax=docker/dockerfile:1
# Nonstick worker image: `docker build -t nonstick .`, then
#   docker run -e REDIS_URL=redis://redis:6379 -p 3000:3000 nonstick
# (see docker-compose.yml for the whole cluster). It serves the chat demo
# unless NONSTICK_APP (or --app) names your app, a module exporting setup(io):
# build your image on this one (docs/deploying.md#your-app-on-the-cluster),
#   FROM nonstick
#   COPY app.js /app/app.js
#   ENV NONSTICK_APP=/app/app.js
# Node 24 (Node 20 is end of life) on Debian bookworm. No uWebSockets.js
# build loads on Node 24 with bookworm's glibc 2.36, so the worker runs its
# node:http + ws host (`--http-server auto` says so in its listening log
# line); see docs/network-hosts.md for images that run uWS.

# ---- build: install the workspace from the lockfile, compile, and cut a
# production-only copy of the worker package with `pnpm deploy`.
FROM node:24.22.3-bookworm-slim AS build
ENV CI=true PNPM_HOME=/pnpm PATH=/pnpm:$PATH
# Same pnpm as package.json's packageManager (corepack's signature check
# fails against some registries; npm works everywhere).
RUN npm i -g pnpm@10.34.8
WORKDIR /src
# Dependencies first, from the lockfile alone, so this layer is cached until
# pnpm-lock.yaml changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
# The worker and the workspace packages it depends on (dist/ of each).
RUN pnpm --filter "nonstick..." run build
# Production dependencies only; workspace packages are copied in with their
# published files (dist/src). --legacy: pnpm 10 otherwise wants
# inject-workspace-packages=true.
RUN pnpm --filter nonstick deploy --prod --legacy /out \
 && test -f /out/dist/src/bin.js

# ---- runtime: node + the deployed package, nothing else.
FROM node:24.22.3-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=root:root /out /app/packages/nonstick
# The official node image's unprivileged user (uid 1000); the app files stay root-owned.
USER node
EXPOSE 3000
# Liveness: GET /health on the worker's own port (no curl in the slim image).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) triggers the worker's graceful stop.
STOPSIGNAL SIGTERM
CMD ["node", "packages/nonstick/dist/src/bin.js"]
