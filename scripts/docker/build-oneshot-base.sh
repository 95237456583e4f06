#!/usr/bin/env bash
# Builds the base of one-shot images (`agentcrate build`): the same minimal image as the deploy
# base (build-base-image.sh: a Node binary on this machine, the shared libraries it links, uid
# 1000, CA certificates, /tmp; no shell, no package manager), with the binary's symbol tables
# stripped when `strip` is installed. The one-shot Dockerfile's only RUN is in exec form.
#
# usage: scripts/docker/build-oneshot-base.sh [tag]   (default agentcrate-oneshot-base:24)
# Idempotent: skipped when the tag exists built from the same Node version and variant.
set -euo pipefail
STRIP_NODE=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/build-base-image.sh" "${1:-agentcrate-oneshot-base:24}"
