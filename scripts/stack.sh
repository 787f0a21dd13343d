#!/usr/bin/env bash
# The local test stack: REAL Dkron and Restate servers plus the recorder test peer
# (testkit/recorder), all on 127.0.0.1 with free ports, for the integration tests.
#
#   scripts/stack.sh install      fetch Restate (npm) and Dkron (go install), build the recorder
#   scripts/stack.sh up DIR       start the three, register the recorder, write DIR/env
#   scripts/stack.sh down DIR     stop them and delete their data
#   scripts/stack.sh versions     print the Dkron and Restate versions
#
# `up` prints the environment for the tests on stdout (also kept in DIR/env, sourceable);
# progress and timings go to stderr. Logs: DIR/{restate,dkron,recorder}.log.
#
# Environment:
#   JOELCLAW_STACK_CACHE   where binaries are cached (default ~/.cache/joelclaw-stack)
#   DKRON_BIN              use this Dkron binary instead of the cached one
#   RESTATE_SERVER_BIN     use this restate-server binary instead of the cached one
#   RECORDER_BIN           use this recorder binary instead of building one
#   STACK_TIMEOUT          seconds to wait for each server to get ready (default 60)
#   STACK_WITHOUT_DKRON=1  `up` starts only Restate and the recorder
#
# Exit codes: 0 ok, 1 failure, 2 usage, 10 Dkron is not installed and could not be installed.
set -euo pipefail

readonly RESTATE_VERSION=1.7.12
readonly DKRON_VERSION=v4.0.9
readonly DKRON_MODULE=github.com/distribworks/dkron/v4
readonly EXIT_NO_DKRON=10

CACHE="${JOELCLAW_STACK_CACHE:-$HOME/.cache/joelclaw-stack}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
RESTATE_PREFIX="$CACHE/restate-$RESTATE_VERSION"
RESTATE_BIN="${RESTATE_SERVER_BIN:-$RESTATE_PREFIX/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server}"
DKRON_DIR="$CACHE/dkron-$DKRON_VERSION"
DKRON="${DKRON_BIN:-$DKRON_DIR/dkron}"
TIMEOUT="${STACK_TIMEOUT:-60}"

# Processes `up` manages, in the order `down` stops them: Dkron first so no job fires into a
# half-stopped Restate.
readonly SERVICES=(dkron restate recorder)

log() { printf 'stack: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=scripts/lib/processes.sh
source "$REPO_ROOT/scripts/lib/processes.sh"

usage() {
  sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

recorder_bin() {
  if [[ -n "${RECORDER_BIN:-}" ]]; then
    printf '%s' "$RECORDER_BIN"
    return
  fi
  local target="${CARGO_TARGET_DIR:-}"
  if [[ -z "$target" ]]; then
    target="$(cd "$REPO_ROOT" && cargo metadata --format-version 1 --no-deps |
      sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
    [[ -n "$target" ]] || die "could not read target_directory from cargo metadata"
  fi
  printf '%s/debug/joelclaw-test-recorder' "$target"
}

# ---------------------------------------------------------------------------------------------
# install

install_restate() {
  local start
  start="$(now_ms)"
  if [[ -x "$RESTATE_BIN" ]]; then
    log "restate-server $RESTATE_VERSION: cached ($RESTATE_BIN)"
    return
  fi
  [[ -z "${RESTATE_SERVER_BIN:-}" ]] || die "RESTATE_SERVER_BIN=$RESTATE_SERVER_BIN is not an executable file"
  command -v npm >/dev/null || die "npm is needed to install @restatedev/restate-server"
  log "restate-server $RESTATE_VERSION: installing from npm into $RESTATE_PREFIX"
  # --ignore-scripts: the wrapper's only install script is @scarf/scarf telemetry; the
  # platform package ships the server ELF ready to run.
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    --prefix "$RESTATE_PREFIX" "@restatedev/restate-server@$RESTATE_VERSION" >&2 ||
    die "npm install @restatedev/restate-server@$RESTATE_VERSION failed"
  [[ -x "$RESTATE_BIN" ]] || die "npm finished but $RESTATE_BIN is missing (not linux-x64?)"
  log "restate-server $RESTATE_VERSION: installed in $(since "$start")"
}

# Returns 0 when a Dkron binary is in place, 1 (after explaining on stderr) when it is not.
install_dkron() {
  local start output
  start="$(now_ms)"
  if [[ -n "${DKRON_BIN:-}" ]]; then
    [[ -x "$DKRON_BIN" ]] || {
      log "error: DKRON_BIN=$DKRON_BIN is not an executable file"
      return 1
    }
    log "dkron: using DKRON_BIN=$DKRON_BIN"
    return 0
  fi
  if [[ -x "$DKRON" ]]; then
    log "dkron $DKRON_VERSION: cached ($DKRON)"
    return 0
  fi
  if ! command -v go >/dev/null; then
    output="go: command not found"
  else
    log "dkron $DKRON_VERSION: go install $DKRON_MODULE@$DKRON_VERSION (GOBIN=$DKRON_DIR)"
    mkdir -p "$DKRON_DIR"
    if output="$(GOBIN="$DKRON_DIR" go install "github.com/distribworks/dkron/v4@$DKRON_VERSION" 2>&1)" &&
      [[ -x "$DKRON" ]]; then
      log "dkron $DKRON_VERSION: installed in $(since "$start")"
      return 0
    fi
  fi
  {
    echo "stack: error: Dkron $DKRON_VERSION could not be installed."
    echo "  command: GOBIN=$DKRON_DIR go install $DKRON_MODULE@$DKRON_VERSION"
    echo "  go said:"
    printf '%s\n' "${output:-(nothing)}" | sed 's/^/    /'
    echo "  The integration tests that need Dkron cannot run without it. Either fix the above"
    echo "  (Go >= 1.24 and a module proxy that serves $DKRON_MODULE), put a dkron binary at"
    echo "  $DKRON, or point DKRON_BIN at one."
  } >&2
  return 1
}

build_recorder() {
  local start bin
  start="$(now_ms)"
  if [[ -n "${RECORDER_BIN:-}" ]]; then
    [[ -x "$RECORDER_BIN" ]] || die "RECORDER_BIN=$RECORDER_BIN is not an executable file"
    log "recorder: using RECORDER_BIN=$RECORDER_BIN"
    return
  fi
  (cd "$REPO_ROOT" && cargo build --quiet -p joelclaw-test-recorder) ||
    die "cargo build -p joelclaw-test-recorder failed"
  bin="$(recorder_bin)"
  [[ -x "$bin" ]] || die "cargo build succeeded but $bin is missing"
  log "recorder: built in $(since "$start") ($bin)"
}

cmd_install() {
  local start dkron_ok=1
  start="$(now_ms)"
  mkdir -p "$CACHE"
  install_restate
  # Dkron's failure is reported at the end, so Restate and the recorder are still usable.
  install_dkron || dkron_ok=0
  build_recorder
  if ((dkron_ok == 0)); then
    log "install: incomplete after $(since "$start"): Dkron is missing (exit $EXIT_NO_DKRON)"
    exit "$EXIT_NO_DKRON"
  fi
  log "install: done in $(since "$start")"
}

# ---------------------------------------------------------------------------------------------
# up / down

dkron_ready() { [[ "$(http_status "http://127.0.0.1:$DKRON_HTTP/v1/isleader")" == 200 ]]; }
restate_admin_ready() { [[ "$(http_status "http://127.0.0.1:$RESTATE_ADMIN/health")" == 200 ]]; }
restate_ingress_ready() { [[ "$(http_status "http://127.0.0.1:$RESTATE_INGRESS/restate/health")" == 200 ]]; }
recorder_ready() { port_open "$RECORDER_PORT"; }

register_recorder() {
  local dir="$1" start response status body
  start="$(now_ms)"
  response="$(curl -sS --max-time 10 -w '\n%{http_code}' -X POST \
    -H 'content-type: application/json' \
    -d "{\"uri\":\"http://127.0.0.1:$RECORDER_PORT\",\"force\":true}" \
    "http://127.0.0.1:$RESTATE_ADMIN/deployments" 2>&1)" || true
  status="${response##*$'\n'}"
  body="${response%$'\n'*}"
  case "$status" in
    200 | 201) log "recorder registered with Restate ($status) in $(since "$start")" ;;
    *) fail_with_log "$dir" restate "registering the recorder failed (HTTP $status): $body" ;;
  esac
}

stop_all() {
  stop_services "$1" "${SERVICES[@]}"
  # The Restate base dir alone is ~220 MiB (RocksDB preallocation).
  rm -rf "$1/restate" "$1/dkron" "$1/env"
}

cmd_up() {
  [[ $# -eq 1 ]] || usage
  local dir name start record_file without_dkron="${STACK_WITHOUT_DKRON:-0}" recorder
  start="$(now_ms)"
  mkdir -p "$1"
  dir="$(cd "$1" && pwd -P)"
  for name in "${SERVICES[@]}"; do
    if pid_of "$dir" "$name" >/dev/null; then
      die "$name from an earlier 'up' is still running in $dir; run: $0 down $dir"
    fi
  done

  [[ -x "$RESTATE_BIN" ]] || die "restate-server not found at $RESTATE_BIN; run: $0 install"
  recorder="$(recorder_bin)"
  [[ -x "$recorder" ]] || die "recorder not found at $recorder; run: $0 install"
  if [[ "$without_dkron" != 1 && ! -x "$DKRON" ]]; then
    log "error: dkron not found at $DKRON; run: $0 install (or set DKRON_BIN," \
      "or STACK_WITHOUT_DKRON=1 for Restate only)"
    exit "$EXIT_NO_DKRON"
  fi

  read -r DKRON_HTTP DKRON_SERF DKRON_RPC RESTATE_INGRESS RESTATE_ADMIN RESTATE_FABRIC \
    RECORDER_PORT <<<"$(free_ports 7)"
  record_file="$dir/recorder.jsonl"
  rm -rf "$dir/restate" "$dir/dkron"
  : >"$record_file"

  # From here on, a failure stops whatever was started (logs stay for diagnosis).
  trap 'status=$?; if ((status != 0)); then log "up failed; stopping what was started (logs kept in $dir)"; stop_all "$dir"; fi' EXIT

  # Every port is explicit: Restate's ingress and Dkron's HTTP API both default to 8080.
  spawn recorder "$dir" env RECORDER_PORT="$RECORDER_PORT" RECORDER_FILE="$record_file" \
    "$recorder"
  spawn restate "$dir" env RESTATE_DISABLE_TELEMETRY=true RESTATE_DEFAULT_NUM_PARTITIONS=4 \
    RESTATE_INGRESS__BIND_PORT="$RESTATE_INGRESS" RESTATE_ADMIN__BIND_PORT="$RESTATE_ADMIN" \
    "$RESTATE_BIN" --listen-mode tcp --bind-ip 127.0.0.1 --bind-port "$RESTATE_FABRIC" \
    --node-name ci --no-logo --log-disable-ansi-codes true --base-dir "$dir/restate"
  if [[ "$without_dkron" != 1 ]]; then
    mkdir -p "$dir/dkron"
    spawn dkron "$dir" "$DKRON" agent --server --bootstrap-expect=1 --node-name=stack \
      --data-dir="$dir/dkron" --bind-addr="127.0.0.1:$DKRON_SERF" \
      --advertise-addr="127.0.0.1:$DKRON_SERF" --http-addr="127.0.0.1:$DKRON_HTTP" \
      --rpc-port="$DKRON_RPC" --disable-usage-stats
  fi

  wait_ready recorder "$dir" "recorder on :$RECORDER_PORT" recorder_ready
  wait_ready restate "$dir" "restate admin on :$RESTATE_ADMIN" restate_admin_ready
  wait_ready restate "$dir" "restate ingress on :$RESTATE_INGRESS" restate_ingress_ready
  register_recorder "$dir"
  if [[ "$without_dkron" != 1 ]]; then
    wait_ready dkron "$dir" "dkron leader on :$DKRON_HTTP" dkron_ready
  fi

  {
    if [[ "$without_dkron" != 1 ]]; then
      printf 'export DKRON_URL=%q\n' "http://127.0.0.1:$DKRON_HTTP"
      printf 'export JOELCLAW_TEST_DKRON_URL=%q\n' "http://127.0.0.1:$DKRON_HTTP"
      # Tests that need more Dkron nodes (a 3-node Raft cluster) start them from this binary.
      printf 'export JOELCLAW_TEST_DKRON_BIN=%q\n' "$DKRON"
    fi
    printf 'export JOELCLAW_TEST_RESTATE_INGRESS=%q\n' "http://127.0.0.1:$RESTATE_INGRESS"
    printf 'export JOELCLAW_TEST_RESTATE_ADMIN=%q\n' "http://127.0.0.1:$RESTATE_ADMIN"
    printf 'export JOELCLAW_TEST_RECORDER_FILE=%q\n' "$record_file"
    printf 'export JOELCLAW_TEST_STACK_DIR=%q\n' "$dir"
  } >"$dir/env.tmp"
  mv "$dir/env.tmp" "$dir/env"
  trap - EXIT
  cat "$dir/env"
  log "up: stack ready in $(since "$start") (env in $dir/env; stop with: $0 down $dir)"
}

cmd_versions() {
  local rc=0
  if [[ -x "$DKRON" ]]; then
    printf 'dkron %s\n' "$("$DKRON" version 2>&1 | sed -n 's/^Version: *//p')"
  else
    printf 'dkron: not installed (%s)\n' "$DKRON"
    rc=1
  fi
  if [[ -x "$RESTATE_BIN" ]]; then
    "$RESTATE_BIN" --version
  else
    printf 'restate-server: not installed (%s)\n' "$RESTATE_BIN"
    rc=1
  fi
  return "$rc"
}

main "$@"
