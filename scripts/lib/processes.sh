# shellcheck shell=bash
# Process plumbing shared by scripts/stack.sh and scripts/kube.sh: clocks for the timings on
# stderr, free loopback ports, servers started detached with their pid and start time recorded
# (so a reused pid is never mistaken for ours), readiness polling, stopping whole process groups,
# and the two scripts' common command line (install / up DIR / down DIR / versions). Sourced, not
# run. The caller defines `log MESSAGE...`, `die MESSAGE...`, `usage`, `stop_all DIR` and the
# `cmd_install`, `cmd_up DIR`, `cmd_versions` commands, and sets TIMEOUT (seconds).

# Milliseconds since the epoch, from bash's own clock (no fork).
now_ms() {
  local t="${EPOCHREALTIME/[.,]/}"
  printf '%s' "$((t / 1000))"
}

# "1.234s" for the time since START_MS ($1).
since() {
  local ms=$(($(now_ms) - $1))
  printf '%d.%03ds' "$((ms / 1000))" "$((ms % 1000))"
}

# N distinct free TCP ports on 127.0.0.1: bind them all at once (port 0) so they differ.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Fields of /proc/PID/stat after "pid (comm)" into PROC_FIELDS: [0] is the state (field 3),
# [2] the process group (field 5), [19] the start time in clock ticks (field 22).
proc_stat() {
  local line
  { read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -r -a PROC_FIELDS <<<"${line##*) }"
}

# True when PID is a live (not zombie) process. Our servers are reparented when `up` exits,
# and PID 1 in a container may not reap them, so a zombie counts as gone.
alive() {
  local pid="$1"
  proc_stat "$pid" || return 1
  [[ "${PROC_FIELDS[0]}" != Z ]]
}

# The pid recorded in DIR/NAME.pid if that process is still the one we started.
pid_of() {
  local dir="$1" name="$2" pid start_time
  [[ -f "$dir/$name.pid" ]] || return 1
  read -r pid start_time <"$dir/$name.pid" || return 1
  alive "$pid" || return 1
  # Guard against pid reuse: the process must have the start time we recorded.
  [[ "${PROC_FIELDS[19]}" == "$start_time" ]] || return 1
  printf '%s' "$pid"
}

# spawn NAME DIR CMD...: run CMD detached (own session, stdin closed) with output in
# DIR/NAME.log, and remember "pid start-time" in DIR/NAME.pid.
spawn() {
  local name="$1" dir="$2" pid
  shift 2
  # Run from a non-leader process group (no job control here), setsid execs in place, so $!
  # is the server itself.
  setsid "$@" </dev/null >"$dir/$name.log" 2>&1 &
  pid=$!
  proc_stat "$pid" || die "could not start $name (see $dir/$name.log)"
  printf '%s %s\n' "$pid" "${PROC_FIELDS[19]}" >"$dir/$name.pid"
}

http_status() {
  curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$@" 2>/dev/null || true
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

fail_with_log() {
  local dir="$1" name="$2"
  shift 2
  log "error: $*"
  log "last lines of $dir/$name.log:"
  tail -n 40 "$dir/$name.log" >&2 || true
  exit 1
}

# wait_ready NAME DIR DESCRIPTION CHECK...: poll CHECK every 100 ms until it succeeds, the
# process dies, or TIMEOUT passes.
wait_ready() {
  local name="$1" dir="$2" what="$3" start deadline
  shift 3
  start="$(now_ms)"
  deadline=$((start + TIMEOUT * 1000))
  until "$@"; do
    pid_of "$dir" "$name" >/dev/null ||
      fail_with_log "$dir" "$name" "$name exited while waiting for $what"
    (($(now_ms) < deadline)) ||
      fail_with_log "$dir" "$name" "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.1
  done
  log "$what: ready after $(since "$start")"
}

# Live (non-zombie) pids in process group PGID. Each server leads its own group (setsid);
# Dkron's executor plugins (`dkron shell`, `dkron http`) are its children in that group.
group_members() {
  local stat_file pid
  for stat_file in /proc/[0-9]*/stat; do
    pid="${stat_file#/proc/}"
    pid="${pid%/stat}"
    proc_stat "$pid" || continue
    [[ "${PROC_FIELDS[2]}" == "$1" && "${PROC_FIELDS[0]}" != Z ]] && printf '%s\n' "$pid"
  done
  return 0
}

# stop_services DIR NAME...: SIGTERM each recorded server's process group, in the order given,
# SIGKILL what ignores it for 5 s, then whatever is left of the groups; removes the pid files.
stop_services() {
  local dir="$1" name pid deadline
  shift
  local -a leaders=() stragglers=()
  for name in "$@"; do
    if pid="$(pid_of "$dir" "$name")"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      leaders+=("$pid")
    fi
  done
  deadline=$(($(now_ms) + 5000))
  for pid in "${leaders[@]}"; do
    while alive "$pid" && (($(now_ms) < deadline)); do sleep 0.05; done
    if alive "$pid"; then
      log "pid $pid ignored SIGTERM for 5 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while alive "$pid"; do sleep 0.05; done
    fi
    mapfile -t stragglers < <(group_members "$pid")
    if ((${#stragglers[@]} > 0)); then
      log "killing leftover processes of group $pid: ${stragglers[*]}"
      kill -KILL "${stragglers[@]}" 2>/dev/null || true
    fi
  done
  for name in "$@"; do rm -f "$dir/$name.pid"; done
}

# cmd_down DIR: stop what `up` started in DIR (nothing to do when DIR does not exist).
cmd_down() {
  [[ $# -eq 1 ]] || usage
  local start
  start="$(now_ms)"
  if [[ ! -d "$1" ]]; then
    log "down: no directory $1; nothing to stop"
    return 0
  fi
  stop_all "$(cd "$1" && pwd -P)"
  log "down: stopped in $(since "$start")"
}

# main COMMAND ARGS...: the scripts' shared dispatch.
main() {
  [[ $# -ge 1 ]] || usage
  local command="$1"
  shift
  case "$command" in
    install) [[ $# -eq 0 ]] || usage; cmd_install ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    versions) [[ $# -eq 0 ]] || usage; cmd_versions ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}
