#!/usr/bin/env bash
# Builds a minimal local base image from a Node binary on this machine, for machines that cannot
# pull images (CI here has no registry access): the checkout's pinned Node 24
# (node_modules/.bin/node), else $NODE_BIN, else the `node` on PATH. The image holds only:
# node, the shared libraries ldd lists plus the dynamic loader, /etc/passwd + /etc/group
# (root and uid/gid 1000 `node`, like the official image), CA certificates and /tmp (1777).
# It has no shell, which is why the generated Dockerfile never uses RUN.
#
# usage: scripts/docker/build-base-image.sh [tag]   (default agentcrate-test-base:24)
#        then: agentcrate deploy flow.yaml --base-image <tag>
# Idempotent: skipped when the tag exists with the same node version label.
set -euo pipefail

tag="${1:-agentcrate-test-base:24}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
log() { printf 'build-base-image: %s\n' "$*" >&2; }

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
# STRIP_NODE=1 (build-oneshot-base.sh) drops the binary's symbol tables when `strip` is
# installed: about 18 MB less, the same code. The label says which, so each variant is rebuilt
# only when it changes.
stripped=""
if [ "${STRIP_NODE:-0}" = "1" ]; then
  if command -v strip >/dev/null 2>&1; then
    stripped=" stripped"
  else
    log "strip not found (apt-get install binutils): the binary keeps its symbol tables"
  fi
fi
stamp="$node_version$stripped"

existing="$(docker image inspect --format '{{ index .Config.Labels "io.agentcrate.node-version" }}' "$tag" 2>/dev/null || true)"
if [ "$existing" = "$stamp" ]; then
  log "$tag already holds node $node_version; nothing to do"
  exit 0
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/usr/local/bin" "$stage/etc/ssl/certs" "$stage/tmp"
if [ -n "$stripped" ]; then
  strip -o "$stage/usr/local/bin/node" "$node_bin"
  chmod 0755 "$stage/usr/local/bin/node"
else
  cp -L "$node_bin" "$stage/usr/local/bin/node"
fi

# Every absolute path ldd prints: the libraries (after "=>") and the loader (first column).
ldd "$node_bin" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u |
  while read -r lib; do
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done

cat >"$stage/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
node:x:1000:1000::/home/node:/sbin/nologin
PASSWD
cat >"$stage/etc/group" <<'GROUP'
root:x:0:
node:x:1000:
GROUP
printf 'hosts: files dns\n' >"$stage/etc/nsswitch.conf"
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  cp -L /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
else
  log "warning: /etc/ssl/certs/ca-certificates.crt not found; image has no CA bundle"
fi
mkdir -p "$stage/home/node"
chmod 1777 "$stage/tmp"

tarball="$stage.tar"
tar --numeric-owner --owner=0 --group=0 -C "$stage" -cf "$tarball" .
trap 'rm -rf "$stage" "$tarball"' EXIT

log "importing $tag (node $stamp, $(du -h "$tarball" | cut -f1))"
docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change "LABEL io.agentcrate.node-version=\"$stamp\"" \
  --change 'CMD ["node"]' \
  "$tarball" "$tag" >/dev/null

docker run --rm "$tag" node -e 'process.stdout.write(process.version)' >/dev/null
log "built $tag"
