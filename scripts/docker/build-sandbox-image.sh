#!/usr/bin/env bash
# Builds a minimal Python image for code nodes in `sandbox: {mode: docker}` from the host's
# Debian python3 (for machines that cannot pull python:3-slim, like CI here). The image holds
# only: the python3 binary, the shared libraries ldd lists plus the dynamic loader, the
# standard library (without its test suite), /etc/passwd + /etc/group with `nobody`, and /tmp.
#
# usage: scripts/docker/build-sandbox-image.sh [tag]   (default agentcrate-sandbox-python:3)
# Then: AGENTCRATE_SANDBOX_IMAGE=<tag> agentcrate run ...
# Idempotent: skipped when the tag exists with the same python version label.
set -euo pipefail

tag="${1:-agentcrate-sandbox-python:3}"
log() { printf 'build-sandbox-image: %s\n' "$*" >&2; }

python_bin="$(readlink -f /usr/bin/python3 2>/dev/null || true)"
if [ -z "$python_bin" ] || [ ! -x "$python_bin" ]; then
  log "no Debian python3 at /usr/bin/python3: apt-get install python3-minimal libpython3-stdlib"
  exit 1
fi
python_version="$("$python_bin" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
short="$("$python_bin" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
stdlib="/usr/lib/python$short"

existing="$(docker image inspect --format '{{ index .Config.Labels "io.agentcrate.python-version" }}' "$tag" 2>/dev/null || true)"
if [ "$existing" = "$python_version" ]; then
  log "$tag already holds python $python_version; nothing to do"
  exit 0
fi

stage="$(mktemp -d)"
tarball="$stage.tar"
trap 'rm -rf "$stage" "$tarball"' EXIT

mkdir -p "$stage/usr/bin" "$stage/usr/lib" "$stage/etc" "$stage/tmp"
cp -L "$python_bin" "$stage/usr/bin/python$short"
ln -s "python$short" "$stage/usr/bin/python3"

# The binary's libraries, and those of the standard library's extension modules.
{
  ldd "$python_bin"
  find "$stdlib/lib-dynload" -name '*.so' -exec ldd {} \; 2>/dev/null
} | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u |
  while read -r lib; do
    [ -e "$lib" ] || continue
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done

tar -C / --exclude="${stdlib#/}/test" --exclude='__pycache__' --exclude="${stdlib#/}/idlelib" \
  --exclude="${stdlib#/}/tkinter" --exclude="${stdlib#/}/ensurepip" -cf - "${stdlib#/}" |
  tar -C "$stage" -xf -

cat >"$stage/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat >"$stage/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
chmod 1777 "$stage/tmp"

tar --numeric-owner --owner=0 --group=0 -C "$stage" -cf "$tarball" .
log "importing $tag (python $python_version, $(du -h "$tarball" | cut -f1))"
docker import \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change "LABEL io.agentcrate.python-version=$python_version" \
  --change 'CMD ["python3"]' \
  "$tarball" "$tag" >/dev/null

docker run --rm --network none "$tag" python3 -I -S -c 'import json, statistics, socket, urllib.request' >/dev/null
log "built $tag"
