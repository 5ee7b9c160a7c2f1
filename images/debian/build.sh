#!/usr/bin/env bash
# Builds the Debian amphora image from Debian's packages alone (debootstrap --variant=minbase):
# HAProxy, keepalived, iproute2, Node.js, a kernel and the octavia-ts agent bundle.
#
#   bash images/debian/build.sh [--force] [--out DIR] [--boot-check]        (npm run image:debian)
#   --boot-check boots the result once (qemu driver, TCG unless KVM works) and prints boot → agent ready.
#
# Output (default ./.data/images, or $OCTAVIA_TS_IMAGE_DIR, or $OCTAVIA_TS_DATA_DIR/images):
#   debian-<key>/{amphora.qcow2,vmlinuz,vmlinux,initrd.img,build.json}  and the symlink debian-current → it.
# <key> hashes the resolved package list (name + version of every package the image gets), the agent
# bundle and this builder's own files; a build with an unchanged key is a cache hit and does nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/images/debian"
OUT="${OCTAVIA_TS_IMAGE_DIR:-${OCTAVIA_TS_DATA_DIR:-$ROOT/.data}/images}"
FORCE=0
BOOT_CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1 ;;
    --boot-check) BOOT_CHECK=1 ;;
    --out) OUT="$2"; shift ;;
    *) echo "usage: $0 [--force] [--out DIR] [--boot-check]" >&2; exit 2 ;;
  esac
  shift
done
SUITE=bookworm
# What the image gets on top of minbase (required priority + apt). --no-install-recommends throughout.
PACKAGES=(usr-is-merged systemd-sysv udev kmod procps iproute2 iputils-arping haproxy keepalived nodejs linux-image-amd64 initramfs-tools)

log() { printf '[image:debian %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
T0=$(date +%s.%N)
[ "$(id -u)" = 0 ] || { echo "build.sh must run as root (debootstrap, chroot)" >&2; exit 1; }

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${need[@]}" >&2
fi

# The Debian mirror this machine already uses (deb822 or one-line sources), else deb.debian.org.
mirror_for() { # $1 = /debian or /debian-security
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v '^\s*#' \
      | grep -oE 'https?://[^ ]+'"$1"'/?( |$)' | grep -vE "$1"'-' | head -n1 | tr -d ' ' || true)
  if [ "$1" = /debian ]; then
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v '^\s*#' \
        | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ' || true)
  fi
  echo "${m%/}"
}
MIRROR="${OCTAVIA_TS_DEBIAN_MIRROR:-$(mirror_for /debian)}"; MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECMIRROR="${OCTAVIA_TS_DEBIAN_SECURITY_MIRROR:-$(mirror_for /debian-security)}"; SECMIRROR="${SECMIRROR:-http://deb.debian.org/debian-security}"
log "mirror $MIRROR, security $SECMIRROR"

mkdir -p "$OUT"
# One build at a time per output dir (test files and benchmarks may ask at once); the second one then finds the cache.
exec 9>"$OUT/.build.lock"
flock 9
WORK="$OUT/.work"; mkdir -p "$WORK"
DEBCACHE="$OUT/.deb-cache"; mkdir -p "$DEBCACHE"

# ---- 1. resolve the package list with a private apt state (Debian sources only; nothing on the host changes)
APTD="$WORK/apt"; mkdir -p "$APTD/lists/partial" "$APTD/archives/partial" "$APTD/etc/preferences.d"
: > "$APTD/status"
cat > "$APTD/sources.list" <<SRC
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECMIRROR $SUITE-security main
SRC
APTOPTS=(-o Dir::Etc::SourceList="$APTD/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences="$APTD/etc/preferences" -o Dir::Etc::PreferencesParts="$APTD/etc/preferences.d"
  -o Dir::State::Lists="$APTD/lists" -o Dir::State::status="$APTD/status" -o Dir::Cache="$APTD"
  -o Dir::Cache::archives="$APTD/archives" -o APT::Architecture=amd64 -o APT::Architectures::=amd64
  -o Debug::NoLocking=1 -o Acquire::Languages=none)
log "resolving packages"
apt-get "${APTOPTS[@]}" -qq update >&2
REQUIRED=$(apt-cache "${APTOPTS[@]}" dumpavail | awk '/^Package: /{p=$2} /^Priority: required/{print p}' | sort -u)
RESOLVED=$(apt-get "${APTOPTS[@]}" -s -q install --no-install-recommends $REQUIRED apt "${PACKAGES[@]}" 2>/dev/null \
  | awk '/^Inst /{v=$3; gsub(/[()]/,"",v); print $2" "v}' | sort)
[ -n "$RESOLVED" ] || { echo "package resolution failed" >&2; exit 1; }
NPKG=$(printf '%s\n' "$RESOLVED" | wc -l)

# ---- 2. the agent bundle and the first-boot program (plain Node, no node_modules)
BUNDLE_DIR="$WORK/bundle"; mkdir -p "$BUNDLE_DIR"
# The agent bundle includes the first-boot step (`--firstboot`, libs/drivers/src/compute/qemu/firstboot/vm-agent.ts).
( cd "$ROOT" && node scripts/bundle-agent.js --vm --outfile "$BUNDLE_DIR/amphora-agent.js" >&2 \
  && node -r ./scripts/swc-register.js images/debian/render-netns-unit.ts > "$BUNDLE_DIR/amphora-netns.service" )

KEY=$( { printf '%s\n' "$RESOLVED"; sha256sum "$BUNDLE_DIR/amphora-agent.js" "$BUNDLE_DIR/amphora-netns.service" | cut -d' ' -f1;
         cat "$HERE/build.sh" "$HERE"/files/*; } | sha256sum | cut -c1-16)
DEST="$OUT/debian-$KEY"
if [ "$FORCE" = 0 ] && [ -f "$DEST/build.json" ]; then
  ln -sfn "debian-$KEY" "$OUT/debian-current"
  log "cache hit: $DEST (nothing changed in $NPKG packages, the agent or the builder)"
  node -e 'const b=require(process.argv[1]);console.log(`image ${b.key}: cached; last build took ${b.buildSeconds} s; qcow2 ${(b.qcow2Bytes/1048576).toFixed(1)} MiB, rootfs ${(b.rootfsBytes/1048576).toFixed(1)} MiB, kernel+initrd ${((b.kernelBytes+b.initrdBytes)/1048576).toFixed(1)} MiB`)' "$DEST/build.json"
  flock -u 9
  [ "$BOOT_CHECK" = 0 ] || ( cd "$ROOT" && node -r ./scripts/swc-register.js images/debian/boot-check.ts --out "$OUT" )
  exit 0
fi

# ---- 3. debootstrap + packages in a chroot
ROOTFS="$WORK/rootfs-$KEY"
MOUNTS=()
cleanup() {
  for ((i=${#MOUNTS[@]}-1; i>=0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null || true; done
  rm -rf "$ROOTFS"
}
trap cleanup EXIT
rm -rf "$ROOTFS"
log "debootstrap --variant=minbase $SUITE ($NPKG packages in the image)"
debootstrap --variant=minbase --cache-dir="$DEBCACHE" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }

# No documentation, manuals or translations, before anything else is unpacked.
install -m 0644 "$HERE/files/dpkg-nodoc.cfg" "$ROOTFS/etc/dpkg/dpkg.cfg.d/01-octavia-nodoc"
cp "$APTD/sources.list" "$ROOTFS/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' > "$ROOTFS/usr/sbin/policy-rc.d"; chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
mkdir -p "$ROOTFS/etc/initramfs-tools/conf.d"
install -m 0644 "$HERE/files/initramfs.conf" "$ROOTFS/etc/initramfs-tools/conf.d/octavia.conf"
install -m 0644 "$HERE/files/initramfs-modules" "$ROOTFS/etc/initramfs-tools/modules"
for m in proc sys dev; do
  mkdir -p "$ROOTFS/$m"; mount --bind "/$m" "$ROOTFS/$m"; MOUNTS+=("$ROOTFS/$m")
done
mount --bind "$DEBCACHE" "$ROOTFS/var/cache/apt/archives"; MOUNTS+=("$ROOTFS/var/cache/apt/archives")
log "apt-get install ${PACKAGES[*]}"
chroot "$ROOTFS" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "
  apt-get -q update && apt-get -q -y -o Dpkg::Options::=--force-confdef dist-upgrade &&
  apt-get -q -y install --no-install-recommends ${PACKAGES[*]}" >"$WORK/apt-install.log" 2>&1 \
  || { tail -n 40 "$WORK/apt-install.log" >&2; exit 1; }
KVER=$(ls "$ROOTFS/lib/modules" | awk 'NR == 1')

# ---- 4. amphora files: agent, first boot, units
install -d "$ROOTFS/opt/octavia-ts" "$ROOTFS/etc/octavia" "$ROOTFS/var/lib/octavia"
install -m 0755 "$BUNDLE_DIR/amphora-agent.js" "$ROOTFS/opt/octavia-ts/amphora-agent.js"
install -m 0644 "$HERE/files/amphora-agent.service" "$ROOTFS/etc/systemd/system/"
install -m 0644 "$BUNDLE_DIR/amphora-netns.service" "$ROOTFS/usr/lib/systemd/system/amphora-netns.service"
install -m 0644 "$HERE/files/sysctl.conf" "$ROOTFS/etc/sysctl.d/60-amphora.conf"
install -d "$ROOTFS/etc/systemd/journald.conf.d"
install -m 0644 "$HERE/files/journald.conf" "$ROOTFS/etc/systemd/journald.conf.d/60-amphora.conf"
echo amphora > "$ROOTFS/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 amphora\n::1 localhost ip6-localhost ip6-loopback\n' > "$ROOTFS/etc/hosts"
chroot "$ROOTFS" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -ec '
  systemctl enable amphora-netns.service amphora-agent.service >/dev/null 2>&1
  # The agent writes its own units per load balancer; the packaged defaults must not run.
  systemctl mask haproxy.service keepalived.service >/dev/null 2>&1
  # Nothing logs in: no gettys, no password.
  systemctl mask getty@.service serial-getty@.service console-getty.service getty-static.service >/dev/null 2>&1
  systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer dpkg-db-backup.timer >/dev/null 2>&1 || true
  # A short boot under TCG: every unit and generator below costs a process start on an emulated CPU, and an
  # amphora needs none of them. udev goes too: the initramfs loads virtio (disk, NIC, rng) before systemd, NICs
  # keep their kernel names (net.ifnames=0), the first-boot step finds the config drive with blkid and
  # hot-plugged NICs by MAC; modules the agent needs later (8021q, ip_vs, nf_tables) load on demand.
  systemctl mask systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket systemd-udev-trigger.service \
    systemd-udev-settle.service systemd-hwdb-update.service systemd-random-seed.service systemd-sysusers.service \
    systemd-update-utmp.service systemd-update-utmp-runlevel.service systemd-user-sessions.service systemd-logind.service \
    systemd-journal-flush.service systemd-journal-catalog-update.service systemd-remount-fs.service systemd-modules-load.service \
    kmod-static-nodes.service systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer modprobe@.service \
    dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
    sys-fs-fuse-connections.mount proc-sys-fs-binfmt_misc.automount systemd-binfmt.service systemd-firstboot.service \
    systemd-machine-id-commit.service systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-repart.service \
    systemd-pstore.service systemd-boot-system-token.service ldconfig.service systemd-ask-password-console.path \
    systemd-ask-password-wall.path systemd-initctl.socket systemd-journald-audit.socket getty.target >/dev/null 2>&1
  mkdir -p /etc/systemd/system-generators
  for g in /usr/lib/systemd/system-generators/*; do ln -sfn /dev/null "/etc/systemd/system-generators/${g##*/}"; done
  passwd -l root >/dev/null
  depmod -a '"$KVER"
# The initramfs mounts the root file system (rw,noatime,errors=remount-ro): nothing for fstab (and no remount) to do.
printf '# the root file system is mounted by the initramfs (rw,noatime,errors=remount-ro)\n' > "$ROOTFS/etc/fstab"

# ---- 5. make it small: docs, manuals, locales, caches, kernel modules an amphora never loads
for m in "${MOUNTS[@]}"; do umount -l "$m"; done; MOUNTS=()
rm -f "$ROOTFS/usr/sbin/policy-rc.d"
BEFORE=$(du -sx --block-size=1 "$ROOTFS" | cut -f1)
rm -rf "$ROOTFS"/usr/share/{doc,man,info,lintian,linda,bug,common-licenses}/* "$ROOTFS"/usr/share/locale/* \
       "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/debconf/*-old \
       "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/usr/share/zoneinfo/right
install -d "$ROOTFS/var/lib/apt/lists/partial"
MODDIR="$ROOTFS/lib/modules/$KVER/kernel"
# Keep: virtio, the virtual links keepalived/agent use, all of net/ (netfilter, bridge, ip_vs, 8021q …),
# the file systems the image and the config drive need, crypto and lib.
find "$MODDIR/drivers" -name '*.ko*' \
  ! -path '*/drivers/virtio/*' ! -path '*/drivers/block/virtio_blk.ko*' ! -path '*/drivers/net/virtio_net.ko*' \
  ! -path '*/drivers/net/net_failover.ko*' ! -path '*/drivers/net/veth.ko*' ! -path '*/drivers/net/macvlan.ko*' \
  ! -path '*/drivers/net/dummy.ko*' ! -path '*/drivers/net/vxlan/*' ! -path '*/drivers/net/geneve.ko*' \
  ! -path '*/drivers/net/ipvlan/*' ! -path '*/drivers/char/hw_random/virtio-rng.ko*' ! -path '*/drivers/net/tun.ko*' \
  -delete
rm -rf "$MODDIR/sound" "$MODDIR/net/wireless" "$MODDIR/net/mac80211" "$MODDIR/net/bluetooth" "$MODDIR/net/ceph" \
       "$MODDIR/net/sunrpc" "$MODDIR/net/rxrpc" "$MODDIR/net/nfc" "$MODDIR/net/6lowpan" "$MODDIR/net/ieee802154"
find "$MODDIR/fs" -mindepth 1 -maxdepth 1 ! -name ext4 ! -name jbd2 ! -name fat ! -name nls ! -name isofs \
  ! -name overlayfs ! -name mbcache.ko -exec rm -rf {} +
rm -rf "$MODDIR/arch/x86/kvm"
find "$MODDIR" -type d -empty -delete
chroot "$ROOTFS" /sbin/depmod -a "$KVER"
cp "$ROOTFS/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
# Our own initramfs instead of initramfs-tools' (which starts udev and waits for it to settle: 3 s under TCG):
# klibc's sh, insmod, mount and run-init, the virtio and ext4 modules in dependency order, and an init that
# mounts /dev/vda and hands over to systemd. Uncompressed (3 MiB): nothing to inflate on an emulated CPU.
IRD="$WORK/initramfs"; rm -rf "$IRD"; mkdir -p "$IRD"/{bin,dev,proc,root,lib/modules}
cp "$ROOTFS"/usr/lib/klibc-*.so "$IRD/lib/"
for b in sh insmod mount run-init sleep; do cp "$ROOTFS/usr/lib/klibc/bin/$b" "$IRD/bin/"; done
for m in $(for m in virtio_pci virtio_blk virtio_net virtio-rng ext4; do chroot "$ROOTFS" /sbin/modprobe -S "$KVER" --show-depends "$m"; done \
           | awk '$1=="insmod" && !seen[$2]++ {print $2}'); do
  cp "$ROOTFS$m" "$IRD/lib/modules/"; echo "${m##*/}" >> "$IRD/modules"
done
install -m 0755 "$HERE/files/initramfs-init" "$IRD/init"
# newc archive, owned by root, with /dev/console (the kernel opens it for init before anything is mounted).
python3 - "$IRD" "$WORK/initrd.img" <<'PY'
import os, stat, sys
root, out = sys.argv[1], sys.argv[2]
entries, ino = [], 1
def add(name, mode, data=b'', rdev=(0, 0)):
    global ino
    hdr = '070701' + ''.join('%08X' % v for v in (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0))
    ino += 1
    entries.append(hdr.encode() + name.encode() + b'\0' + b'\0' * ((4 - (110 + len(name) + 1) % 4) % 4) + data + b'\0' * ((4 - len(data) % 4) % 4))
for d, dirs, files in os.walk(root):
    dirs.sort()
    rel = os.path.relpath(d, root)
    if rel != '.': add(rel, stat.S_IFDIR | 0o755)
    for f in sorted(files):
        p = os.path.join(d, f)
        add(os.path.normpath(os.path.join(rel, f)), stat.S_IFREG | (os.stat(p).st_mode & 0o777), open(p, 'rb').read())
add('dev/console', stat.S_IFCHR | 0o600, rdev=(5, 1))
add('TRAILER!!!', 0)
open(out, 'wb').write(b''.join(entries))
PY
rm -rf "$IRD"
# The kernel uncompressed, booted through its PVH entry: inflating the bzImage takes 2-3 s under TCG.
python3 - "$WORK/vmlinuz" "$WORK/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], 'rb').read()
at = data.find(b'\xfd7zXZ\x00')
if at < 0: sys.exit('vmlinuz: no xz payload')
elf = lzma.LZMADecompressor().decompress(data[at:])
if elf[:4] != b'\x7fELF': sys.exit('vmlinuz: payload is not an ELF kernel')
open(sys.argv[2], 'wb').write(elf)
PY
# Booted directly by the hypervisor: the copies in /boot are dead weight.
rm -f "$ROOTFS"/boot/vmlinuz-* "$ROOTFS"/boot/initrd.img-* "$ROOTFS"/boot/System.map-* "$ROOTFS"/vmlinuz* "$ROOTFS"/initrd.img*
AFTER=$(du -sx --block-size=1 "$ROOTFS" | cut -f1)
log "rootfs $((BEFORE/1048576)) MiB → $((AFTER/1048576)) MiB after pruning"
# Where the remaining space goes (kept next to the image as sizes.txt).
( cd "$ROOTFS" && du -x -m -d 3 . 2>/dev/null | sort -rn | awk 'NR <= 25' ) > "$WORK/sizes.txt"
printf '%s\n' "$RESOLVED" > "$WORK/packages.txt"
cp "$WORK/packages.txt" "$ROOTFS/etc/octavia/image-packages.txt"

# ---- 6. ext4 file system straight from the directory (no loop mount), then qcow2
SIZE_MB=$(( AFTER/1048576 + AFTER/1048576/4 + 384 ))
rm -f "$WORK/root.raw"
mkfs.ext4 -q -F -L amphora-root -d "$ROOTFS" "$WORK/root.raw" "${SIZE_MB}M"
qemu-img convert -c -O qcow2 "$WORK/root.raw" "$WORK/amphora.qcow2"
rm -f "$WORK/root.raw"

STAGE="$OUT/.stage-$KEY"; rm -rf "$STAGE"; mkdir -p "$STAGE"
mv "$WORK/amphora.qcow2" "$WORK/vmlinuz" "$WORK/vmlinux" "$WORK/initrd.img" "$STAGE/"
cp "$WORK/packages.txt" "$WORK/sizes.txt" "$STAGE/"
T1=$(date +%s.%N)
node -e '
const fs=require("fs");const [dir,key,kver,t0,t1,rootfs,before,npkg,suite,mirror,size]=process.argv.slice(1);
const st=(f)=>fs.statSync(dir+"/"+f).size;
const b={key,suite,mirror,kernel:kver,packages:Number(npkg),builtAt:new Date().toISOString(),
  buildSeconds:Math.round((Number(t1)-Number(t0))*10)/10,rootfsBytes:Number(rootfs),rootfsBytesBeforePruning:Number(before),
  filesystemMiB:Number(size),qcow2Bytes:st("amphora.qcow2"),kernelBytes:st("vmlinuz"),vmlinuxBytes:st("vmlinux"),initrdBytes:st("initrd.img")};
fs.writeFileSync(dir+"/build.json",JSON.stringify(b,null,2)+"\n");
console.log(`image ${key}: built in ${b.buildSeconds} s; qcow2 ${(b.qcow2Bytes/1048576).toFixed(1)} MiB, rootfs ${(b.rootfsBytes/1048576).toFixed(1)} MiB (was ${(b.rootfsBytesBeforePruning/1048576).toFixed(1)} MiB before pruning), kernel+initrd ${((b.kernelBytes+b.initrdBytes)/1048576).toFixed(1)} MiB, ${npkg} packages, kernel ${kver}`);
' "$STAGE" "$KEY" "$KVER" "$T0" "$T1" "$AFTER" "$BEFORE" "$NPKG" "$SUITE" "$MIRROR" "$SIZE_MB"
rm -rf "$DEST"; mv "$STAGE" "$DEST"
ln -sfn "debian-$KEY" "$OUT/debian-current"
# Keep this image and the one before it (running VMs' overlays point at their base image); drop older ones.
for old in $(cd "$OUT" && ls -1dt debian-[0-9a-f]*[0-9a-f] 2>/dev/null | grep -vx "debian-$KEY" | tail -n +2); do
  [ -L "$OUT/$old" ] || { log "removing old image $OUT/$old"; rm -rf "${OUT:?}/$old"; }
done
log "done: $DEST"
flock -u 9
[ "$BOOT_CHECK" = 0 ] || ( cd "$ROOT" && node -r ./scripts/swc-register.js images/debian/boot-check.ts --out "$OUT" )
