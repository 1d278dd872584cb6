#!/usr/bin/env bash
# Strongroom quick start on embedded lab defaults:
#   - installs what is missing (SoftHSM2, OpenSC tools) and builds the appliance if needed;
#   - on first run creates the lab HSM token `strongroom-lab` with random PINs kept in 0600 files,
#     the KEK `strongroom-kek` inside it, and the keyring; the appliance makes its TLS certificate;
#   - runs the appliance in the foreground on https://127.0.0.1:8443 (Ctrl-C stops it);
#   - with --with-sso, also a local Keycloak with a demo corporate SAML IdP and demo users
#     (installer/sso-demo.sh; credentials printed) so the browser UI can be signed in to.
# Everything lives under $STRONGROOM_HOME (default ./var). See keys/README.md for the runbook.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WITH_SSO=0
for arg in "$@"; do
  case "$arg" in
    --with-sso) WITH_SSO=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=installer/lib.sh
. "$ROOT/installer/lib.sh"

JAVA="$(strongroom_java)"
strongroom_apt softhsm2 opensc maven

export STRONGROOM_HOME="$(mkdir -p "${STRONGROOM_HOME:-./var}" && cd "${STRONGROOM_HOME:-./var}" && pwd)"
JAR="$ROOT/appliance/target/strongroom.jar"
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/appliance/src" "$ROOT/appliance/pom.xml" "$ROOT/pom.xml" -newer "$JAR" -print -quit)" ]; then
  echo "Building the appliance (first run takes a few minutes)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests -pl appliance package)   # the jar only, not the bundle
fi
JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
strongroom() { "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" "$@"; }

HSM="$STRONGROOM_HOME/hsm"
umask 077
mkdir -p "$HSM/tokens"
export SOFTHSM2_CONF="$HSM/softhsm2.conf"
if [ ! -f "$SOFTHSM2_CONF" ]; then
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
    "$HSM/tokens" > "$SOFTHSM2_CONF"
fi
new_pin() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }
[ -f "$HSM/user.pin" ] || { new_pin > "$HSM/user.pin"; chmod 600 "$HSM/user.pin"; }
[ -f "$HSM/so.pin" ] || { new_pin > "$HSM/so.pin"; chmod 600 "$HSM/so.pin"; }

if ! softhsm2-util --show-slots 2>/dev/null | grep -Eq 'Label:[[:space:]]+strongroom-lab[[:space:]]*$'; then
  echo "Creating the lab HSM token 'strongroom-lab' (PINs in $HSM, mode 0600)..." >&2
  strongroom keys init-token --so-pin-file "$HSM/so.pin"
fi
strongroom keys init --create-kek

if [ "$WITH_SSO" = 1 ]; then
  # shellcheck source=installer/sso-demo.sh
  . "$ROOT/installer/sso-demo.sh"
  sso_demo_start
fi

echo "Starting Strongroom; the first start writes a one-time owner API key to $STRONGROOM_HOME/bootstrap/owner-api-key" >&2
if [ "$WITH_SSO" = 1 ]; then
  # not exec: Keycloak is stopped when the appliance ends (EXIT trap)
  "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" serve &
  APPLIANCE_PID=$!
  trap 'kill -TERM "$APPLIANCE_PID" 2>/dev/null || true' INT TERM
  wait "$APPLIANCE_PID" || true
  wait "$APPLIANCE_PID" 2>/dev/null || true
else
  exec "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" serve
fi
