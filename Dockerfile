# routy-pinterest, compiled: `docker build -t routy-pinterest .`, then run one role per container:
#   node dist/service/start-worker.js    (the default)
#   node dist/service/start-ingress.js
# Each role validates only its own variables (README "Past one machine").

# Build: all dependencies, `npm run build` (tsc to dist/), then only the runtime dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: the compiled code and its runtime dependencies, owned by root and read-only to the
# unprivileged `node` user the process runs as.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Young generation sized for report rows (README "Reports"): a 5,000-row report keeps its rows alive
# while it builds them, which Node's 16 MB semi-spaces copy and promote again and again.
ENV NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# SIGTERM reaches node itself (exec form): the worker finishes in-flight activities within its grace time.
CMD ["node", "dist/service/start-worker.js"]
