#!/usr/bin/env bash
# The appliance install test: builds the package, boots Debian bookworm (debootstrap, cached outside the
# repository) under systemd-nspawn, installs it and checks service, first boot, health, SIGHUP, journald
# priorities, upgrade, downgrade refusal, security score and purge. Needs root, debootstrap and
# systemd-container. Ends with "N passed, N failed".
#
#   bash scripts/appliance/install_test.sh        (deno task appliance-test)
#   CSTABOX_TEST_CACHE=/var/cache/cstabox-test    where the bookworm root and the runtime are cached
set -uo pipefail
# bash reads a script as it runs: run a copy, so editing this file meanwhile cannot change a running test.
if [ -z "${CSTABOX_INSTALL_TEST_REPO:-}" ]; then
  copy=$(mktemp /tmp/cstabox-install-test.XXXXXX.sh)
  cp "$0" "$copy"
  CSTABOX_INSTALL_TEST_REPO=$(cd "$(dirname "$0")/../.." && pwd) bash "$copy" "$@"
  status=$?
  rm -f "$copy"
  exit "$status"
fi
cd "$CSTABOX_INSTALL_TEST_REPO" || exit 1
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1
cache=${CSTABOX_TEST_CACHE:-/var/cache/cstabox-test}
mirror=${CSTABOX_TEST_MIRROR:-http://deb.debian.org/debian}
started=$(date +%s)
passed=0
failed=0
work=$(mktemp -d /tmp/cstabox-install-test.XXXXXX)
nspawn_pid=""

say() { echo "install-test: $*"; }
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
finish() {
  if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
    inside systemctl poweroff >/dev/null 2>&1 || kill "$nspawn_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$nspawn_pid" 2>/dev/null
  fi
  rm -rf "$work"
  say "took $(($(date +%s) - started)) s"
  echo "${passed} passed, ${failed} failed"
}
trap finish EXIT

for tool in debootstrap systemd-nspawn nsenter dpkg-deb npm; do
  command -v "$tool" >/dev/null || { say "needs $tool (apt-get install debootstrap systemd-container)"; failed=1; exit 1; }
done

# ---- packages: the version under test and a rebuilt one with a newer version for the upgrade ------
version=$(deno eval 'console.log(JSON.parse(Deno.readTextFileSync("deno.json")).version)')
export CSTABOX_BUILD_CACHE="$cache/build"
say "building cstabox $version and ${version}+upgrade1 (amd64)"
deno run -A scripts/build.ts --arch amd64 --fast --out "$work/v1" >"$work/build.log" 2>&1 &&
  deno run -A scripts/build.ts --arch amd64 --fast --version "${version}+upgrade1" --out "$work/v2" \
    >>"$work/build.log" 2>&1
check "deno task build writes the amd64 package" test -f "$work/v1/cstabox_${version}_amd64.deb"
[ -f "$work/v1/cstabox_${version}_amd64.deb" ] || { cat "$work/build.log"; exit 1; }

# ---- a Debian bookworm root, made once and copied for each run ------------------------------------
if [ ! -d "$cache/bookworm-base" ]; then
  say "debootstrap bookworm into $cache/bookworm-base (once)"
  mkdir -p "$cache"
  rm -rf "$cache/bookworm-base.tmp"
  debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,curl,procps bookworm \
    "$cache/bookworm-base.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  mv "$cache/bookworm-base.tmp" "$cache/bookworm-base"
fi
root="$work/root"
cp -a "$cache/bookworm-base" "$root"
cp "$work/v1/cstabox_${version}_amd64.deb" "$root/root/v1.deb"
cp "$work/v2/cstabox_${version}+upgrade1_amd64.deb" "$root/root/v2.deb"
echo "cstabox-test" >"$root/etc/hostname"

# ---- boot it -------------------------------------------------------------------------------------
# --private-network: the container's ports are its own (no clash with the host's 8080).
say "booting the container"
systemd-nspawn -D "$root" --boot --register=no --keep-unit --private-network \
  --machine="cstabox-test-$$" >"$work/console.log" 2>&1 &
nspawn_pid=$!
leader=""
# The container's init: the child of systemd-nspawn that runs systemd (not a short-lived helper).
for _ in $(seq 300); do
  leader=$(pgrep -P "$nspawn_pid" -x systemd | head -1)
  [ -n "$leader" ] && break
  kill -0 "$nspawn_pid" 2>/dev/null || break
  sleep 0.1
done
inside() { nsenter -t "$leader" -m -u -i -n -p -- "$@"; }
for _ in $(seq 150); do
  state=$(inside systemctl is-system-running 2>/dev/null)
  case "$state" in running | degraded) break ;; esac
  sleep 0.2
done
check "the container boots systemd (state: ${state:-none})" test -n "$state"
[ -n "$state" ] || { say "the container did not boot; console:"; tail -30 "$work/console.log"; exit 1; }

# Waits until `cmd` succeeds, up to N tenths of a second.
until_ok() {
  local tenths=$1
  shift
  for _ in $(seq "$tenths"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
http() { inside curl -s -o /dev/null -w '%{http_code}' "$@"; }
journal() { inside journalctl -u cstabox --no-pager -o cat "$@"; }
# `journal_has TEXT [journalctl options]`: whole output first, so grep -q cannot cut the pipe (pipefail).
journal_has() {
  local text=$1 out
  shift
  out=$(journal "$@")
  grep -qF -- "$text" <<<"$out"
}

# ---- install: CSTA admin password provisioned as a file, web admin password generated --------------
inside install -d -m 0700 /etc/cstabox /etc/cstabox/credentials
echo "csta-from-file-77" | inside tee /etc/cstabox/credentials/csta-admin-password >/dev/null
inside env DEBIAN_FRONTEND=noninteractive dpkg -i /root/v1.deb >"$work/dpkg-v1.log" 2>&1
check "dpkg -i installs the package" test $? -eq 0
check "the service is active (Type=notify: READY=1 arrived)" until_ok 300 inside systemctl is-active --quiet cstabox
check "the unit is Type=notify with a watchdog" \
  test "$(inside systemctl show -p Type --value cstabox)/$(inside systemctl show -p WatchdogUSec --value cstabox)" = "notify/30s"
check "/healthz answers 200" until_ok 100 test "$(http http://127.0.0.1:8080/healthz)" = 200
check "/readyz answers 200 once the (simulated) PBX link is up" until_ok 200 test "$(http http://127.0.0.1:8080/readyz)" = 200

password=$(journal | sed -n 's/^cstabox first password of web user admin: //p' | head -1)
check "a first password was generated and printed once to the journal" test -n "$password"
check "the console banner shows it, through /etc/issue.d" inside grep -qF "$password" /etc/issue.d/cstabox.issue
logs_in() { case "$(http -u "admin:$password" http://127.0.0.1:8080/api/status)" in 200 | 403) return 0 ;; esac; return 1; }
check "the generated password logs in (200, or 403 until it is changed)" logs_in
check "admin/admin does not" test "$(http -u admin:admin http://127.0.0.1:8080/api/status)" = 401
check "the provisioned CSTA password file was read once and removed" inside test ! -e /etc/cstabox/credentials/csta-admin-password
check "no first password for the CSTA admin was generated (it came from the file)" \
  eval '! journal_has "first password of CSTA user admin"'

# ---- SIGHUP reloads, journald priorities ---------------------------------------------------------
pid_before=$(inside systemctl show -p MainPID --value cstabox)
inside sed -i 's/historySize: 500/historySize: 600/' /var/lib/cstabox/cstabox.yaml
inside systemctl reload cstabox
reloaded() { journal_has 'smdr.historySize: 500 -> 600'; }
check "SIGHUP (systemctl reload) reloads the settings file and logs the change" until_ok 50 reloaded
check "the process survives SIGHUP" test "$pid_before" != 0 -a "$(inside systemctl show -p MainPID --value cstabox)" = "$pid_before"
inside sed -i 's/historySize: 600/historySize: lots/' /var/lib/cstabox/cstabox.yaml
inside systemctl reload cstabox
sleep 1
error_at_err() { journal_has 'settings file refused' -p err; }
info_above_warning() { journal_has 'cstabox started' -p warning; }
info_at_info() { journal_has 'cstabox started' -p info; }
check "an error reaches the journal at priority err (-p err)" until_ok 30 error_at_err
check "info entries are not at warning or above (-p warning)" eval '! info_above_warning'
check "info entries are at priority info (-p info)" info_at_info
inside sed -i 's/historySize: lots/historySize: 600/' /var/lib/cstabox/cstabox.yaml
inside systemctl reload cstabox

# ---- security score ------------------------------------------------------------------------------
score=$(inside systemd-analyze security cstabox.service --no-pager 2>/dev/null |
  sed -n 's/.*Overall exposure level for cstabox.service: \([0-9.]*\).*/\1/p')
say "systemd-analyze security: ${score:-none}"
check "systemd-analyze security scores at most 2.0 (${score:-none})" \
  awk -v s="${score:-99}" 'BEGIN { exit !(s <= 2.0) }'

# ---- upgrade: data kept, under 1 s of /healthz failures ------------------------------------------
pid_upgrade=$(inside systemctl show -p MainPID --value cstabox)
# A probe inside the container asks /healthz every 50 ms during the upgrade and notes when it failed.
inside sh -c 'end=$(($(date +%s) + 25)); : > /root/healthz-failures
  while [ "$(date +%s)" -lt "$end" ]; do
    curl -s -o /dev/null -m 1 http://127.0.0.1:8080/healthz || date +%s%3N >> /root/healthz-failures
    sleep 0.05
  done' &
probe=$!
sleep 1
inside env DEBIAN_FRONTEND=noninteractive dpkg -i /root/v2.deb >"$work/dpkg-v2.log" 2>&1
check "dpkg -i of the newer package upgrades" test $? -eq 0
wait "$probe"
# The outage is the time from the first failed probe to the last one, plus one probe interval.
outage=$(inside sh -c 'f=$(head -1 /root/healthz-failures); l=$(tail -1 /root/healthz-failures);
  if [ -n "$f" ]; then echo $((l - f + 50)); else echo 0; fi')
say "upgrade: /healthz failed for ${outage} ms ($(inside wc -l /root/healthz-failures | cut -d" " -f1) failed probes)"
inside journalctl -u cstabox -o short-precise --no-pager | grep -E "Stopping|cstabox stopped|Started|cstabox ready" | tail -4
check "the upgrade costs under 1 s of /healthz failures (${outage} ms)" test "$outage" -lt 1000
check "the newer package is installed" \
  test "$(inside dpkg-query -W -f='${Version}' cstabox)" = "${version}+upgrade1"
restarted() { local pid; pid=$(inside systemctl show -p MainPID --value cstabox); [ "$pid" != 0 ] && [ "$pid" != "$pid_upgrade" ]; }
check "the service was restarted on the new files" until_ok 100 restarted
check "the upgrade kept the settings edit" inside grep -q 'historySize: 600' /var/lib/cstabox/cstabox.yaml
check "the upgrade kept the database and the admin password" until_ok 100 logs_in
check "no new password was generated on upgrade" test "$(journal | grep -c 'first password of web user admin')" = 1

# ---- downgrade: a newer store is refused, not changed --------------------------------------------
inside systemctl stop cstabox
inside runuser -u cstabox -- /usr/lib/cstabox/deno eval --no-config \
  'import { DatabaseSync } from "node:sqlite"; const db = new DatabaseSync("/var/lib/cstabox/cstabox.db");
   db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (999, ?, ?)").run("from the future", "2030-01-01");
   db.close();' >/dev/null 2>&1
inside systemctl start cstabox
refused() { local out; out=$(inside curl -s http://127.0.0.1:8080/healthz); grep -q 'newer than this cstabox knows' <<<"$out"; }
check "a store newer than the program is refused with a clear reason in /healthz" until_ok 100 refused
inside systemctl stop cstabox
store_version() {
  inside runuser -u cstabox -- /usr/lib/cstabox/deno eval --no-config 'import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync("/var/lib/cstabox/cstabox.db");
    console.log(db.prepare("SELECT MAX(version) AS v FROM schema_version").get().v);'
}
check "the refused store is left as it was" test "$(store_version)" = 999
check "systemctl stop ends it cleanly (SIGTERM, result success)" \
  test "$(inside systemctl show -p Result --value cstabox)" = success

# ---- purge --------------------------------------------------------------------------------------
inside env DEBIAN_FRONTEND=noninteractive dpkg --purge cstabox >"$work/dpkg-purge.log" 2>&1
check "dpkg --purge removes the package" test $? -eq 0
check "purge deletes the data directory" inside test ! -e /var/lib/cstabox
check "purge removes the unit" inside test ! -e /lib/systemd/system/cstabox.service

[ "$failed" -eq 0 ] || { say "console log:"; tail -30 "$work/console.log"; say "journal:"; journal | tail -40; }
exit $((failed > 0))
