#!/usr/bin/env bash
# OpenWrt x86-64 amphora image with the OpenWrt ImageBuilder.
#
#   bash images/openwrt/build.sh --files-only DIR
#       writes the FILES= overlay (agent bundle, first-boot step, procd init script, uci-defaults) to DIR
#   bash images/openwrt/build.sh --imagebuilder PATH [--out DIR] [--force]
#       PATH = an extracted openwrt-imagebuilder-<version>-x86-64.Linux-x86_64 directory or its .tar.zst/.tar.xz;
#       runs `make image PROFILE=generic PACKAGES=… FILES=…` and copies the result to
#       DIR/openwrt-<key>/ (default ./.data/images). <key> hashes the package list, the overlay and the
#       ImageBuilder itself; an unchanged key is a cache hit.
# The ImageBuilder needs network access to downloads.openwrt.org (packages) unless its own repositories
# are pointed at a local mirror (repositories.conf).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/images/openwrt"
OUT="${OCTAVIA_TS_IMAGE_DIR:-${OCTAVIA_TS_DATA_DIR:-$ROOT/.data}/images}"
FILES_ONLY=""
IB=""
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --files-only) FILES_ONLY="$2"; shift ;;
    --imagebuilder) IB="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --force) FORCE=1 ;;
    *) echo "usage: $0 --files-only DIR | --imagebuilder PATH [--out DIR] [--force]" >&2; exit 2 ;;
  esac
  shift
done
log() { printf '[image:openwrt %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# PACKAGES= from packages.txt (comments and blank lines dropped).
packages() { grep -v '^\s*#' "$HERE/packages.txt" | sed '/^\s*$/d' | tr '\n' ' ' | sed 's/ $//'; }

# The overlay copied into the image (FILES=): same agent bundle and first-boot step as the Debian image.
write_files() {
  local dst="$1"
  mkdir -p "$dst"
  cp -a "$HERE/files/." "$dst/"
  install -d "$dst/opt/octavia-ts" "$dst/etc/octavia"
  ( cd "$ROOT" && node scripts/bundle-agent.js --outfile "$dst/opt/octavia-ts/amphora-agent.js" >&2 \
    && node images/debian/bundle-firstboot.js "$dst/opt/octavia-ts/amphora-firstboot.js" >&2 )
  chmod 755 "$dst/etc/init.d/octavia-amphora-agent" "$dst/etc/uci-defaults/90-octavia-amphora"
  packages > "$dst/etc/octavia/image-packages.txt"
  sh -n "$dst/etc/init.d/octavia-amphora-agent"
  sh -n "$dst/etc/uci-defaults/90-octavia-amphora"
}

if [ -n "$FILES_ONLY" ]; then
  write_files "$FILES_ONLY"
  log "overlay written to $FILES_ONLY; PACKAGES=\"$(packages)\""
  exit 0
fi

[ -n "$IB" ] || { echo "give --imagebuilder PATH (or --files-only DIR)" >&2; exit 2; }
[ -e "$IB" ] || { echo "ImageBuilder $IB not found (download openwrt-imagebuilder-*-x86-64.Linux-x86_64.tar.zst from downloads.openwrt.org)" >&2; exit 1; }
T0=$(date +%s)
WORK="$OUT/.work-openwrt"; mkdir -p "$WORK"
if [ -f "$IB" ]; then
  IBHASH=$(sha256sum "$IB" | cut -c1-16)
  IBDIR="$WORK/ib-$IBHASH"
  if [ ! -d "$IBDIR" ]; then
    mkdir -p "$IBDIR.tmp"
    tar -xf "$IB" -C "$IBDIR.tmp" --strip-components=1
    mv "$IBDIR.tmp" "$IBDIR"
  fi
else
  IBDIR="$(cd "$IB" && pwd)"
  IBHASH=$(cat "$IBDIR/.config" "$IBDIR/repositories.conf" 2>/dev/null | sha256sum | cut -c1-16)
fi
STAGE="$WORK/files"; rm -rf "$STAGE"
write_files "$STAGE"
KEY=$( { packages; echo "$IBHASH"; (cd "$STAGE" && find . -type f -print0 | sort -z | xargs -0 sha256sum); } | sha256sum | cut -c1-16)
DEST="$OUT/openwrt-$KEY"
if [ "$FORCE" = 0 ] && [ -f "$DEST/build.json" ]; then
  log "cache hit: $DEST"; cat "$DEST/build.json"; exit 0
fi
BIN="$WORK/bin-$KEY"; rm -rf "$BIN"
log "make image PROFILE=generic"
make -C "$IBDIR" image PROFILE=generic PACKAGES="$(packages)" FILES="$STAGE" BIN_DIR="$BIN" >"$WORK/make.log" 2>&1 \
  || { tail -n 40 "$WORK/make.log" >&2; exit 1; }
IMG=$(ls "$BIN"/*-x86-64-generic-ext4-combined.img.gz | head -n1)
mkdir -p "$DEST"
cp "$IMG" "$DEST/amphora-openwrt.img.gz"
ls "$BIN"/*-x86-64-generic-kernel.bin >/dev/null 2>&1 && cp "$BIN"/*-x86-64-generic-kernel.bin "$DEST/vmlinuz"
printf '{"key":"%s","buildSeconds":%s,"imageBytes":%s,"packages":"%s"}\n' "$KEY" "$(( $(date +%s) - T0 ))" \
  "$(stat -c %s "$DEST/amphora-openwrt.img.gz")" "$(packages)" > "$DEST/build.json"
ln -sfn "openwrt-$KEY" "$OUT/openwrt-current"
log "done: $DEST"; cat "$DEST/build.json"
