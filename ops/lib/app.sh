# shellcheck shell=bash
# Helpers for scripts that start the app themselves (benchmarks, drills).

# app_wait_ready URL PID [LOG]: wait up to 60 s for URL/readyz; on failure say why and show LOG.
app_wait_ready() {
  local url=$1 pid=$2 log_file=${3:-}
  for _ in $(seq 120); do
    curl -fsS -o /dev/null "$url/readyz" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      printf '[app] the app at %s exited during start-up\n' "$url" >&2
      [[ -z $log_file ]] || cat "$log_file" >&2
      return 1
    fi
    sleep 0.5
  done
  printf '[app] the app at %s was not ready in 60 s\n' "$url" >&2
  [[ -z $log_file ]] || cat "$log_file" >&2
  return 1
}
