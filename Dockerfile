# switchyard as a container, for docker compose users (examples/compose/).
#
#   docker build -t switchyard .
#
# Needs the node:26-slim base image, so build it where Docker Hub (or a mirror holding that image)
# is reachable; nothing else is fetched but the npm registry's packages. Runtime contract:
#   /etc/switchyard       manifests (Services, Pods, …), mounted read-only; applied at start and on SIGHUP
#   /var/lib/switchyard   state (applied objects, ClusterIP and NodePort allocations); a volume
#   /run/secrets/switchyard-token   when present, the admin API listens on 0.0.0.0:10249 and
#                         requires this bearer token; otherwise it stays on the container's loopback
# Arguments after the image name are added to `switchyard serve`, e.g. `--discover docker`.
FROM node:26-slim

WORKDIR /opt/switchyard
ENV NODE_ENV=production \
    SWITCHYARD_STATE_DIR=/var/lib/switchyard
COPY package.json package-lock.json ./
# The runtime dependencies only: the image's own Node is the pinned major, so the `node`
# devDependency (and the test and type-check tooling) are not needed.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
RUN mkdir -p /etc/switchyard /var/lib/switchyard && chown node:node /var/lib/switchyard

USER node
VOLUME /var/lib/switchyard
# NodePorts (30000-32767) and the admin API are published by whoever runs the container.
EXPOSE 10249
ENTRYPOINT ["/bin/sh", "/opt/switchyard/bin/container-entrypoint.sh"]
