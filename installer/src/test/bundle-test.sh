#!/usr/bin/env bash
# The bundle end to end, run by Maven in the installer module's integration-test phase:
#
#   installer/src/test/bundle-test.sh installer/target/strongroom-<version>-linux-x86_64.tar.gz
#
#  1. the archive: checksum, owners, time stamps, contents, runtime modules, SBOM;
#  2. install.sh --prefix into a scratch root: layout, modes, unit hardening; a second run changes nothing;
#  3. the installed bin/strongroom on a fresh SoftHSM2 token: keys init, serve, /health/ready 200 over
#     HTTPS (trusting only the appliance's certificate), a PDF ingested and found (the jlinked runtime
#     has what PDF extraction, the embedding model and TLS need), stopped by its PID;
#  4. upgrade to a second version: `current` switches, configuration and data stay, the new version serves;
#  5. upgrade to a bundle whose appliance cannot start: install.sh rolls back by itself;
#     a bundle whose checksum does not match is refused;
#  6. uninstall keeps configuration and data; --purge-data removes them.
#
# Needs softhsm2 and curl. PINs are written to 0600 files, never passed on a command line.
# Exits non-zero on the first failed check; the scratch directory is kept then for inspection.
set -euo pipefail
if [ "${BUNDLE_SKIP:-false}" = true ]; then echo "bundle-test: skipped (-Dbundle.skip)" >&2; exit 0; fi
BUNDLE="$(readlink -f "$1")"
HERE="$(cd "$(dirname "$0")" && pwd)"
INSTALLER="$(cd "$HERE/../.." && pwd)"
ROOT="$(cd "$INSTALLER/.." && pwd)"
T="${BUNDLE_TEST_DIR:-$(mktemp -d)}"
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
START=$(date +%s)
CHECKS=0

rm -rf "$T"; mkdir -p "$T"
T="$(cd "$T" && pwd)"
P="$T/root"
LOG="$T/test.log"
say() { echo "bundle-test: $*" >&2; }
fail() { say "FAILED: $*"; say "scratch directory kept: $T"; exit 1; }
ok() { CHECKS=$((CHECKS + 1)); }
check() { local what="$1"; shift; if "$@" >>"$LOG" 2>&1; then ok; else fail "$what"; fi; }

[ -f "$BUNDLE" ] || fail "no bundle at $1 (build it: mvn -B -DskipTests package)"
[ -f "$SOFTHSM_MODULE" ] || fail "SoftHSM2 is missing ($SOFTHSM_MODULE): apt-get install softhsm2"
command -v curl >/dev/null || fail "curl is missing"
NAME="$(basename "$BUNDLE" -linux-x86_64.tar.gz)"
V="${NAME#strongroom-}"
# As root, do not create a system user on the build machine.
NO_USER=(); [ "$(id -u)" -eq 0 ] && NO_USER=(--no-user)
INSTALL=("$INSTALLER/install.sh")

# ---------------------------------------------------------------------------------------------
say "1. the archive"
check "sha256sum -c accepts the checksum file" bash -c "cd '$(dirname "$BUNDLE")' && sha256sum -c '$(basename "$BUNDLE").sha256'"
tar --numeric-owner -tvzf "$BUNDLE" > "$T/listing"
tar -tzf "$BUNDLE" > "$T/names"
check "every entry is owned by 0/0" test "$(awk '{ print $2 }' "$T/listing" | sort -u)" = "0/0"
check "every entry has the same mtime" test "$(awk '{ print $4 " " $5 }' "$T/listing" | sort -u | wc -l)" -eq 1
for entry in VERSION bin/strongroom runtime/bin/java runtime/release app/strongroom.jar app/lib/bc-fips-2.1.3.jar \
  conf/strongroom.yaml conf/strongroom.service install.sh sbom.json; do
  check "the bundle holds $entry" grep -qx "$NAME/$entry" "$T/names"
done
check "only one top directory" test "$(cut -d/ -f1 "$T/names" | sort -u)" = "$NAME"
tar -xzf "$BUNDLE" -C "$T" "$NAME/runtime/release" "$NAME/sbom.json" "$NAME/bin/strongroom" "$NAME/app/strongroom.jar"
for module in jdk.incubator.vector java.sql java.net.http java.desktop java.naming java.management jdk.unsupported; do
  check "the runtime has $module" grep -q "^MODULES=.*\b$module\b" "$T/$NAME/runtime/release"
done
check "the runtime is Java 25" grep -q '^JAVA_VERSION="25' "$T/$NAME/runtime/release"
check "sbom.json is a CycloneDX BOM" grep -q '"bomFormat" : "CycloneDX"' "$T/$NAME/sbom.json"
check "the SBOM lists the appliance and BC-FIPS" bash -c "grep -q 'pkg:maven/com.strongroom/strongroom-appliance@' '$T/$NAME/sbom.json' && grep -q 'pkg:maven/org.bouncycastle/bc-fips@2.1.3' '$T/$NAME/sbom.json'"
check "bin/strongroom passes the JVM flags" grep -q -- '--add-modules jdk.incubator.vector' "$T/$NAME/bin/strongroom"
check "the app lib/ is exactly the manifest Class-Path" test \
  "$(grep -c "^$NAME/app/lib/.*\.jar$" "$T/names")" -eq \
  "$(unzip -p "$T/$NAME/app/strongroom.jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n //g' | sed -n 's/^Class-Path: //p' | wc -w)"

# ---------------------------------------------------------------------------------------------
say "2. install.sh --prefix $P"
"${INSTALL[@]}" "$BUNDLE" --prefix "$P" "${NO_USER[@]}" >>"$LOG" 2>&1 || fail "install.sh failed (log: $LOG)"
OPT="$P/opt/strongroom"
check "current -> $V" test "$(readlink "$OPT/current")" = "$V"
check "bin/strongroom is executable" test -x "$OPT/current/bin/strongroom"
check "the runtime is installed" test -x "$OPT/current/runtime/bin/java"
mode() { stat -c %a "$1"; }
check "etc/strongroom is 0750" test "$(mode "$P/etc/strongroom")" = 750
check "etc/strongroom/strongroom.yaml is 0640" test "$(mode "$P/etc/strongroom/strongroom.yaml")" = 640
check "etc/strongroom/strongroom.yaml is the bundle's example" cmp "$P/etc/strongroom/strongroom.yaml" "$ROOT/conf/strongroom.yaml"
check "etc/strongroom/strongroom.yaml.example is 0640" test "$(mode "$P/etc/strongroom/strongroom.yaml.example")" = 640
check "etc/strongroom/credentials is 0700" test "$(mode "$P/etc/strongroom/credentials")" = 700
check "var/lib/strongroom is 0700" test "$(mode "$P/var/lib/strongroom")" = 700
UNIT="$P/etc/systemd/system/strongroom.service"
check "the unit is 0644" test "$(mode "$UNIT")" = 644
for line in User=strongroom NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes CapabilityBoundingSet= \
  AmbientCapabilities= ReadWritePaths=/var/lib/strongroom \
  LoadCredential=strongroom-hsm-pin:/etc/strongroom/credentials/hsm-user.pin \
  "ExecStart=/opt/strongroom/current/bin/strongroom serve --config /etc/strongroom/strongroom.yaml"; do
  check "the unit has '$line'" grep -qxF "$line" "$UNIT"
done
check "the example configuration takes the PIN from the credential" grep -qE '^  pin-credential: strongroom-hsm-pin' "$P/etc/strongroom/strongroom.yaml"

snapshot() {
  (cd "$P" && find . -printf '%p %M %U:%G %s %T@ %l\n' | LC_ALL=C sort &&
    find ./etc -type f -exec sha256sum {} + | LC_ALL=C sort)
}
snapshot > "$T/snapshot-1"
"${INSTALL[@]}" "$BUNDLE" --prefix "$P" "${NO_USER[@]}" >"$T/install-2.log" 2>&1 || fail "second install.sh failed"
snapshot > "$T/snapshot-2"
check "a second install changes nothing (names, modes, owners, sizes, mtimes, config contents)" \
  diff "$T/snapshot-1" "$T/snapshot-2"
check "a second install says so" grep -q "nothing to change" "$T/install-2.log"

# ---------------------------------------------------------------------------------------------
say "3. the installed service on a SoftHSM2 token"
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
HTTPS_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
while [ "$HTTP_PORT" = "$HTTPS_PORT" ]; do HTTP_PORT="$(free_port)"; done
DATA="$P/var/lib/strongroom"
TOKEN="bt-$RANDOM$RANDOM"
mkdir -p "$T/hsm/tokens"
export SOFTHSM2_CONF="$T/hsm/softhsm2.conf"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
  "$T/hsm/tokens" >"$SOFTHSM2_CONF"
(umask 077; mkdir -p "$DATA/hsm"
  head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$DATA/hsm/user.pin"
  head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$T/hsm/so.pin")
CONFIG="$P/etc/strongroom/strongroom.yaml"
cat >"$T/strongroom.yaml" <<EOF
# bundle-test: the lab appliance inside the scratch root
strongroom:
  home: $DATA
server:
  host: 127.0.0.1
  https-port: $HTTPS_PORT   # random free port
  http-port: $HTTP_PORT
hsm:
  module: $SOFTHSM_MODULE
  token-label: $TOKEN
  pin-file: hsm/user.pin
  probe-interval: 1s
embedding:
  threads: 1
EOF
install -m 0640 "$T/strongroom.yaml" "$CONFIG"
SR="$OPT/current/bin/strongroom"
check "keys init-token with the bundled runtime" "$SR" keys init-token --so-pin-file "$T/hsm/so.pin" --config "$CONFIG"
check "keys init --create-kek with the bundled runtime" "$SR" keys init --create-kek --config "$CONFIG"

# Stops whatever the last start started, then starts current/bin/strongroom serve in the background.
cat >"$T/restart.sh" <<EOF
#!/usr/bin/env bash
set -u
export SOFTHSM2_CONF='$SOFTHSM2_CONF'
if [ -f '$T/serve.pid' ]; then
  pid=\$(cat '$T/serve.pid')
  if kill -TERM "\$pid" 2>/dev/null; then
    for _ in \$(seq 300); do [ -d /proc/\$pid ] && [ "\$(awk '{ print \$3 }' /proc/\$pid/stat 2>/dev/null)" != Z ] || break; sleep 0.1; done
    kill -KILL "\$pid" 2>/dev/null || true
  fi
fi
n=\$(( \$(cat '$T/starts' 2>/dev/null || echo 0) + 1 )); echo "\$n" >'$T/starts'
setsid '$OPT/current/bin/strongroom' serve --config '$CONFIG' </dev/null >'$T/serve-'\$n'.log' 2>&1 &
echo \$! >'$T/serve.pid'
EOF
chmod 755 "$T/restart.sh"

alive() { [ -d "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
stop_service() {
  local pid
  pid="$(cat "$T/serve.pid")"
  kill -TERM "$pid"
  for _ in $(seq 300); do alive "$pid" || return 0; sleep 0.1; done
  return 1
}
cleanup() {
  if [ -f "$T/serve.pid" ] && alive "$(cat "$T/serve.pid")"; then kill -KILL "$(cat "$T/serve.pid")" 2>/dev/null || true; fi
}
trap cleanup EXIT

CERT="$DATA/tls/server.crt"
# HTTPS trusting only the appliance's own certificate, with host name checks (it names localhost).
https() { curl -sS --cacert "$CERT" --resolve "localhost:$HTTPS_PORT:127.0.0.1" "$@"; }
ready_status() { https -o /dev/null -w '%{http_code}' --max-time 5 "https://localhost:$HTTPS_PORT/health/ready" 2>/dev/null || true; }
await_ready() {
  local pid
  pid="$(cat "$T/serve.pid")"
  for _ in $(seq 120); do
    [ -f "$CERT" ] && [ "$(ready_status)" = 200 ] && return 0
    alive "$pid" || return 1
    sleep 1
  done
  return 1
}
running_java() { readlink "/proc/$(cat "$T/serve.pid")/exe"; }

"$T/restart.sh"
await_ready || fail "the installed service did not answer 200 on /health/ready: $(tail -20 "$T/serve-1.log")"
ok
check "/health/ready says UNSEALED" bash -c "curl -sS --cacert '$CERT' --resolve 'localhost:$HTTPS_PORT:127.0.0.1' https://localhost:$HTTPS_PORT/health/ready | grep -q UNSEALED"
check "the service runs on the bundled runtime of $V" test "$(running_java)" = "$OPT/$V/runtime/bin/java"

# The API key goes to curl in a header file, not on its command line.
(umask 077; printf 'Authorization: Bearer %s\n' "$(cat "$DATA/bootstrap/owner-api-key")" >"$T/auth.header")
api() { https -H @"$T/auth.header" "$@"; }
DATASET="$(api -H 'Content-Type: application/json' -d '{"name":"bundle-test"}' "https://localhost:$HTTPS_PORT/v1/datasets" |
  sed -n 's/^{"id":"\(ds_[A-Za-z0-9]*\)".*/\1/p')"
[ -n "$DATASET" ] || fail "could not create a dataset"
ok
api -F "file=@$ROOT/docs/examples/handbook.pdf" "https://localhost:$HTTPS_PORT/v1/datasets/$DATASET/documents" >>"$LOG"
processed=0
for _ in $(seq 120); do
  docs="$(api "https://localhost:$HTTPS_PORT/v1/datasets/$DATASET/documents")"
  case "$docs" in *'"status":"ready"'*) processed=1; break ;; *'"status":"failed"'*) fail "PDF ingestion failed: $docs" ;; esac
  sleep 1
done
[ $processed -eq 1 ] || fail "the PDF was not processed: $docs"
ok
query() {
  api -H 'Content-Type: application/json' -d '{"query":"how many vacation days","mode":"semantic","limit":1}' \
    "https://localhost:$HTTPS_PORT/v1/datasets/$DATASET/query"
}
query >"$T/query-1.json" || true
check "a semantic query finds the PDF (ONNX model, PDFBox, Lucene SIMD on the jlinked runtime)" \
  grep -q '"document_id":"doc_' "$T/query-1.json"
check "no stack trace in the service log" bash -c "! grep -q -E 'SEVERE|Exception' '$T/serve-1.log'"
stop_service || fail "the service did not stop on SIGTERM"
ok

# ---------------------------------------------------------------------------------------------
V2="$V.upgrade"
say "4. upgrade to $V2"
# The same program under another version: hard links, with VERSION replaced (not written through).
mkdir -p "$T/v2"
cp -al "$OPT/$V" "$T/v2/strongroom-$V2"
rm -f "$T/v2/strongroom-$V2/VERSION" "$T/v2/strongroom-$V2/.bundle-sha256"
echo "$V2" >"$T/v2/strongroom-$V2/VERSION"
BUNDLE2="$T/strongroom-$V2-linux-x86_64.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$T/v2" -cf - "strongroom-$V2" | gzip -1 >"$BUNDLE2"
(cd "$T" && sha256sum "$(basename "$BUNDLE2")" >"$(basename "$BUNDLE2").sha256")
rm -rf "$T/v2"

"$T/restart.sh"
await_ready || fail "$V did not start again"
sha256sum "$CONFIG" >"$T/config.sha256"
(cd "$DATA" && sha256sum tls/server.crt tls/server.key bootstrap/owner-api-key hsm/user.pin) >"$T/data.sha256"
"${INSTALL[@]}" "$BUNDLE2" --prefix "$P" "${NO_USER[@]}" --restart-command "$T/restart.sh" --ready-timeout 120 \
  >"$T/install-v2.log" 2>&1 || fail "the upgrade to $V2 failed: $(cat "$T/install-v2.log")"
check "current -> $V2" test "$(readlink "$OPT/current")" = "$V2"
check "the previous version stays installed" test -x "$OPT/$V/bin/strongroom"
check "the upgrade kept the configuration" sha256sum -c "$T/config.sha256"
check "install.sh found the port in the configuration" grep -q "https://127.0.0.1:$HTTPS_PORT/health/ready answered 200" "$T/install-v2.log"
check "$V2 answers 200 on /health/ready" test "$(ready_status)" = 200
check "the service now runs $V2" test "$(running_java)" = "$OPT/$V2/runtime/bin/java"
check "the upgrade kept the data (TLS pair, bootstrap key, PIN file)" bash -c "cd '$DATA' && sha256sum -c '$T/data.sha256'"
query >"$T/query-2.json" || true
check "$V2 still finds the document" grep -q '"document_id":"doc_' "$T/query-2.json"

# ---------------------------------------------------------------------------------------------
V3="$V.broken"
say "5. upgrade to $V3, which cannot start"
mkdir -p "$T/v3/strongroom-$V3/bin" "$T/v3/strongroom-$V3/runtime/bin" "$T/v3/strongroom-$V3/app" "$T/v3/strongroom-$V3/conf"
B3="$T/v3/strongroom-$V3"
echo "$V3" >"$B3/VERSION"
printf '#!/bin/sh\necho "broken bundle started: $*" >&2\nexit 1\n' >"$B3/bin/strongroom"
printf '#!/bin/sh\nexit 1\n' >"$B3/runtime/bin/java"
chmod 755 "$B3/bin/strongroom" "$B3/runtime/bin/java"
: >"$B3/app/strongroom.jar"
cp "$ROOT/conf/strongroom.yaml" "$B3/conf/"
# A changed unit, to see it restored on roll-back.
sed 's/^TimeoutStopSec=30$/TimeoutStopSec=31/' "$ROOT/conf/strongroom.service" >"$B3/conf/strongroom.service"
BUNDLE3="$T/strongroom-$V3-linux-x86_64.tar.gz"
tar --owner=0 --group=0 -C "$T/v3" -czf "$BUNDLE3" "strongroom-$V3"
(cd "$T" && sha256sum "$(basename "$BUNDLE3")" >"$(basename "$BUNDLE3").sha256")

# First with a checksum file that does not match: refused before anything changes.
cp "$BUNDLE3" "$T/tampered.tar.gz"
sha256sum "$BUNDLE2" | sed "s#  .*#  tampered.tar.gz#" >"$T/tampered.tar.gz.sha256"
snapshot >"$T/snapshot-3"
if "${INSTALL[@]}" "$T/tampered.tar.gz" --prefix "$P" "${NO_USER[@]}" >"$T/install-tampered.log" 2>&1; then
  fail "install.sh accepted a bundle whose checksum does not match"
fi
check "a checksum mismatch is reported" grep -q "checksum mismatch" "$T/install-tampered.log"
snapshot >"$T/snapshot-4"
check "a refused bundle changes nothing" diff "$T/snapshot-3" "$T/snapshot-4"

cp "$UNIT" "$T/unit-before"
pid_before="$(cat "$T/serve.pid")"
status=0
"${INSTALL[@]}" "$BUNDLE3" --prefix "$P" "${NO_USER[@]}" --restart-command "$T/restart.sh" --ready-timeout 15 \
  >"$T/install-v3.log" 2>&1 || status=$?
check "the failed upgrade exits 3 (rolled back): got $status" test "$status" -eq 3
check "install.sh says it rolled back" grep -q "ROLLING BACK" "$T/install-v3.log"
check "the broken version was started" bash -c "grep -l 'broken bundle started: serve' '$T'/serve-*.log"
check "current -> $V2 again" test "$(readlink "$OPT/current")" = "$V2"
check "the broken version was removed" test ! -e "$OPT/$V3"
check "the unit was restored" cmp "$T/unit-before" "$UNIT"
check "the configuration was kept" sha256sum -c "$T/config.sha256"
check "the previous version was restarted" test "$(cat "$T/serve.pid")" != "$pid_before"
check "$V2 is ready again" test "$(ready_status)" = 200
check "the service runs $V2" test "$(running_java)" = "$OPT/$V2/runtime/bin/java"
stop_service || fail "the service did not stop on SIGTERM"
ok

# ---------------------------------------------------------------------------------------------
say "6. uninstall"
"${INSTALL[@]}" uninstall --prefix "$P" "${NO_USER[@]}" >>"$LOG" 2>&1 || fail "uninstall failed"
check "the program is gone" test ! -e "$OPT"
check "the unit is gone" test ! -e "$UNIT"
check "the configuration stays" sha256sum -c "$T/config.sha256"
check "the data stays" bash -c "cd '$DATA' && sha256sum -c '$T/data.sha256'"
check "uninstall again succeeds" "${INSTALL[@]}" uninstall --prefix "$P" "${NO_USER[@]}"
check "uninstall --purge-data" "${INSTALL[@]}" uninstall --prefix "$P" --purge-data "${NO_USER[@]}"
check "--purge-data removed the data" test ! -e "$DATA"
check "--purge-data removed the configuration" test ! -e "$P/etc/strongroom"

trap - EXIT
rm -rf "$T"
say "OK: $CHECKS checks passed in $(( $(date +%s) - START ))s"
