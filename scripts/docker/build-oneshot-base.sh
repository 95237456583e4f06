#!/usr/bin/env bash
# Builds the base of one-shot images (`agentcrate build`) from a Node binary on this machine:
# the checkout's pinned Node 24 (node_modules/.bin/node), else $NODE_BIN, else the `node` on PATH.
# The image holds the binary with its symbol tables stripped (when `strip` is installed: about
# 18 MB less, same code), the shared libraries ldd lists and the dynamic loader, /etc/passwd and
# /etc/group (root and uid/gid 1000), CA certificates and /tmp (1777). No shell, no package
# manager: the one-shot Dockerfile's only RUN is in exec form (the runner warming itself up).
#
# usage: scripts/docker/build-oneshot-base.sh [tag]   (default agentcrate-oneshot-base:24)
# Idempotent: skipped when the tag exists built from the same binary (its sha256 is a label).
set -euo pipefail

tag="${1:-agentcrate-oneshot-base:24}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf 'build-oneshot-base: %s\n' "$*" >&2; }

if [ -x "$repo_root/node_modules/.bin/node" ]; then
  node_bin="$(readlink -f "$repo_root/node_modules/.bin/node")"
elif [ -n "${NODE_BIN:-}" ]; then
  node_bin="$(readlink -f "$NODE_BIN")"
else
  node_bin="$(readlink -f "$(command -v node || true)")"
fi
if [ ! -x "$node_bin" ]; then
  log "no Node binary found: run 'npm ci' in a checkout, set NODE_BIN, or put node on PATH"
  exit 1
fi
node_version="$("$node_bin" --version)"
node_sha="$(sha256sum "$node_bin" | cut -d' ' -f1)"

existing="$(docker image inspect --format '{{ index .Config.Labels "io.agentcrate.node-sha256" }}' "$tag" 2>/dev/null || true)"
if [ "$existing" = "$node_sha" ]; then
  log "$tag already holds this node $node_version; nothing to do"
  exit 0
fi

stage="$(mktemp -d)"
tarball="$stage.tar"
trap 'rm -rf "$stage" "$tarball"' EXIT

mkdir -p "$stage/usr/local/bin" "$stage/etc/ssl/certs" "$stage/tmp"
if command -v strip >/dev/null 2>&1; then
  strip -o "$stage/usr/local/bin/node" "$node_bin"
else
  log "strip not found (apt-get install binutils): the binary keeps its symbol tables"
  cp -L "$node_bin" "$stage/usr/local/bin/node"
fi
chmod 0755 "$stage/usr/local/bin/node"

# Every absolute path ldd prints: the libraries (after "=>") and the loader (first column).
ldd "$node_bin" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u |
  while read -r lib; do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done

printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/tmp:/sbin/nologin\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$stage/etc/group"
printf 'hosts: files dns\n' >"$stage/etc/nsswitch.conf"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp -L /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
else
  log "warning: /etc/ssl/certs/ca-certificates.crt not found; the image has no CA bundle"
fi
chmod 1777 "$stage/tmp"

tar --numeric-owner --owner=0 --group=0 -C "$stage" -cf "$tarball" .
log "importing $tag (node $node_version, $(du -h "$tarball" | cut -f1))"
docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change "LABEL io.agentcrate.node-version=$node_version io.agentcrate.node-sha256=$node_sha" \
  --change 'ENTRYPOINT ["node"]' \
  "$tarball" "$tag" >/dev/null

docker run --rm --read-only --user 1000:1000 "$tag" -e 'process.stdout.write(process.version)' >/dev/null
log "built $tag"
