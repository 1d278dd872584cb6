#!/usr/bin/env bash
# Sourced by quickstart.sh --with-sso: a local Keycloak (from Maven Central) on 127.0.0.1:8180 with a
# demo corporate SAML IdP realm `corp` (users alice/admin, dave/developer, victor/viewer) brokered by
# the realm `strongroom`, which `strongroom sso provision` makes. Passwords are random on first run,
# kept in $STRONGROOM_HOME/sso-demo (0600) and printed. Keycloak is stopped by PID when the quick
# start exits.
KEYCLOAK_VERSION=26.7.3
KEYCLOAK_PORT="${STRONGROOM_KEYCLOAK_PORT:-8180}"
KEYCLOAK_URL="http://127.0.0.1:$KEYCLOAK_PORT"
DEMO="$STRONGROOM_HOME/sso-demo"
APPLIANCE_URL="https://127.0.0.1:${STRONGROOM_HTTPS_PORT:-8443}"

sso_demo_start() {
  mkdir -p "$DEMO"
  local kc_home="$DEMO/keycloak-$KEYCLOAK_VERSION"
  if [ ! -x "$kc_home/bin/kc.sh" ]; then
    echo "Fetching Keycloak $KEYCLOAK_VERSION from Maven Central..." >&2
    (cd "$ROOT" && mvn -B -q -N dependency:unpack \
      -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" -DoutputDirectory="$DEMO" >&2)
  fi
  for who in admin alice dave victor; do
    [ -f "$DEMO/$who.pw" ] || { new_pin > "$DEMO/$who.pw"; chmod 600 "$DEMO/$who.pw"; }
  done
  # dev mode keeps its H2 database in $kc_home/data: a restart keeps realms and users
  echo "Starting Keycloak on $KEYCLOAK_URL (log: $DEMO/keycloak.log)..." >&2
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$(cat "$DEMO/admin.pw")" JAVA_HOME="$(dirname "$(dirname "$JAVA")")" \
    "$kc_home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$KEYCLOAK_PORT" \
    --http-management-port=$((KEYCLOAK_PORT + 1)) --health-enabled=true > "$DEMO/keycloak.log" 2>&1 &
  KEYCLOAK_PID=$!
  trap sso_demo_stop EXIT
  local i
  for i in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$((KEYCLOAK_PORT + 1))/health/ready" >/dev/null 2>&1 && break
    kill -0 "$KEYCLOAK_PID" 2>/dev/null || { echo "Keycloak did not start; see $DEMO/keycloak.log" >&2; exit 1; }
    sleep 1
  done

  # the admin token goes to curl in a 0600 file, never on a command line
  local auth="$DEMO/.admin-auth"
  ( umask 077; curl -sf "$KEYCLOAK_URL/realms/master/protocol/openid-connect/token" \
      --data-urlencode grant_type=password --data-urlencode client_id=admin-cli \
      --data-urlencode username=admin --data-urlencode "password@$DEMO/admin.pw" \
    | sed -E 's/.*"access_token":"([^"]+)".*/Authorization: Bearer \1/' > "$auth" )
  if ! curl -sf -o /dev/null -H "@$auth" "$KEYCLOAK_URL/admin/realms/corp"; then
    echo "Creating the demo corporate IdP realm 'corp'..." >&2
    local realm
    realm="$(cat "$ROOT/installer/sso-demo/corp-realm.json")"
    realm="${realm//@KEYCLOAK_URL@/$KEYCLOAK_URL}"
    realm="${realm//@ALICE_PASSWORD@/$(cat "$DEMO/alice.pw")}"
    realm="${realm//@DAVE_PASSWORD@/$(cat "$DEMO/dave.pw")}"
    realm="${realm//@VICTOR_PASSWORD@/$(cat "$DEMO/victor.pw")}"
    printf '%s' "$realm" | curl -sf -H "@$auth" -H 'Content-Type: application/json' \
      --data-binary @- "$KEYCLOAK_URL/admin/realms" >/dev/null
  fi
  rm -f "$auth"
  sed -e "s#@KEYCLOAK_URL@#$KEYCLOAK_URL#g" -e "s#@ADMIN_PASSWORD_FILE@#$DEMO/admin.pw#" \
      -e "s#@APPLIANCE_URL@#$APPLIANCE_URL#" "$ROOT/installer/sso-demo/sso.yaml" > "$DEMO/sso.yaml"
  strongroom sso provision --config "$DEMO/sso.yaml"

  if [ -z "${STRONGROOM_CONFIG:-}" ]; then
    printf 'oauth:\n  issuer: %s/realms/strongroom\n  redirect-uri: %s/auth/callback\n' \
      "$KEYCLOAK_URL" "$APPLIANCE_URL" > "$DEMO/strongroom-sso.yaml"
    export STRONGROOM_CONFIG="$DEMO/strongroom-sso.yaml"
  else
    echo "STRONGROOM_CONFIG is set: make sure it has oauth.issuer $KEYCLOAK_URL/realms/strongroom and oauth.redirect-uri $APPLIANCE_URL/auth/callback" >&2
  fi
  cat >&2 <<MSG

  Single sign-on demo: open $APPLIANCE_URL/ (accept the lab certificate), click
  "Sign in with your organization", then "Corporate sign-in", and sign in at the demo corporate IdP as
    alice  / $(cat "$DEMO/alice.pw")   (group strongroom-admins -> admin)
    dave   / $(cat "$DEMO/dave.pw")   (group strongroom-devs   -> developer)
    victor / $(cat "$DEMO/victor.pw")   (no group              -> viewer, the default)
  Keycloak admin console: $KEYCLOAK_URL/admin (admin / the password in $DEMO/admin.pw)

MSG
}

sso_demo_stop() {
  if [ -n "${KEYCLOAK_PID:-}" ] && kill -0 "$KEYCLOAK_PID" 2>/dev/null; then
    # kc.sh runs the Keycloak JVM as its child: stop both
    pkill -TERM -P "$KEYCLOAK_PID" 2>/dev/null || true
    kill -TERM "$KEYCLOAK_PID" 2>/dev/null || true
    wait "$KEYCLOAK_PID" 2>/dev/null || true
  fi
}
