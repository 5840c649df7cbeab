#!/usr/bin/env bash
# Starts the arm64 package's runtime and bundle under qemu-aarch64 (Debian's qemu-user-static) until it
# prints "cstabox ready", with the arm64 C library from a debootstrap --foreign root cached outside the
# repository. Usage: arm64_check.sh dist/cstabox_<version>_arm64.deb
set -uo pipefail
deb=${1:?usage: arm64_check.sh cstabox_VERSION_arm64.deb}
cache=${CSTABOX_TEST_CACHE:-/var/cache/cstabox-test}
mirror=${CSTABOX_TEST_MIRROR:-http://deb.debian.org/debian}
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64) ||
  { echo "arm64-check: needs qemu-user-static (apt-get install qemu-user-static)"; exit 1; }
if [ ! -d "$cache/arm64-sysroot" ]; then
  echo "arm64-check: debootstrap --foreign arm64 into $cache/arm64-sysroot (once, for libc)"
  rm -rf "$cache/arm64-sysroot.tmp"
  debootstrap --foreign --arch=arm64 --variant=minbase bookworm "$cache/arm64-sysroot.tmp" "$mirror" \
    >/dev/null 2>&1 || { echo "arm64-check: debootstrap failed"; exit 1; }
  mv "$cache/arm64-sysroot.tmp" "$cache/arm64-sysroot"
fi
work=$(mktemp -d /tmp/cstabox-arm64.XXXXXX)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/pkg"
started=$(date +%s)
"$qemu" -L "$cache/arm64-sysroot" "$work/pkg/usr/lib/cstabox/deno" run --allow-all --unstable-net --no-config \
  --no-prompt --v8-flags=--max-semi-space-size=8 "$work/pkg/usr/lib/cstabox/cstabox.js" --data-dir "$work/data" \
  --bind 127.0.0.1 --http-port 0 --https-port 0 --csta-port 0 --csta-tls-port 0 --smdr-port 0 \
  --admin-password arm64-check >"$work/out" 2>"$work/err" &
pid=$!
ready=no
for _ in $(seq 1800); do
  grep -qx "cstabox ready" "$work/out" && { ready=yes; break; }
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ "$ready" = yes ]; then
  echo "arm64-check: cstabox ready under $(basename "$qemu") after $(($(date +%s) - started)) s"
  exit 0
fi
echo "arm64-check: no \"cstabox ready\" under qemu; stdout:"
cat "$work/out"
tail -20 "$work/err"
exit 1
