#!/usr/bin/env bash
# Installs what skiff needs on a fresh Debian machine: host packages (as root) and the npm dependencies.
# Idempotent: safe to run before every start or test run.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(etcd-server etcd-client containerd runc containernetworking-plugins iptables busybox-static hyperfine time docker-registry)
if [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "setup: not root, skipping host packages (${packages[*]})" >&2
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# Compile to dist/ so `skiff` runs JavaScript rather than loading TypeScript through tsx (bin/skiff.js
# falls back to the sources whenever they are newer than the build).
node scripts/build.js
