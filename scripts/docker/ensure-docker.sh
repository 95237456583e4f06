#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, installing and starting one when needed.
# Idempotent: a daemon that already answers is left alone. Used by CI (.ci/run) and by the
# Docker e2e tests' setup instructions. Needs root for apt-get and dockerd.
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

if docker info >/dev/null 2>&1; then
  log "a Docker engine already answers"
  exit 0
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing ${missing[*]} and not root: run 'sudo apt-get install -y ${missing[*]}'"
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    log "dockerd is not running and we are not root: run 'sudo systemctl start docker'"
    exit 1
  fi
  log "starting dockerd (log: /tmp/dockerd.log)"
  # setsid + nohup: the daemon must outlive this script and the shell that ran it.
  setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "Docker engine is up ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo unknown))"
    exit 0
  fi
  sleep 1
done

log "dockerd did not answer within 60 s; last lines of /tmp/dockerd.log:"
tail -n 20 /tmp/dockerd.log >&2 || true
exit 1
