# syntax=docker/dockerfile:1
# ivr-promoter: the operator (default) and the CLI, in one small image.
#   docker build -t ivr-promoter:dev .
#   docker run --rm ivr-promoter:dev --help
# Checked by test/unit/deploy/dockerfile.test.ts (non-root numeric USER, --omit=dev, entrypoint, no secrets).

# Debian slim rather than Alpine: git and OpenSSH behave as on developer machines (glibc, same
# versions as CI), and the image stays small. Pin a digest in release builds: --build-arg NODE_IMAGE=...@sha256:...
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: dev dependencies and tsc; nothing of this stage ships except dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only, from the same lockfile
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE}
# The Git source shells out to git; ssh:// and scp-like URLs need ssh. ca-certificates for https remotes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A read-only root filesystem: HOME and the Git cache live on emptyDir volumes (/tmp, /var/cache/ivr-promoter).
# NODE_OPTIONS: V8 grows its heap lazily while memory is free; capping the old space keeps the operator's
# RSS near what it uses (bench/operator-scale.ts: 200 IvrPromotions stay under 200 MiB with this cap).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=128 \
    HOME=/tmp \
    IVR_PROMOTER_CACHE_DIR=/var/cache/ivr-promoter
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# `ivr-promoter demo` and the emulator seed of the kind e2e read examples/.
COPY examples ./examples
# Owned by the runtime user so the image also works without volumes (docker run); read-only in the cluster.
RUN mkdir -p /var/cache/ivr-promoter && chown 65532:65532 /var/cache/ivr-promoter
# Numeric, so Kubernetes can verify runAsNonRoot without an /etc/passwd lookup (65532: distroless "nonroot").
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "dist/main.js"]
CMD ["operator"]
