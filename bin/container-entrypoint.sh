#!/bin/sh
# The container image's entrypoint (Dockerfile): `switchyard serve` on the mounted manifests, with
# the admin API reachable from outside the container only behind a bearer token.
set -eu
token=${SWITCHYARD_TOKEN_FILE:-/run/secrets/switchyard-token}
if [ -s "$token" ]; then
  admin="--admin 0.0.0.0:10249 --token-file $token"
else
  admin="--admin 127.0.0.1:10249"
fi
# shellcheck disable=SC2086 # $admin is two flags
exec node /opt/switchyard/bin/switchyard.js serve -f /etc/switchyard $admin "$@"
