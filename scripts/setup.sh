#!/usr/bin/env bash
# `npm run setup`: everything this project needs on a fresh Debian/Ubuntu machine.
#  - npm packages, exactly as locked (npm ci)
#  - system packages: ansible-core (the runner executes real playbooks) and chromium (browser tests),
#    installed through apt when running as root, otherwise the exact command is printed
#  - browser libraries copied from node_modules into public/vendor
set -euo pipefail
cd "$(dirname "$0")/.."

echo "[setup] npm ci"
npm ci --no-audit --no-fund

need=()
command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core)
[ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${need[*]}"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing ${need[*]} with apt"
    bash -c "$cmd"
  else
    echo "[setup] system packages missing: ${need[*]}. Install them with:"
    echo "    sudo bash -c '$cmd'"
  fi
else
  echo "[setup] ansible-core and chromium already installed"
fi

npx tsx scripts/assets.ts
echo "[setup] done. Next: npm start"
