#!/usr/bin/env bash
# The cheap, real package check CI runs (the full install test under systemd-nspawn is
# `deno task appliance-test`): builds both packages, unpacks the amd64 one with dpkg into a scratch root,
# checks what it holds, and starts its runtime and bundle to "cstabox ready". Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}
work=$(mktemp -d /tmp/cstabox-package-check.XXXXXX)
pid=""
finish() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$work"
  echo "${passed} passed, ${failed} failed"
}
trap finish EXIT

version=$(deno eval 'console.log(JSON.parse(Deno.readTextFileSync("deno.json")).version)')
started=$(date +%s)
deno run -A scripts/build.ts --fast --out "$work/dist" >"$work/build.log" 2>&1
check "deno task build (--fast) exits 0" test $? -eq 0 || cat "$work/build.log"
echo "package-check: build took $(($(date +%s) - started)) s"
for arch in amd64 arm64; do
  check "the $arch package is written" test -f "$work/dist/cstabox_${version}_${arch}.deb"
done
deb="$work/dist/cstabox_${version}_amd64.deb"
[ -f "$deb" ] || exit 1

# A scratch root with an empty dpkg database: dpkg unpacks (no maintainer scripts: they need systemd).
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpkg --root="$root" --force-depends --force-not-root --unpack "$deb" >"$work/dpkg.log" 2>&1
check "dpkg --unpack into a scratch root" test $? -eq 0 || cat "$work/dpkg.log"
check "dpkg records the package" sh -c "dpkg --root='$root' -s cstabox 2>/dev/null | grep -q '^Version: $version$'"
for path in usr/bin/cstabox usr/lib/cstabox/deno usr/lib/cstabox/cstabox.js usr/lib/cstabox/webhook_http_worker.js \
  lib/systemd/system/cstabox.service \
  usr/share/doc/cstabox/INSTALL.md usr/share/doc/cstabox/operations.md usr/share/doc/cstabox/licensing.md; do
  check "the package holds /$path" test -s "$root/$path"
done
check "the runtime is the pinned Deno" \
  sh -c "'$root/usr/lib/cstabox/deno' --version | head -1 | grep -qx 'deno $(cat .deno-version) (stable, release, x86_64-unknown-linux-gnu)'"
for script in postinst prerm postrm; do
  dpkg-deb --ctrl-tarfile "$deb" | tar -xO "./$script" >"$work/$script"
  check "$script is valid sh" sh -n "$work/$script"
done
check "no test-only package in the bundle" \
  sh -c "! grep -qE '^// .*registry\.npmjs\.org/(playwright-core|fast-check)/' '$root/usr/lib/cstabox/cstabox.js'"
# The webhook sender thread: the bundle starts it beside itself, and the packaged runtime loads it as a thread
# (a module that is missing or does not load fires the Worker's error event, not a silent hang).
check "the bundle starts the webhook sender thread from beside itself" \
  grep -q '"./webhook_http_worker.js"' "$root/usr/lib/cstabox/cstabox.js"
cat >"$work/thread_check.js" <<EOF
const worker = new Worker("file://$root/usr/lib/cstabox/webhook_http_worker.js", { type: "module" });
worker.onerror = (event) => { event.preventDefault(); console.log("thread failed: " + event.message); Deno.exit(1); };
worker.postMessage({ handedAt: Date.now(), send: [] });
setTimeout(() => { console.log("thread loaded"); Deno.exit(0); }, 1500);
EOF
check "the packaged runtime starts the packaged webhook sender thread" \
  sh -c "DENO_DIR='$work/cache' '$root/usr/lib/cstabox/deno' run --allow-all --no-config '$work/thread_check.js' | grep -qx 'thread loaded'"
check "the unit is Type=notify" grep -qx "Type=notify" "$root/lib/systemd/system/cstabox.service"

# The packaged runtime runs the packaged bundle with the launcher's flags, to "cstabox ready".
flags=$(sed -n 's|^exec /usr/lib/cstabox/deno run \(.*\) /usr/lib/cstabox/cstabox.js "\$@"$|\1|p' "$root/usr/bin/cstabox")
check "the launcher runs the bundle with the pinned runtime" test -n "$flags"
# shellcheck disable=SC2086
DENO_DIR="$work/cache" "$root/usr/lib/cstabox/deno" run $flags "$root/usr/lib/cstabox/cstabox.js" \
  --data-dir "$work/data" --bind 127.0.0.1 --http-port 0 --https-port 0 --csta-port 0 --csta-tls-port 0 \
  --smdr-port 0 >"$work/out" 2>"$work/err" &
pid=$!
ready() { grep -qx "cstabox ready" "$work/out"; }
for _ in $(seq 600); do ready && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
check "the packaged cstabox starts to \"cstabox ready\"" ready || { cat "$work/out"; tail -20 "$work/err"; }
check "it generated first passwords instead of admin/admin" grep -q "^cstabox first password of web user admin: " "$work/out"
kill "$pid" 2>/dev/null
wait "$pid"
check "SIGTERM stops it with exit code 0" test $? -eq 0
pid=""
exit $((failed > 0))
