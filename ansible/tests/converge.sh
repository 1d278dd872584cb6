#!/usr/bin/env bash
# The Ansible roles for real, run by Maven in the installer module's integration-test phase after the
# bundle test (skip with -Dansible.test.skip):
#
#   ansible/tests/converge.sh installer/target/strongroom-<version>-linux-x86_64.tar.gz
#
#  1. ansible-lint (production profile) and ansible-playbook --syntax-check on site.yml, backup.yml,
#     restore.yml and dr-drill.yml;
#  2. a Debian bookworm root made by debootstrap (minbase, cached as a tarball under
#     installer/target/ansible-test/cache, so a rerun unpacks it in seconds; `converge.sh
#     --prepare-root` makes only that tarball, which installer/test.sh does in the background);
#  3. site.yml converged against that root over the community.general.chroot connection: lab HSM
#     (SoftHSM2 token made by `keys init-token`, KEK by `keys init --create-kek`), a supplied TLS
#     certificate, firewall rules written and checked with `nft -c` but not applied, no systemd;
#  4. the installed appliance started inside the root as the strongroom user, the way the unit does
#     (PIN as a credential in $CREDENTIALS_DIRECTORY), /health/ready 200 over HTTPS from the host
#     trusting only the supplied certificate; restore.yml refuses the live home and a non-empty
#     directory; when the bundle's CLI has `backup` (`strongroom backup --help` exits 0), backup.yml
#     runs against the serving appliance (backup run, backup verify), and with `restore` restore.yml
#     restores into a new directory; stopped by its PID;
#  5. a second converge reports changed=0, and so does one with --check --diff; no secret appears in
#     Ansible's output;
#  6. an S3 backup target (vault-style credentials) and a directory target outside the home
#     converged, with an empty drill schedule: credential files 0600 owned by the service user, the
#     configuration names the files and holds no secret, the unit drop-in names the directory, the
#     drill timer is removed; converged back to the defaults, the S3 files are removed and the timer
#     is back; no secret anywhere in the output.
#
# With a Keycloak distribution ($KEYCLOAK_DIST, a keycloak-quarkus-dist zip; Maven passes the one it
# copies from Maven Central, version $KEYCLOAK_VERSION) there is also a keycloak host, a second root:
# the keycloak role is converged into it first (--limit keycloak), Keycloak is started inside it as
# the keycloak user the way its unit does (host JDK bind-mounted read-only), then the full converge
# provisions the realm with `strongroom sso provision` from the appliance root, and the second
# converge finds nothing to change there either (the realm says "nothing to change").
#
# Needs root (debootstrap, chroot, mount). Installs ansible, ansible-lint and debootstrap from Debian
# when missing. PINs are random per run, kept in a 0600 vars file, never on a command line.
# /proc and /dev are mounted in the root for the run and always unmounted (trap); the run directory
# is removed afterwards, or kept (unmounted) for inspection after a failure.
set -euo pipefail
PREPARE_ROOT=0
if [ "${1:-}" = "--prepare-root" ]; then
  PREPARE_ROOT=1
  BUNDLE=""
else
  BUNDLE="$(readlink -f "${1:?usage: converge.sh BUNDLE.tar.gz | converge.sh --prepare-root}")"
fi
HERE="$(cd "$(dirname "$0")" && pwd)"
ANSIBLE_DIR="$(cd "$HERE/.." && pwd)"
REPO="$(cd "$ANSIBLE_DIR/.." && pwd)"
T="${ANSIBLE_TEST_DIR:-$REPO/installer/target/ansible-test}"
CACHE="$T/cache"
RUN="$T/run"
ROOTFS="$RUN/root"
KC_ROOT="$RUN/keycloak-root"
KEYCLOAK_DIST="${KEYCLOAK_DIST:-}"
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# What the roles install, included up front so a converge needs no package download.
INCLUDE=python3,python3-apt,softhsm2,nftables,curl,ca-certificates,unzip
START=$(date +%s)
PASSED=0
SERVE_PID=""
KC_PID=""

say() { echo "ansible-test: $*" >&2; }
ok() { PASSED=$((PASSED + 1)); say "ok: $*"; }
fail() { say "FAILED: $*"; say "1 failed"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount); skip it with -Dansible.test.skip"
# shellcheck source=installer/lib.sh
. "$REPO/installer/lib.sh"
strongroom_apt ansible ansible-lint debootstrap openssl curl

# The Debian root every converge starts from, made once by debootstrap and kept as a tarball. Under
# a lock: installer/test.sh makes it in the background (--prepare-root) while the appliance builds
# and its tests run, and a converge that gets here first waits for it instead of downloading twice.
BASE="$CACHE/bookworm-minbase.tar.gz"
base_root() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  if [ ! -f "$BASE" ] || [ "$(cat "$BASE.include" 2>/dev/null)" != "$INCLUDE" ]; then
    say "debootstrap --variant=minbase --include=$INCLUDE bookworm (once; cached in $BASE)"
    local tmp
    tmp="$(mktemp -d "$CACHE/.debootstrap.XXXXXX")"
    debootstrap --variant=minbase --include="$INCLUDE" bookworm "$tmp/root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE/debootstrap.log" >&2; rm -rf "$tmp"; flock -u 9; fail "debootstrap"; }
    rm -f "$tmp/root/var/cache/apt/archives/"*.deb
    tar --numeric-owner -C "$tmp/root" -czf "$BASE.tmp" .
    rm -rf "$tmp"
    mv "$BASE.tmp" "$BASE"
    echo "$INCLUDE" >"$BASE.include"
  fi
  flock -u 9
  exec 9>&-
}
if [ "$PREPARE_ROOT" -eq 1 ]; then
  t0=$(date +%s)
  base_root
  say "ok: $BASE ready ($(($(date +%s) - t0))s)"
  exit 0
fi
[ -f "$BUNDLE" ] && [ -f "$BUNDLE.sha256" ] || fail "no bundle with .sha256 at $1 (mvn -B -DskipTests package)"

# Unmounts everything below the run directory, deepest first; refuses to go on while anything stays
# mounted (a later rm -rf would otherwise reach the host's /dev).
unmount_all() {
  local m
  [ -d "$RUN" ] || return 0
  for m in $(awk -v r="$RUN" 'index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  ! awk -v r="$RUN" 'index($2, r "/") == 1 { found = 1 } END { exit !found }' /proc/mounts
}
# kc.sh runs Java as its child: stop the whole process group (started with setsid).
stop_keycloak() {
  [ -n "$KC_PID" ] || return 0
  if kill -0 "$KC_PID" 2>/dev/null; then
    kill -TERM -- "-$KC_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 -- "-$KC_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$KC_PID" 2>/dev/null || true
  fi
  wait "$KC_PID" 2>/dev/null || true
  KC_PID=""
}
stop_serve() {
  [ -n "$SERVE_PID" ] || return 0
  if kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$SERVE_PID" 2>/dev/null || true
  fi
  wait "$SERVE_PID" 2>/dev/null || true
  SERVE_PID=""
}
cleanup() {
  local rc=$?
  stop_serve
  stop_keycloak
  # Anything else this test started inside the roots (found by its root directory, killed by PID).
  local p r
  for p in /proc/[0-9]*; do
    r="$(readlink "$p/root" 2>/dev/null)" || continue
    case "$r" in "$RUN"/*) kill -KILL "${p#/proc/}" 2>/dev/null || true ;; esac
  done
  if ! unmount_all; then
    say "WARNING: something is still mounted below $RUN; not removing it"
    exit 1
  fi
  if [ $rc -eq 0 ]; then rm -rf "$RUN"; else say "run directory kept for inspection: $RUN"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A clean start: whatever an interrupted run left (mounts first).
unmount_all || fail "cannot unmount what a previous run left below $ROOTFS"
rm -rf "$RUN"
mkdir -p "$RUN" "$CACHE"
chmod 700 "$RUN"

# Ansible reads its settings from ansible/ansible.cfg and nothing from this environment.
run_ansible() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RUN/home" LC_ALL=C.UTF-8 \
    ANSIBLE_CONFIG="$ANSIBLE_DIR/ansible.cfg" ANSIBLE_LOCAL_TEMP="$RUN/home/.ansible/tmp" \
    ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 "$@"
}
mkdir -p "$RUN/home"

# ---------------------------------------------------------------------------------------------
say "1. lint and syntax"
t0=$(date +%s)
if ! (cd "$ANSIBLE_DIR" && run_ansible ansible-lint --profile production --nocolor) >"$RUN/lint.log" 2>&1; then
  cat "$RUN/lint.log" >&2
  fail "ansible-lint --profile production"
fi
ok "ansible-lint --profile production: no violations ($(($(date +%s) - t0))s)"
PLAYBOOKS="site.yml backup.yml restore.yml dr-drill.yml"
for playbook in $PLAYBOOKS; do
  (cd "$ANSIBLE_DIR" && run_ansible ansible-playbook -i inventory.example.yml --syntax-check "$playbook") >>"$RUN/syntax.log" 2>&1 ||
    { cat "$RUN/syntax.log" >&2; fail "ansible-playbook --syntax-check $playbook"; }
done
ok "ansible-playbook --syntax-check $PLAYBOOKS"

# ---------------------------------------------------------------------------------------------
say "2. Debian bookworm root"
t0=$(date +%s)
base_root
# A root from the cached tarball, with /proc and /dev mounted.
make_root() {
  local dir="$1"
  mkdir -p "$dir"
  tar --numeric-owner -C "$dir" -xzf "$BASE"
  cp /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
  # As the Debian installer writes it: the host name resolves (the keyring's H2 auto-server needs that).
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$(hostname)" >"$dir/etc/hosts"
  mount -t proc proc "$dir/proc"
  mount --bind /dev "$dir/dev"
}
make_root "$ROOTFS"
WITH_KC=0
KC_JDK=""
if [ -n "$KEYCLOAK_DIST" ] && [ -f "$KEYCLOAK_DIST" ] && [ -n "$KEYCLOAK_VERSION" ]; then
  WITH_KC=1
  make_root "$KC_ROOT"
  # Keycloak needs a JDK 21+; the host's JDK 25, read-only, where keycloak_java_home says.
  KC_JDK="$(dirname "$(dirname "$(strongroom_java)")")"
  mkdir -p "$KC_ROOT$KC_JDK"
  mount --bind "$KC_JDK" "$KC_ROOT$KC_JDK"
  mount -o remount,bind,ro "$KC_ROOT$KC_JDK" 2>/dev/null || true
  # What the JDK's package brings with it on a real host: Debian's Java CA store (ca-certificates-java),
  # which the Temurin package links lib/security/cacerts to. Keycloak refuses to start without one.
  if [ -L "$KC_JDK/lib/security/cacerts" ] && [ -f "$(readlink -f "$KC_JDK/lib/security/cacerts")" ]; then
    store="$(readlink -f "$KC_JDK/lib/security/cacerts")"
    mkdir -p "$KC_ROOT$(dirname "$store")"
    cp "$store" "$KC_ROOT$store"
  fi
  ok "bookworm roots ready in $(($(date +%s) - t0))s: $ROOTFS (appliance), $KC_ROOT (keycloak)"
else
  say "no Keycloak distribution (KEYCLOAK_DIST, KEYCLOAK_VERSION): the keycloak role is only linted and syntax-checked"
  ok "bookworm root ready in $(($(date +%s) - t0))s: $ROOTFS"
fi

# ---------------------------------------------------------------------------------------------
say "3. converge"
# Free ports (the roots share the host's network).
TAKEN=" "
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q . && [[ "$TAKEN" != *" $p "* ]]; then
      TAKEN="$TAKEN$p "
      FREE_PORT=$p
      return 0
    fi
  done
  return 1
}
free_port && PORT=$FREE_PORT && free_port && KC_PORT=$FREE_PORT && free_port && KC_MGMT_PORT=$FREE_PORT ||
  fail "no free port found"

# Random secrets in a 0600 vars file; supplied certificates (EC P-256, PKCS#8) for 127.0.0.1.
umask 077
new_secret() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }
USER_PIN="$(new_secret)"
SO_PIN="$(new_secret)"
KC_PASSWORD="$(new_secret)"
printf -- '---\nstrongroom_hsm_user_pin: "%s"\nhsm_so_pin: "%s"\nkeycloak_admin_password: "%s"\n' \
  "$USER_PIN" "$SO_PIN" "$KC_PASSWORD" >"$RUN/secrets.yml"
mkdir -p "$RUN/tls"
for name in server keycloak; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "$RUN/tls/$name.key" -out "$RUN/tls/$name.crt" \
    >"$RUN/openssl.log" 2>&1 || { cat "$RUN/openssl.log" >&2; fail "openssl could not make the test certificate"; }
done
umask 022

{
  cat <<INVENTORY
---
all:
  vars:
    ansible_connection: community.general.chroot
    ansible_become: false
    ansible_python_interpreter: /usr/bin/python3
    firewall_vpc_cidrs: [10.99.0.0/16, "fd00:99::/48"]
    firewall_bastion_cidrs: [10.99.255.0/28]
    firewall_apply: false
    keycloak_hostname: https://127.0.0.1:$KC_PORT
  children:
    strongroom:
      hosts:
        $ROOTFS:
      vars:
        strongroom_bundle: $BUNDLE
        strongroom_server_host: 127.0.0.1
        strongroom_https_port: $PORT
        strongroom_tls_certificate: $RUN/tls/server.crt
        strongroom_tls_private_key: $RUN/tls/server.key
        strongroom_create_kek: true
        strongroom_manage_service: false
        hsm_backend: softhsm
        hsm_token_label: strongroom-lab
        keycloak_redirect_uris: ["https://127.0.0.1:$PORT/auth/callback"]
        keycloak_provision_ca_certificate: $RUN/tls/keycloak.crt
INVENTORY
  if [ $WITH_KC -eq 1 ]; then
    cat <<INVENTORY
    keycloak:
      hosts:
        $KC_ROOT:
      vars:
        keycloak_version: "$KEYCLOAK_VERSION"
        keycloak_dist_file: $KEYCLOAK_DIST
        keycloak_java_home: $KC_JDK
        keycloak_https_port: $KC_PORT
        keycloak_management_port: $KC_MGMT_PORT
        keycloak_tls_certificate: $RUN/tls/keycloak.crt
        keycloak_tls_private_key: $RUN/tls/keycloak.key
        keycloak_db: dev-file
        keycloak_manage_service: false
INVENTORY
  else
    printf '    keycloak:\n      hosts: {}\n'
  fi
} >"$RUN/inventory.yml"

converge() {
  local n="$1" t0 rc=0
  shift
  t0=$(date +%s)
  (cd "$ANSIBLE_DIR" && run_ansible ansible-playbook -i "$RUN/inventory.yml" -e "@$RUN/secrets.yml" -v "$@" site.yml) \
    >"$RUN/converge-$n.log" 2>&1 || rc=$?
  RECAP="$(awk '/^PLAY RECAP/ { on = 1; next } on && NF' "$RUN/converge-$n.log")"
  say "converge $n ($(($(date +%s) - t0))s):"
  echo "$RECAP" | sed 's/^/    /' >&2
  [ $rc -eq 0 ] || { tail -60 "$RUN/converge-$n.log" >&2; fail "converge $n: ansible-playbook exited $rc"; }
  [ -n "$RECAP" ] && ! echo "$RECAP" | grep -vqE ' failed=0 ' && ! echo "$RECAP" | grep -vqE ' unreachable=0 ' ||
    fail "converge $n: a host failed or was unreachable"
}
# The recap line of one host, without the host name.
recap_of() { echo "$RECAP" | grep -F "$1 " | sed 's/^[^:]*: *//'; }
# Runs an operator playbook (backup.yml, restore.yml, dr-drill.yml) against the appliance root, output
# in $RUN/LOG.log and the recap in $RECAP; returns the playbook's exit code (no secrets file: the PIN
# is on the host already).
play() {
  local log="$1" book="$2" rc=0
  shift 2
  (cd "$ANSIBLE_DIR" && run_ansible ansible-playbook -i "$RUN/inventory.yml" --limit "$ROOTFS" -v "$@" "$book") \
    >"$RUN/$log.log" 2>&1 || rc=$?
  RECAP="$(awk '/^PLAY RECAP/ { on = 1; next } on && NF' "$RUN/$log.log")"
  return $rc
}

if [ $WITH_KC -eq 1 ]; then
  converge 0-keycloak --limit keycloak
  ok "keycloak host converged: $(recap_of "$KC_ROOT")"
  for spec in "/etc/keycloak/keycloak.env 600 root:root" "/etc/keycloak/keycloak.conf 640 root:keycloak" \
    "/etc/keycloak/tls.key 640 root:keycloak" "/etc/systemd/system/keycloak.service 644 root:root"; do
    read -r path mode owner <<<"$spec"
    got="$(chroot "$KC_ROOT" stat -c '%a %U:%G' "$path" 2>&1)" || fail "$path is missing on the keycloak host"
    [ "$got" = "$mode $owner" ] || fail "$path is $got, expected $mode $owner"
  done
  ! grep -q "$KC_PASSWORD" "$KC_ROOT/etc/keycloak/keycloak.conf" "$KC_ROOT/etc/systemd/system/keycloak.service" ||
    fail "the Keycloak password is outside keycloak.env"
  ok "Keycloak $KEYCLOAK_VERSION installed; its password only in keycloak.env (root, 0600)"

  say "starting Keycloak inside its root as the keycloak user (as keycloak.service would)"
  (
    # Like systemd's EnvironmentFile=: the secrets reach Keycloak's environment, never a command line.
    set -a
    # shellcheck disable=SC1091
    . "$KC_ROOT/etc/keycloak/keycloak.env"
    set +a
    export JAVA_HOME="$KC_JDK"
    umask 0027    # the unit's UMask=
    exec setsid chroot --userspec=keycloak:keycloak "$KC_ROOT" /bin/sh -c \
      'cd /opt/keycloak && exec /opt/keycloak/current/bin/kc.sh --config-file=/etc/keycloak/keycloak.conf start'
  ) </dev/null >"$RUN/keycloak.log" 2>&1 &
  KC_PID=$!
  t0=$(date +%s)
  code=""
  while [ $(($(date +%s) - t0)) -lt 300 ]; do
    kill -0 "$KC_PID" 2>/dev/null || { tail -30 "$RUN/keycloak.log" >&2; fail "Keycloak exited"; }
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$RUN/tls/keycloak.crt" \
      "https://127.0.0.1:$KC_PORT/realms/master" 2>/dev/null || true)"
    [ "$code" = 200 ] && break
    sleep 3
  done
  [ "$code" = 200 ] || { tail -30 "$RUN/keycloak.log" >&2; fail "Keycloak did not answer 200 within 300s (last: ${code:-nothing})"; }
  ok "Keycloak answers over HTTPS on port $KC_PORT with the supplied certificate after $(($(date +%s) - t0))s"
fi

converge 1
ok "first converge"
# site.yml names entry points without .yml: only then does Ansible validate them against meta/argument_specs.yml.
for spec in "strongroom : Validating arguments against arg spec 'install'" "strongroom : Validating arguments against arg spec 'start'" \
  "hsm : Validating arguments against arg spec 'main'"; do
  grep -qF "TASK [$spec" "$RUN/converge-1.log" || fail "no task '$spec' in the converge: the entry point is not validated"
done
ok "the strongroom role's install and start entry points and the hsm role are validated against their argument specs"
if [ $WITH_KC -eq 1 ]; then
  recap_of "$KC_ROOT" | grep -q 'changed=0 ' || fail "the keycloak host changed again: $(recap_of "$KC_ROOT")"
  ok "keycloak host: nothing to change on its second converge"
  grep -qE '"stdout": "realm strongroom: ' "$RUN/converge-1.log" || fail "sso provision printed no change"
  curl -sf -o /dev/null --cacert "$RUN/tls/keycloak.crt" "https://127.0.0.1:$KC_PORT/realms/strongroom" ||
    fail "no realm strongroom after provisioning"
  ok "strongroom sso provision created the realm (https://127.0.0.1:$KC_PORT/realms/strongroom answers)"
  grep -qF "TASK [keycloak : Validating arguments against arg spec 'provision'" "$RUN/converge-1.log" ||
    fail "the keycloak role's provision entry point is not validated"
fi

in_root() { chroot "$ROOTFS" "$@"; }
expect_stat() {
  local path="$1" want="$2" got
  got="$(in_root stat -c '%a %U:%G' "$path" 2>&1)" || fail "$path is missing"
  [ "$got" = "$want" ] || fail "$path is $got, expected $want"
}
expect_stat /etc/strongroom/strongroom.yaml "640 root:strongroom"
expect_stat /etc/strongroom/credentials "700 root:root"
expect_stat /etc/strongroom/credentials/hsm-user.pin "600 root:root"
expect_stat /etc/strongroom/credentials/hsm-so.pin "600 root:root"
expect_stat /etc/strongroom/tls/server.key "600 strongroom:strongroom"
expect_stat /var/lib/strongroom "700 strongroom:strongroom"
expect_stat /var/lib/strongroom/softhsm/tokens "700 strongroom:strongroom"
ok "modes and owners of configuration, credentials, TLS key, data and token directory"
cmp -s "$ROOTFS/etc/strongroom/credentials/hsm-user.pin" <(printf '%s' "$USER_PIN") || fail "the PIN credential does not hold the PIN"
grep -q "pin-credential: strongroom-hsm-pin" "$ROOTFS/etc/strongroom/strongroom.yaml" || fail "no pin-credential in the configuration"
! grep -q "$USER_PIN" "$ROOTFS/etc/strongroom/strongroom.yaml" || fail "the PIN is in the configuration"
grep -q "https-port: $PORT" "$ROOTFS/etc/strongroom/strongroom.yaml" || fail "the configuration lacks the port"
ok "configuration from variables, PIN only in the root-only credential file"
# The backup section as the role's defaults give it: one directory target below the home.
python3 - "$ROOTFS/etc/strongroom/strongroom.yaml" >"$RUN/backup-config.log" 2>&1 <<'PY' || fail "the configuration's backup section: $(cat "$RUN/backup-config.log")"
import sys, yaml
backup = yaml.safe_load(open(sys.argv[1]))["backup"]
want = {"enabled": True, "snapshot-interval": "6h", "journal-interval": "30s", "shred-window": "7d",
        "journal-local-retention": "1h", "thin-after": "30d",
        "targets": [{"name": "local", "type": "directory", "path": "/var/lib/strongroom/backups",
                     "snapshot-retention": "90d", "journal-retention": "30d"}]}
assert backup == want, backup
PY
expect_stat /var/lib/strongroom/backups "700 strongroom:strongroom"
expect_stat /etc/strongroom/backup "750 root:strongroom"
grep -q '^# None: every directory target is below /var/lib/strongroom.$' "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf" &&
  ! grep -q '^ReadWritePaths=' "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf" ||
  fail "the unit's backup drop-in: $(cat "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf")"
ok "backup section with the default target local (/var/lib/strongroom/backups, 0700 strongroom:strongroom); no extra unit paths"
DRILL="$ROOTFS/etc/systemd/system/strongroom-dr-drill"
grep -qx 'OnCalendar=weekly' "$DRILL.timer" && grep -qx 'User=strongroom' "$DRILL.service" &&
  grep -qx 'LoadCredential=strongroom-hsm-pin:/etc/strongroom/credentials/hsm-user.pin' "$DRILL.service" &&
  grep -qx 'Environment="SOFTHSM2_CONF=/etc/strongroom/softhsm2.conf"' "$DRILL.service" &&
  grep -qx 'ExecStart=/usr/local/libexec/strongroom-dr-drill' "$DRILL.service" &&
  grep -qF '/opt/strongroom/current/bin/strongroom dr drill --config /etc/strongroom/strongroom.yaml "$@"' "$ROOTFS/usr/local/libexec/strongroom-dr-drill" ||
  fail "strongroom-dr-drill.timer/.service or its script lack the expected lines"
expect_stat /usr/local/libexec/strongroom-dr-drill "755 root:root"
! grep -qF "$USER_PIN" "$DRILL.service" || fail "the PIN is in strongroom-dr-drill.service"
ok "strongroom-dr-drill.timer (weekly) runs dr drill as strongroom with the PIN as a credential (not enabled: no systemd)"
[ "$(in_root find /var/lib/strongroom ! -user strongroom | wc -l)" -eq 0 ] || fail "files under /var/lib/strongroom not owned by strongroom: $(in_root find /var/lib/strongroom ! -user strongroom | head)"
ok "every file under /var/lib/strongroom belongs to strongroom (keys init and init-token ran as root)"
grep -q "tcp dport { $PORT } ct state new accept" "$ROOTFS/etc/nftables.conf" &&
  grep -q "policy drop" "$ROOTFS/etc/nftables.conf" &&
  grep -q "ip6 saddr @vpc6" "$ROOTFS/etc/nftables.conf" || fail "/etc/nftables.conf lacks the expected rules"
in_root nft -c -f /etc/nftables.conf >>"$RUN/nft.log" 2>&1 || fail "nft -c rejects /etc/nftables.conf: $(cat "$RUN/nft.log")"
ok "/etc/nftables.conf: HTTPS $PORT from the VPC, default drop, accepted by nft -c (not applied)"
[ "$(readlink "$ROOTFS/opt/strongroom/current")" = "$(basename "$BUNDLE" -linux-x86_64.tar.gz | sed 's/^strongroom-//')" ] ||
  fail "/opt/strongroom/current does not point at the bundle's version"
ok "install.sh installed $(readlink "$ROOTFS/opt/strongroom/current")"

# ---------------------------------------------------------------------------------------------
say "4. serve inside the root"
# As the unit would: user strongroom, working directory the home, PIN as a credential file in
# $CREDENTIALS_DIRECTORY (systemd's LoadCredential= copy), SOFTHSM2_CONF from the hsm drop-in.
CRED_DIR=/run/credentials/strongroom.service
mkdir -p "$ROOTFS$CRED_DIR"
install -m 0400 "$ROOTFS/etc/strongroom/credentials/hsm-user.pin" "$ROOTFS$CRED_DIR/strongroom-hsm-pin"
in_root chown -R strongroom:strongroom "$CRED_DIR"
chmod 0500 "$ROOTFS$CRED_DIR"
grep -q '^Environment="SOFTHSM2_CONF=/etc/strongroom/softhsm2.conf"$' "$ROOTFS/etc/systemd/system/strongroom.service.d/hsm.conf" ||
  fail "the unit drop-in does not set SOFTHSM2_CONF"
setsid chroot --userspec=strongroom:strongroom "$ROOTFS" /bin/sh -c \
  "cd /var/lib/strongroom && exec env -i PATH=/usr/bin:/bin HOME=/var/lib/strongroom LANG=C.UTF-8 \
   SOFTHSM2_CONF=/etc/strongroom/softhsm2.conf CREDENTIALS_DIRECTORY=$CRED_DIR \
   /opt/strongroom/current/bin/strongroom serve --config /etc/strongroom/strongroom.yaml" \
  </dev/null >"$RUN/serve.log" 2>&1 &
SERVE_PID=$!
t0=$(date +%s)
code=""
while [ $(($(date +%s) - t0)) -lt 240 ]; do
  kill -0 "$SERVE_PID" 2>/dev/null || { tail -30 "$RUN/serve.log" >&2; fail "the appliance exited"; }
  code="$(curl -s -o "$RUN/ready.json" -w '%{http_code}' --max-time 5 --cacert "$RUN/tls/server.crt" \
    "https://127.0.0.1:$PORT/health/ready" 2>/dev/null || true)"
  [ "$code" = 200 ] && break
  sleep 2
done
[ "$code" = 200 ] || { tail -30 "$RUN/serve.log" >&2; fail "/health/ready answered ${code:-nothing} within 240s"; }
grep -q UNSEALED "$RUN/ready.json" || fail "/health/ready: $(cat "$RUN/ready.json")"
ok "/health/ready 200 UNSEALED over HTTPS on port $PORT, trusting only the supplied certificate, after $(($(date +%s) - t0))s"
[ "$(stat -c %u "/proc/$SERVE_PID")" != 0 ] || fail "the appliance runs as root"
ok "the appliance runs as $(in_root getent passwd "$(stat -c %u "/proc/$SERVE_PID")" | cut -d: -f1)"

# restore.yml checks before it runs anything: never the live home, never a directory that is not empty.
if play restore-refuse-home restore.yml -e strongroom_restore_into=/var/lib/strongroom; then
  fail "restore.yml accepted the live home as the restore directory"
fi
grep -q 'give -e strongroom_restore_into=' "$RUN/restore-refuse-home.log" || { tail -30 "$RUN/restore-refuse-home.log" >&2; fail "restore.yml did not refuse the live home with its message"; }
mkdir -p "$ROOTFS/var/lib/strongroom.occupied"
echo keep >"$ROOTFS/var/lib/strongroom.occupied/.keep"
if play restore-refuse-occupied restore.yml -e strongroom_restore_into=/var/lib/strongroom.occupied; then
  fail "restore.yml accepted a directory that is not empty"
fi
grep -q 'exists and is not an empty directory (entries: 1, e.g. .keep)' "$RUN/restore-refuse-occupied.log" &&
  [ "$(cat "$ROOTFS/var/lib/strongroom.occupied/.keep")" = keep ] &&
  ! grep -q 'strongroom restore' "$RUN/restore-refuse-occupied.log" ||
  { tail -30 "$RUN/restore-refuse-occupied.log" >&2; fail "restore.yml did not refuse the occupied directory before running anything"; }
rm -rf "$ROOTFS/var/lib/strongroom.occupied"
ok "restore.yml refuses the live home and a non-empty directory before running anything"

# The operator playbooks for real, when the bundle's CLI has the commands (main gains them with the
# backup work): against the serving appliance, which takes the work over. `strongroom backup --help`
# alone is no test: a CLI without `backup` takes --help as its own and exits 0 too; the usage line
# must name the command.
has_command() {
  chroot --userspec=strongroom:strongroom "$ROOTFS" env -i PATH=/usr/bin:/bin HOME=/var/lib/strongroom \
    /opt/strongroom/current/bin/strongroom "$1" --help >"$RUN/help.log" 2>&1 &&
    grep -q "^Usage: strongroom $1 " "$RUN/help.log"
}
BACKUP_CLI=0
OWNER_KEY=""
if has_command backup; then
  BACKUP_CLI=1
  # Something to back up: a dataset with the handbook PDF, indexed (the owner key from the first start,
  # in a 0600 header file, never on a command line).
  OWNER_KEY="$(cat "$ROOTFS/var/lib/strongroom/bootstrap/owner-api-key")"
  [ -n "$OWNER_KEY" ] || fail "no owner API key in /var/lib/strongroom/bootstrap"
  (umask 077; printf 'Authorization: Bearer %s\n' "$OWNER_KEY" >"$RUN/auth.header")
  api() { curl -sS --max-time 30 --cacert "$RUN/tls/server.crt" -H @"$RUN/auth.header" "$@"; }
  DATASET="$(api -H 'Content-Type: application/json' -d '{"name":"ansible-test"}' "https://127.0.0.1:$PORT/v1/datasets" |
    sed -n 's/^{"id":"\(ds_[A-Za-z0-9]*\)".*/\1/p')"
  [ -n "$DATASET" ] || fail "could not create a dataset"
  api -F "file=@$REPO/docs/examples/handbook.pdf" "https://127.0.0.1:$PORT/v1/datasets/$DATASET/documents" >"$RUN/upload.json" ||
    fail "could not upload the handbook: $(cat "$RUN/upload.json")"
  docs=""
  for _ in $(seq 1 120); do
    docs="$(api "https://127.0.0.1:$PORT/v1/datasets/$DATASET/documents")"
    case "$docs" in *'"status":"ready"'*) break ;; *'"status":"failed"'*) fail "ingestion failed: $docs" ;; esac
    sleep 1
  done
  case "$docs" in *'"status":"ready"'*) ;; *) fail "the handbook was not indexed within 120s: $docs" ;; esac
  ok "dataset $DATASET with the handbook PDF indexed in the serving appliance"
  play backup backup.yml || { tail -60 "$RUN/backup.log" >&2; fail "backup.yml exited non-zero"; }
  recap_of "$ROOTFS" | grep -q ' changed=1 ' || fail "backup.yml should report exactly one change (backup run): $(recap_of "$ROOTFS")"
  grep -qF "TASK [strongroom : Validating arguments against arg spec 'cli'" "$RUN/backup.log" || fail "backup.yml's entry point cli is not validated"
  grep -q 'snapshot taken; intact on local' "$RUN/backup.log" || fail "backup.yml did not report the verified snapshot"
  grep -qE '"snapshot": "[^"]+"' "$RUN/backup.log" && grep -qE '"ok": true' "$RUN/backup.log" ||
    fail "backup.yml did not print the run's and the verification's JSON"
  n="$(in_root find /var/lib/strongroom/backups -type f | wc -l)"
  [ "$n" -gt 0 ] || fail "no file in /var/lib/strongroom/backups after backup.yml"
  [ "$(in_root find /var/lib/strongroom ! -user strongroom | wc -l)" -eq 0 ] ||
    fail "files under /var/lib/strongroom not owned by strongroom after backup.yml: $(in_root find /var/lib/strongroom ! -user strongroom | head)"
  [ -z "$(ls -A "$ROOTFS/run" | grep '^strongroom-cli\.' || true)" ] || fail "backup.yml left its credentials directory in /run"
  ok "backup.yml against the serving appliance: backup run (changed=1), backup verify: target local intact ($n files, all strongroom's; no PIN copy left in /run)"
  if has_command restore; then
    play restore restore.yml -e strongroom_restore_into=/var/lib/strongroom.restored ||
      { tail -60 "$RUN/restore.log" >&2; fail "restore.yml exited non-zero"; }
    expect_stat /var/lib/strongroom.restored "700 strongroom:strongroom"
    grep -qF "\"$DATASET\"" "$RUN/restore.log" || fail "the restore report does not name dataset $DATASET"
    [ "$(in_root find /var/lib/strongroom.restored ! -user strongroom | wc -l)" -eq 0 ] || fail "restored files not owned by strongroom"
    kill -0 "$SERVE_PID" 2>/dev/null && curl -sf -o /dev/null --cacert "$RUN/tls/server.crt" "https://127.0.0.1:$PORT/health/ready" ||
      fail "the live appliance is not ready after restore.yml"
    ok "restore.yml restored dataset $DATASET into /var/lib/strongroom.restored (0700, all strongroom's); the live appliance kept serving"
    if grep -q -- '--dataset' "$RUN/help.log"; then
      play restore-dataset restore.yml -e strongroom_restore_into=/var/lib/strongroom.one-dataset -e "strongroom_restore_dataset=$DATASET" ||
        { tail -60 "$RUN/restore-dataset.log" >&2; fail "restore.yml with strongroom_restore_dataset exited non-zero"; }
      grep -qF -- "--dataset\", \"$DATASET\"" "$RUN/restore-dataset.log" && grep -qF "\"$DATASET\"" "$RUN/restore-dataset.log" ||
        fail "restore.yml did not pass --dataset $DATASET"
      ok "restore.yml -e strongroom_restore_dataset=$DATASET restored that dataset alone into /var/lib/strongroom.one-dataset"
    fi
  fi
  if has_command dr; then
    play dr-drill dr-drill.yml || { tail -60 "$RUN/dr-drill.log" >&2; fail "dr-drill.yml exited non-zero"; }
    grep -qE 'DR drill passed on target local: RPO [0-9.]+ s, RTO [0-9.]+ s' "$RUN/dr-drill.log" ||
      fail "dr-drill.yml did not report a passed drill with RPO and RTO"
    grep -qF "\"$DATASET\"" "$RUN/dr-drill.log" || fail "the drill's report does not name dataset $DATASET"
    ok "dr-drill.yml: $(grep -oE 'DR drill passed on target local: RPO [0-9.]+ s, RTO [0-9.]+ s' "$RUN/dr-drill.log" | head -1) (the restored copy answers $DATASET's check query as the live one does)"
    # What strongroom-dr-drill.service runs, run the way the unit would (User=, UMask=, Environment=,
    # the credential): exit 0 only for a passed drill.
    chroot --userspec=strongroom:strongroom "$ROOTFS" /bin/sh -c "cd /var/lib/strongroom && umask 0077 &&
      exec env -i PATH=/usr/bin:/bin HOME=/var/lib/strongroom LANG=C.UTF-8 STRONGROOM_CONFIG=/etc/strongroom/strongroom.yaml \
      SOFTHSM2_CONF=/etc/strongroom/softhsm2.conf CREDENTIALS_DIRECTORY=$CRED_DIR /usr/local/libexec/strongroom-dr-drill" \
      </dev/null >"$RUN/dr-drill-unit.log" 2>&1 || { tail -30 "$RUN/dr-drill-unit.log" >&2; fail "the drill timer's script exited non-zero"; }
    grep -qE '"passed"[[:space:]]*:[[:space:]]*true' "$RUN/dr-drill-unit.log" || fail "the drill timer's script printed no passed report"
    ok "the drill timer's ExecStart (/usr/local/libexec/strongroom-dr-drill) run as the unit would: a passed drill, exit 0"
  fi
else
  say "the bundle's CLI has no backup command (\`strongroom backup --help\` prints $(grep -m1 '^Usage:' "$RUN/help.log" || echo nothing)): backup.yml, restore.yml and dr-drill.yml are only linted and syntax-checked"
fi
stop_serve
rm -rf "$ROOTFS/run/credentials"
ok "stopped by its PID"

# ---------------------------------------------------------------------------------------------
say "5. idempotence"
converge 2
if echo "$RECAP" | grep -vqE ' changed=0 '; then
  grep -E '^changed:' "$RUN/converge-2.log" >&2 || true
  fail "the second converge changed something"
fi
ok "second converge: changed=0 on every host"
if [ $WITH_KC -eq 1 ]; then
  grep -qE '"stdout": "realm strongroom: nothing to change"' "$RUN/converge-2.log" || fail "sso provision did not run or changed again"
  ok "sso provision ran again: realm strongroom: nothing to change"
fi
# What an operator runs before a change window: check mode with diffs must work on a converged host,
# find nothing to change, and show no secret in its diffs.
converge 3-check --check --diff
if echo "$RECAP" | grep -vqE ' changed=0 '; then
  grep -E '^changed:' "$RUN/converge-3-check.log" >&2 || true
  fail "check mode (--check --diff) reports changes on a converged host"
fi
ok "--check --diff on the converged hosts: changed=0"

# ---------------------------------------------------------------------------------------------
say "6. S3 and NFS-style backup targets"
# Credentials as the vault would give them; nothing here talks to S3 (the appliance is not started).
S3_KEY_ID="$(new_secret)"
S3_SECRET="$(new_secret)"
umask 077
cat >"$RUN/s3-target.yml" <<TARGETS
---
strongroom_backup_targets:
  - {name: local, type: directory, path: /var/lib/strongroom/backups, snapshot-retention: 90d, journal-retention: 30d}
  - name: offsite
    type: s3
    endpoint: https://127.0.0.1:9
    region: eu-west-1
    bucket: strongroom-test
    prefix: test/
    path-style: true
    ca-certificate: $RUN/tls/server.crt
    access-key-id: "$S3_KEY_ID"
    secret-access-key: "$S3_SECRET"
    object-lock-mode: COMPLIANCE
    object-lock-retain: 30d
    snapshot-retention: 90d
    journal-retention: 30d
  - {name: nfs, type: directory, path: /srv/strongroom-backups/search-1}
strongroom_dr_drill_schedule: ""
TARGETS
umask 022
converge 4-s3 -e "@$RUN/s3-target.yml"
expect_stat /etc/strongroom/backup/offsite.access-key-id "600 strongroom:strongroom"
expect_stat /etc/strongroom/backup/offsite.secret-access-key "600 strongroom:strongroom"
expect_stat /etc/strongroom/backup/offsite.ca.pem "644 root:strongroom"
expect_stat /srv/strongroom-backups/search-1 "700 strongroom:strongroom"
cmp -s "$ROOTFS/etc/strongroom/backup/offsite.access-key-id" <(printf '%s' "$S3_KEY_ID") &&
  cmp -s "$ROOTFS/etc/strongroom/backup/offsite.secret-access-key" <(printf '%s' "$S3_SECRET") &&
  cmp -s "$ROOTFS/etc/strongroom/backup/offsite.ca.pem" "$RUN/tls/server.crt" || fail "the S3 credential or CA files do not hold what was given"
python3 - "$ROOTFS/etc/strongroom/strongroom.yaml" >"$RUN/s3-config.log" 2>&1 <<'PY' || fail "the configuration's S3 target: $(cat "$RUN/s3-config.log")"
import sys, yaml
targets = yaml.safe_load(open(sys.argv[1]))["backup"]["targets"]
assert [t["name"] for t in targets] == ["local", "offsite", "nfs"], targets
want = {"name": "offsite", "type": "s3", "endpoint": "https://127.0.0.1:9", "region": "eu-west-1",
        "bucket": "strongroom-test", "prefix": "test/", "path-style": True,
        "ca-file": "/etc/strongroom/backup/offsite.ca.pem",
        "access-key-id-file": "/etc/strongroom/backup/offsite.access-key-id",
        "secret-access-key-file": "/etc/strongroom/backup/offsite.secret-access-key",
        "object-lock-mode": "COMPLIANCE", "object-lock-retain": "30d",
        "snapshot-retention": "90d", "journal-retention": "30d"}
assert targets[1] == want, targets[1]
assert targets[2] == {"name": "nfs", "type": "directory", "path": "/srv/strongroom-backups/search-1"}, targets[2]
PY
! grep -qF -e "$S3_KEY_ID" -e "$S3_SECRET" "$ROOTFS/etc/strongroom/strongroom.yaml" || fail "an S3 credential is in the configuration"
grep -qx 'RequiresMountsFor=/srv/strongroom-backups/search-1' "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf" &&
  grep -qx 'ReadWritePaths=/srv/strongroom-backups/search-1' "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf" ||
  fail "the unit's backup drop-in lacks the outside directory: $(cat "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf")"
[ ! -e "$DRILL.timer" ] && [ ! -e "$DRILL.service" ] && [ ! -e "$ROOTFS/usr/local/libexec/strongroom-dr-drill" ] ||
  fail "an empty strongroom_dr_drill_schedule left the drill's units or script"
ok "S3 target: credentials in 0600 strongroom files the configuration names (never the values), its CA copied; outside directory target 0700 strongroom with ReadWritePaths= and RequiresMountsFor= in the unit; empty drill schedule: timer removed"
converge 5-back
[ -z "$(ls -A "$ROOTFS/etc/strongroom/backup")" ] || fail "files of the removed targets stay: $(ls -A "$ROOTFS/etc/strongroom/backup")"
grep -q '^# None: every directory target is below' "$ROOTFS/etc/systemd/system/strongroom.service.d/backup.conf" ||
  fail "the unit's backup drop-in still names the removed directory target"
! grep -q 'offsite' "$ROOTFS/etc/strongroom/strongroom.yaml" || fail "the removed S3 target is still configured"
grep -qx 'OnCalendar=weekly' "$DRILL.timer" && [ -x "$ROOTFS/usr/local/libexec/strongroom-dr-drill" ] ||
  fail "the drill timer did not come back with the default schedule"
ok "converged back to the defaults: the S3 target's credential and CA files are removed, the unit's paths too; the weekly drill timer is back"

SECRETS=(-e "$USER_PIN" -e "$SO_PIN" -e "$KC_PASSWORD" -e "$S3_KEY_ID" -e "$S3_SECRET")
[ -z "$OWNER_KEY" ] || SECRETS+=(-e "$OWNER_KEY")
for f in "$RUN"/*.log; do
  if grep -qF "${SECRETS[@]}" "$f"; then fail "a secret appears in $(basename "$f")"; fi
done
ok "no PIN, password, API key or S3 credential in Ansible's output (every playbook run with -v, one with --diff) or the appliance's log"
stop_keycloak
# Nothing started here may outlive the test: no process left with either root as its root.
left="$(for p in /proc/[0-9]*; do r="$(readlink "$p/root" 2>/dev/null)" || continue
  case "$r" in "$RUN"/*) echo "${p#/proc/}" ;; esac; done)"
[ -z "$left" ] || fail "processes left running inside the roots: $left"
ok "no process left inside the roots"

if [ $BACKUP_CLI -eq 0 ]; then
  say "not run: backup.yml, restore.yml and dr-drill.yml against the appliance (the bundle's CLI has no backup command)"
fi
say "done in $(($(date +%s) - START))s"
say "$PASSED passed, 0 failed"
