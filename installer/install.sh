#!/usr/bin/env bash
# Installs, upgrades or removes a Strongroom bundle (installer/build-bundle.sh makes it).
#
#   install.sh BUNDLE.tar.gz [--prefix DIR] [--no-user] [--restart-command CMD]
#              [--ready-url URL] [--ready-timeout SECONDS] [--rollback-timeout SECONDS]
#   install.sh uninstall [--prefix DIR] [--purge-data] [--no-user]
#
# Layout (DIR is "" without --prefix; files keep naming their final paths, as in a staging root):
#   DIR/opt/strongroom/<version>/        the program, root-owned; `current` is a symlink to one
#   DIR/etc/strongroom/strongroom.yaml   configuration, 0640 root:strongroom, never overwritten;
#                                        the bundle's example also goes to strongroom.yaml.example
#   DIR/etc/strongroom/credentials/      0700 root: hsm-user.pin for the unit's LoadCredential=
#   DIR/var/lib/strongroom/              data (strongroom.home), 0700 strongroom:strongroom
#   DIR/etc/systemd/system/strongroom.service
#
# Every run is idempotent: installing the same bundle again changes nothing. The bundle's SHA-256 is
# checked against BUNDLE.sha256 (next to it) before anything is touched.
#
# Upgrade (`current` pointed at another version): data and configuration stay; `current` switches
# to the new version; when the service is to be restarted (under systemd: it was active; otherwise:
# --restart-command was given) it is restarted and must answer 200 on /health/ready within
# --ready-timeout (default 120 s). If it does not, install.sh switches `current` (and the unit) back,
# restarts the previous version, removes the new one and exits 3 (4 if the previous version does not
# become ready within --rollback-timeout, default 120 s, either; 5 if there is nothing to roll back to). The ready URL defaults to https://<server.host>:<server.https-port>/health/ready
# from the configuration (only the status code is read, so the certificate is not checked).
# Versions other than the current and the previous one are removed after a successful upgrade.
#
# Without --prefix, as root: creates the system user `strongroom`, and when systemd is running runs
# `systemctl daemon-reload` and (upgrades of an active service) `systemctl restart strongroom`.
# With --prefix: systemd is left alone; the user is created and files chowned only as root and
# without --no-user. --restart-command CMD (run with `sh -c`) restarts the service in other setups.
#
# uninstall removes the program and the unit; configuration and data stay unless --purge-data.
set -euo pipefail
umask 022

PROG="$(basename "$0")"
SERVICE_USER=strongroom
die() { echo "$PROG: $*" >&2; exit 1; }
say() { echo "$PROG: $*" >&2; }
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

ACTION=install BUNDLE="" PREFIX="" NO_USER=0 PURGE=0 RESTART_CMD="" READY_URL="" READY_TIMEOUT=120 ROLLBACK_TIMEOUT=120
[ $# -gt 0 ] || usage
if [ "$1" = uninstall ]; then ACTION=uninstall; shift; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || usage; PREFIX="$2"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --no-user) NO_USER=1; shift ;;
    --purge-data) PURGE=1; shift ;;
    --restart-command) [ $# -ge 2 ] || usage; RESTART_CMD="$2"; shift 2 ;;
    --ready-url) [ $# -ge 2 ] || usage; READY_URL="$2"; shift 2 ;;
    --ready-timeout) [ $# -ge 2 ] || usage; READY_TIMEOUT="$2"; shift 2 ;;
    --rollback-timeout) [ $# -ge 2 ] || usage; ROLLBACK_TIMEOUT="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) die "unknown option $1" ;;
    *) [ "$ACTION" = install ] && [ -z "$BUNDLE" ] || die "unexpected argument $1"; BUNDLE="$1"; shift ;;
  esac
done
[[ "$READY_TIMEOUT" =~ ^[0-9]+$ && "$ROLLBACK_TIMEOUT" =~ ^[0-9]+$ ]] || die "--ready-timeout and --rollback-timeout need a number of seconds"
if [ -n "$PREFIX" ]; then
  mkdir -p "$PREFIX"
  PREFIX="$(cd "$PREFIX" && pwd)"
  [ "$PREFIX" != / ] || PREFIX=""
fi

OPT="$PREFIX/opt/strongroom"
ETC="$PREFIX/etc/strongroom"
DATA="$PREFIX/var/lib/strongroom"
UNIT="$PREFIX/etc/systemd/system/strongroom.service"

IS_ROOT=0; [ "$(id -u)" -eq 0 ] && IS_ROOT=1
# Own files and create the user only as root, and not when told not to.
MANAGE_USER=0; [ $IS_ROOT -eq 1 ] && [ $NO_USER -eq 0 ] && MANAGE_USER=1
# systemd only for the real root file system and a running systemd.
USE_SYSTEMD=0; [ -z "$PREFIX" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null && USE_SYSTEMD=1
if [ -z "$PREFIX" ] && [ $IS_ROOT -eq 0 ]; then die "installing into / needs root (or use --prefix DIR)"; fi

# Writes SRC to DEST with MODE (and OWNER when managing users) unless it is already identical.
put_file() {
  local src="$1" dest="$2" mode="$3" owner="${4:-}"
  if ! cmp -s "$src" "$dest" 2>/dev/null; then
    install -m "$mode" "$src" "$dest.tmp.$$"
    mv -f "$dest.tmp.$$" "$dest"
    CHANGED=1
  fi
  [ "$(stat -c %a "$dest")" = "${mode#0}" ] || chmod "$mode" "$dest"
  if [ $MANAGE_USER -eq 1 ] && [ -n "$owner" ]; then chown "$owner" "$dest"; fi
}

# Creates DIR with MODE (and OWNER when managing users), fixing the mode if it drifted.
put_dir() {
  local dir="$1" mode="$2" owner="${3:-}"
  [ -d "$dir" ] || { mkdir -p "$dir"; CHANGED=1; }
  [ "$(stat -c %a "$dir")" = "${mode#0}" ] || chmod "$mode" "$dir"
  if [ $MANAGE_USER -eq 1 ] && [ -n "$owner" ]; then chown "$owner" "$dir"; fi
}

ensure_user() {
  [ $MANAGE_USER -eq 1 ] || return 0
  if ! getent passwd "$SERVICE_USER" >/dev/null; then
    say "creating system user $SERVICE_USER"
    useradd --system --user-group --home-dir /var/lib/strongroom --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
}

# The URL that tells whether the service is ready: --ready-url, or the configuration's host and port.
ready_url() {
  if [ -n "$READY_URL" ]; then echo "$READY_URL"; return; fi
  local host=127.0.0.1 port=8443 line
  if [ -f "$ETC/strongroom.yaml" ]; then
    line="$(awk '
      /^[^[:space:]#]/ { section = $1 }
      section == "server:" && /^[[:space:]]+host:/       { sub(/#.*/, ""); h = $2 }
      section == "server:" && /^[[:space:]]+https-port:/ { sub(/#.*/, ""); p = $2 }
      END { print h "|" p }' "$ETC/strongroom.yaml")"
    IFS='|' read -r h p <<<"$line" || true
    [ -n "${h:-}" ] && host="${h//[\"\']/}"
    [ -n "${p:-}" ] && port="$p"
  fi
  case "$host" in 0.0.0.0|"::"|"") host=127.0.0.1 ;; *:*) host="[$host]" ;; esac
  echo "https://$host:$port/health/ready"
}

# 0 when the ready URL answers 200 within $1 seconds.
wait_ready() {
  local timeout="$1" url deadline code
  command -v curl >/dev/null || { say "curl is needed to check readiness (apt-get install curl)"; return 1; }
  url="$(ready_url)"
  deadline=$(( $(date +%s) + timeout ))
  say "waiting up to ${timeout}s for $url"
  while :; do
    # Only the status is read, nothing is sent: the certificate (often self-signed) is not checked.
    code="$(curl -ks -o /dev/null -w '%{http_code}' --max-time 5 "$url" 2>/dev/null || true)"
    [ "$code" = 200 ] && { say "ready: $url answered 200"; return 0; }
    [ "$(date +%s)" -lt "$deadline" ] || { say "not ready: $url last answered ${code:-nothing}"; return 1; }
    sleep 1
  done
}

restart_service() {
  if [ -n "$RESTART_CMD" ]; then
    say "restarting: $RESTART_CMD"
    # Without the lock's descriptor: whatever it starts must not hold the lock.
    sh -c "$RESTART_CMD" 9>&- || say "restart command exited with $?"
  elif [ $USE_SYSTEMD -eq 1 ]; then
    say "systemctl restart strongroom"
    systemctl restart strongroom 9>&- || say "systemctl restart strongroom failed"
  fi
}

switch_current() {
  ln -sfn "$1" "$OPT/.current.$$"
  mv -fT "$OPT/.current.$$" "$OPT/current"
}

do_install() {
  [ -n "$BUNDLE" ] || usage
  [ -f "$BUNDLE" ] || die "no bundle at $BUNDLE"

  # 1. The checksum, before anything else.
  local sumfile="$BUNDLE.sha256" expected actual
  [ -f "$sumfile" ] || die "no checksum file $sumfile next to the bundle"
  expected="$(awk 'NR == 1 { print $1 }' "$sumfile")"
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "$sumfile holds no SHA-256"
  actual="$(sha256sum < "$BUNDLE" | awk '{ print $1 }')"
  [ "$actual" = "$expected" ] || die "checksum mismatch: $BUNDLE has SHA-256 $actual, $sumfile says $expected"
  say "checksum OK ($actual)"

  # 2. Which version it holds: one top directory strongroom-<version>.
  local top version
  top="$(tar -tzf "$BUNDLE" | head -1 || true)"; top="${top%%/*}"
  version="${top#strongroom-}"
  [[ "$top" = strongroom-* && "$version" =~ ^[0-9A-Za-z][0-9A-Za-z._+-]*$ ]] || die "$BUNDLE is not a Strongroom bundle (top directory '$top')"

  mkdir -p "$OPT"
  exec 9>>"$OPT/.lock"
  flock -n 9 || die "another install.sh is running on $OPT"

  CHANGED=0
  ensure_user

  # 3. The program: unpacked next to the final place and moved in, unless this very bundle is there.
  # existed: the version directory was there before; extracted: this run (re)placed it.
  local dest="$OPT/$version" existed=0 extracted=0
  [ -d "$dest" ] && existed=1
  if [ -f "$dest/.bundle-sha256" ] && [ "$(cat "$dest/.bundle-sha256")" = "$actual" ]; then
    say "$version already installed from this bundle"
  else
    local stage
    stage="$(mktemp -d "$OPT/.unpack.XXXXXX")"
    tar -xzf "$BUNDLE" -C "$stage" --no-same-owner
    local f
    for f in VERSION bin/strongroom runtime/bin/java app/strongroom.jar conf/strongroom.service conf/strongroom.yaml; do
      [ -e "$stage/$top/$f" ] || { rm -rf "$stage"; die "$BUNDLE lacks $top/$f"; }
    done
    [ "$(cat "$stage/$top/VERSION")" = "$version" ] || { rm -rf "$stage"; die "$BUNDLE: VERSION does not match $top"; }
    echo "$actual" > "$stage/$top/.bundle-sha256"
    chmod 755 "$stage/$top"
    [ $IS_ROOT -eq 1 ] && chown -R 0:0 "$stage/$top"
    if [ -e "$dest" ]; then
      mv -T "$dest" "$stage/replaced"
    fi
    mv -T "$stage/$top" "$dest"
    rm -rf "$stage"
    extracted=1
    say "installed $version in $dest"
    CHANGED=1
  fi
  chmod 755 "$OPT"

  # 4. Configuration (kept), credentials directory, data directory.
  put_dir "$PREFIX/etc" 0755
  put_dir "$ETC" 0750 "root:$SERVICE_USER"
  put_dir "$ETC/credentials" 0700 root:root
  if [ -e "$ETC/strongroom.yaml" ]; then
    say "keeping the configuration $ETC/strongroom.yaml"
  else
    put_file "$dest/conf/strongroom.yaml" "$ETC/strongroom.yaml" 0640 "root:$SERVICE_USER"
    say "installed the example configuration $ETC/strongroom.yaml: adapt server.*, hsm.* before starting"
  fi
  put_file "$dest/conf/strongroom.yaml" "$ETC/strongroom.yaml.example" 0640 "root:$SERVICE_USER"
  put_dir "$PREFIX/var/lib" 0755
  put_dir "$DATA" 0700 "$SERVICE_USER:$SERVICE_USER"

  # 5. The unit (part of the program: replaced on upgrade, restored on roll-back).
  put_dir "$PREFIX/etc/systemd/system" 0755
  local old_unit=""
  if [ -f "$UNIT" ] && ! cmp -s "$dest/conf/strongroom.service" "$UNIT"; then
    old_unit="$(mktemp)"; cp -p "$UNIT" "$old_unit"
  fi
  put_file "$dest/conf/strongroom.service" "$UNIT" 0644 root:root

  # 6. Switch `current`.
  local previous=""
  [ -L "$OPT/current" ] && previous="$(readlink "$OPT/current")"
  if [ "$previous" != "$version" ]; then
    switch_current "$version"
    say "current -> $version${previous:+ (was $previous)}"
    CHANGED=1
  fi
  [ $USE_SYSTEMD -eq 1 ] && systemctl daemon-reload

  # 7. Restart an upgraded service and roll back if it does not become ready.
  local restart=0
  # A restart when `current` changed, or when the files of the current version were replaced.
  if [ "$previous" != "$version" ] || [ $extracted -eq 1 ]; then
    if [ -n "$RESTART_CMD" ]; then restart=1
    elif [ $USE_SYSTEMD -eq 1 ] && [ -n "$previous" ] && systemctl is-active --quiet strongroom; then restart=1
    fi
  fi
  if [ $restart -eq 1 ]; then
    restart_service
    if ! wait_ready "$READY_TIMEOUT"; then
      if [ -z "$previous" ] || [ "$previous" = "$version" ] || [ ! -d "$OPT/$previous" ]; then
        say "$version does not become ready and there is no previous version to roll back to"
        exit 5
      fi
      say "ROLLING BACK: $version did not become ready within ${READY_TIMEOUT}s; back to $previous"
      switch_current "$previous"
      if [ -n "$old_unit" ]; then cp -p "$old_unit" "$UNIT"; fi
      [ $USE_SYSTEMD -eq 1 ] && systemctl daemon-reload
      restart_service
      if [ $existed -eq 0 ]; then rm -rf "$dest"; fi
      if [ -n "$old_unit" ]; then rm -f "$old_unit"; fi
      if wait_ready "$ROLLBACK_TIMEOUT"; then
        say "rolled back to $previous, which is ready"
        exit 3
      fi
      say "rolled back to $previous, but it is not ready either: see the service's log"
      exit 4
    fi
  fi
  if [ -n "$old_unit" ]; then rm -f "$old_unit"; fi

  # 8. Keep the current and the previous version only.
  if [ -n "$previous" ] && [ "$previous" != "$version" ]; then
    local d
    for d in "$OPT"/*; do
      [ -d "$d" ] && [ ! -L "$d" ] || continue
      d="$(basename "$d")"
      [ "$d" = "$version" ] || [ "$d" = "$previous" ] || { rm -rf "${OPT:?}/$d"; say "removed old version $d"; }
    done
  fi

  if [ -z "$previous" ]; then
    say "installed Strongroom $version. Next: put the HSM user PIN in $ETC/credentials/hsm-user.pin (root, 0600),"
    say "adapt $ETC/strongroom.yaml, then: systemctl enable --now strongroom (docs/operations.md)"
  fi
  [ $CHANGED -eq 1 ] || say "nothing to change"
}

do_uninstall() {
  mkdir -p "$OPT"
  exec 9>>"$OPT/.lock"
  flock -n 9 || die "another install.sh is running on $OPT"
  if [ $USE_SYSTEMD -eq 1 ] && [ -f "$UNIT" ]; then
    systemctl disable --now strongroom || true
  fi
  rm -f "$UNIT"
  [ $USE_SYSTEMD -eq 1 ] && systemctl daemon-reload
  rm -rf "${OPT:?}"
  say "removed the program ($OPT) and the unit"
  if [ $PURGE -eq 1 ]; then
    rm -rf "${DATA:?}" "${ETC:?}"
    say "removed the data ($DATA) and the configuration ($ETC)"
    if [ $MANAGE_USER -eq 1 ] && [ -z "$PREFIX" ] && getent passwd "$SERVICE_USER" >/dev/null; then
      userdel "$SERVICE_USER" || true
    fi
  else
    say "kept the data ($DATA) and the configuration ($ETC); --purge-data removes them"
  fi
}

case "$ACTION" in
  install) do_install ;;
  uninstall) do_uninstall ;;
esac
