# Touchpoint's image: one image for both the API (`npx tsx src/main.ts api`) and the workers (`npx tsx worker.ts`).
# TypeScript runs directly with tsx (a runtime dependency), so the only build step is the workflow bundle. No Temporal binaries:
# those are only for the embedded single-process mode (`npm start`), and this image always talks to a
# Temporal server named by TEMPORAL_ADDRESS. See docs/docker.md.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so that source edits reuse this layer. tsx, @temporalio/* and drizzle-orm are all in
# "dependencies"; the devDependencies (typescript, vitest, drizzle-kit, @types/*) are not needed at run time.
COPY package.json package-lock.json ./
# patches/: fixes to dependencies that npm ci applies (postinstall: patch-package).
COPY patches ./patches
RUN npm ci --omit=dev && npm cache clean --force

# The source, including drizzle/ (the migrations the app applies at start-up). See .dockerignore.
COPY . .

# The workflow bundle, built once here: a worker that bundles at start-up pays seconds of CPU and ~200 MB of
# RSS it never gives back (see the README's broadcast benchmark). The API ignores the variable.
RUN npx tsx src/worker/bundle.ts /app/dist/workflows.js
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflows.js

USER node
EXPOSE 3000
CMD ["npx", "tsx", "src/main.ts", "api"]
