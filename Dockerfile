# syntax=docker/dockerfile:1

# Build: compile TypeScript with the full dependency set, then drop the dev dependencies
# (among them the `node` package, which only exists to give hosts with an older Node a Node 22).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: production dependencies, the compiled app, and supabase/ (migrations applied at boot
# and the demo seed, both read relative to dist/).
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data \
    WHATSAPP_SESSION_PATH=/app/data/sessions
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node supabase ./supabase
# Created here, owned by `node`, so a fresh named volume mounted on it is writable too.
RUN mkdir -p /app/data/sessions && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# Slim images have no curl: Node 22's fetch does the probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]
# AsyncLocalStorage (the request-scoped logger) on V8's context frames instead of promise hooks: every promise
# otherwise pays a hook; about 8-10% of the process's CPU on the message pipeline. Node 24's default.
CMD ["node", "--experimental-async-context-frame", "dist/main.js"]
