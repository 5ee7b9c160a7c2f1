#!/usr/bin/env bash
# Installs what octavia-ts needs on a fresh Debian machine (run as root): Node.js and npm if missing,
# the data plane (HAProxy, keepalived, iproute2), PostgreSQL and Redis binaries, and the OpenStack CLI
# that the client tests drive. Then installs the npm dependencies and builds the project.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
for pair in haproxy:haproxy keepalived:keepalived ip:iproute2 curl:curl ps:procps arping:iputils-arping; do
  command -v "${pair%%:*}" >/dev/null || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
done
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
if [ "${OCTAVIA_TS_WITH_CLIENT_TESTS:-0}" = 1 ]; then
  [ -x /usr/bin/openstack ] || need+=(python3-openstackclient)
  /usr/bin/python3 -c 'import octaviaclient' 2>/dev/null || need+=(python3-octaviaclient)
  # A real Keystone for test/keystone (Debian's keystone code without the system daemon of the `keystone` package).
  [ -x /usr/bin/keystone-wsgi-public ] || need+=(python3-keystone)
  [ -f /usr/lib/uwsgi/plugins/python3_plugin.so ] || need+=(uwsgi-core uwsgi-plugin-python3)
  /usr/bin/python3 -c 'import psycopg2' 2>/dev/null || need+=(python3-psycopg2)
  # VM amphorae and adopted devices (images/debian, test/vm, test/ssh, the qemu/ssh driver specs).
  for pair in debootstrap:debootstrap qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils mkfs.vfat:dosfstools mcopy:mtools sshd:openssh-server ssh-keygen:openssh-client; do
    command -v "${pair%%:*}" >/dev/null || [ -x "/usr/sbin/${pair%%:*}" ] || need+=("${pair#*:}")
  done
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "prepare-host: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${need[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install`, not `npm ci`: npm 11 rejects its own lock file over optional platform packages.
  npm install --no-audit --no-fund
fi
npm run build --silent
