# syntax=docker/dockerfile:1
# sei-k8s-controller: a small, non-root Node 24 image running the esbuild bundle.
#
#   docker build -t ghcr.io/sei-protocol/sei-k8s-controller-ts:v0.1.0 .
#
# Stage 1 installs the exact dependencies from package-lock.json and bundles the controller
# (controller/main.ts and the constructs it synthesizes at runtime) into dist/controller.js.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY constructs ./constructs
COPY controller ./controller
COPY imports ./imports
COPY scripts/build.ts ./scripts/build.ts
RUN npm run build

# Stage 2: distroless Node 24, uid 65532, no shell, no package manager, no node_modules.
FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /src/dist/controller.js /src/dist/controller.js.map ./
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "/app/controller.js"]
