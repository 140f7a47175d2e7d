#!/usr/bin/env bash
# The webhook benchmark (docs/benchmarks.md): a throwaway PostgreSQL, a Release build of the app with the
# constant-TwiML endpoint on, one operator on duty, then tests/Hotline.Benchmarks against it over loopback.
# Everything it starts is stopped and removed on exit, Ctrl-C included.
#
#   ops/bench.sh [webhooks] [--seconds N] [--concurrency N] [--rate N] [--warmup N] [--sql-stats]
#   ops/bench.sh callbacks [iterations] [open callbacks]   (tests/Hotline.Benchmarks.Callbacks on the same throwaway
#                    PostgreSQL, no app: next due and duplicate merge with 10,000 open callbacks)
#   ops/bench.sh replay [calls] [speed]   (the lockdown-day replay and its audit: ops/bench-replay.sh)
#
#   --seconds N      length of each measured run (20)
#   --concurrency N  workers of the closed-loop runs (16)
#   --rate N         webhooks/s of the open-loop run (200, the rate the aim is stated at)
#   --sql-stats      also load pg_stat_statements and print the statements behind the intake run; it costs a
#                    little, so the headline figures come from a run without it
# Experiments: app settings and runtime knobs exported as environment variables (Jobs__WorkerCount=2,
# DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0, ...) reach the app as usual,
# and HOTLINE_BENCH_DB_OPTIONS is appended to its connection string (e.g. 'Max Auto Prepare=20'); the report's
# command line names them, so a figure cannot be taken for the default configuration's.
# The markdown report goes to stdout; progress and the app's log (on failure) to stderr.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
if [[ ${1:-} == replay ]]; then shift; exec ops/bench-replay.sh "$@"; fi

# The report names the command that produced it, with any setting that changes what is measured.
# (DOTNET_ runtime knobs reach the load generator too; the CLI's own ones are left out.)
overrides=$(env | grep -E '^(HOTLINE_BENCH_DB_OPTIONS|(Hotline|Jobs|Ivr|Needs|Kestrel|Logging)__[A-Za-z_]*|DOTNET_[A-Za-z_]*)=' \
  | grep -vE '^DOTNET_(CLI_|NOLOGO|GENERATE_ASPNET_CERTIFICATE|ROOT|SKIP_FIRST_TIME_EXPERIENCE)' \
  | sort | sed -E "s/=(.*)/='\1'/" | tr '\n' ' ' || true)
export HOTLINE_BENCH_COMMAND="${overrides}ops/bench.sh $*"
bench_args=() sql_stats=false suite=webhooks
if [[ ${1:-} == callbacks ]]; then suite=callbacks; shift; bench_args=("$@"); set --; fi
[[ ${1:-} != webhooks ]] || shift
while (($#)); do
  case $1 in
    --sql-stats) sql_stats=true; shift ;;
    --seconds | --concurrency | --rate | --warmup)
      (($# >= 2)) || { echo "bench: $1 needs a value" >&2; exit 2; }
      bench_args+=("$1" "$2"); shift 2 ;;
    *) echo "bench: unknown argument '$1' (see the top of $0)" >&2; exit 2 ;;
  esac
done

log() { printf '[bench] %s\n' "$*" >&2; }

# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source ops/lib/postgres.sh

work=$(mktemp -d /tmp/hotline-bench.XXXXXX)
chmod 755 "$work"   # the postgres user must be able to enter it when we run as root
pg_data=$work/pg pg_started=false app_pid=''

# shellcheck disable=SC2317  # only called from the EXIT trap
cleanup() {
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    log "stopping the app"
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  if $pg_started; then pg_cluster_stop "$pg_data" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $suite == callbacks ]]; then
  log "building the callback benchmark (Release)"
  dotnet build tests/Hotline.Benchmarks.Callbacks/Hotline.Benchmarks.Callbacks.csproj -c Release -nologo -v quiet >>"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
  pg_port=$(pg_free_port)
  pg_started=true
  pg_cluster_start "$pg_data" "$pg_port"
  status=0
  dotnet tests/Hotline.Benchmarks.Callbacks/bin/Release/net10.0/Hotline.Benchmarks.Callbacks.dll \
    "$(pg_conn_string "$pg_port" postgres)" "${bench_args[@]}" || status=$?
  exit "$status"
fi

log "building (Release)"
for project in src/Hotline/Hotline.csproj tests/Hotline.Benchmarks/Hotline.Benchmarks.csproj; do
  if ! dotnet build "$project" -c Release -nologo -v quiet >>"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2; exit 1
  fi
done

pg_port=$(pg_free_port)
pg_started=true
pg_cluster_start "$pg_data" "$pg_port"
psql_bench() { "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U "$(pg_owner)" -d hotline "$@"; }
if $sql_stats; then
  # Only a server start loads it; ALTER SYSTEM outlives the restart whoever writes the config files.
  "$(pg_bindir)/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U "$(pg_owner)" -d postgres \
    -c "alter system set shared_preload_libraries = 'pg_stat_statements'"
  pg_cluster_stop "$pg_data"
  pg_cluster_start "$pg_data" "$pg_port"
fi
pg_ensure_db "$pg_port" hotline
connection="$(pg_conn_string "$pg_port" hotline)${HOTLINE_BENCH_DB_OPTIONS:+;$HOTLINE_BENCH_DB_OPTIONS}"

# From its output folder, like a published app: the content root, where appsettings.json is, is the working directory.
app_port=$(pg_free_port)
app_url=http://127.0.0.1:$app_port
# A fresh token per run; both the app and the load generator read it from the environment.
Twilio__AuthToken=$(openssl rand -hex 16)
export Twilio__AuthToken
export Twilio__PhoneNumber=+8621000000000
log "starting the app on $app_url (PostgreSQL on port $pg_port)"
ConnectionStrings__Hotline=$connection \
Twilio__PublicBaseUrl=$app_url \
Hotline__BenchmarkEndpoints=true \
Hotline__DataDirectory=$work/app \
Logging__LogLevel__Default=Warning \
ASPNETCORE_ENVIRONMENT=Production \
  bash -c 'cd src/Hotline/bin/Release/net10.0 && exec dotnet Hotline.dll --urls "$1"' app "$app_url" >"$work/app.log" 2>&1 &
app_pid=$!

for _ in $(seq 120); do
  curl -fsS -o /dev/null "$app_url/readyz" 2>/dev/null && break
  kill -0 "$app_pid" 2>/dev/null || { log "the app exited during start-up:"; cat "$work/app.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS -o /dev/null "$app_url/readyz" || { log "the app did not become ready in 60 s:"; cat "$work/app.log" >&2; exit 1; }

# With nobody on duty every call would go straight to voicemail; the benchmark walks the queue and then voicemail.
psql_bench -c "insert into staff (username, display_name, role, password_hash, on_duty)
               values ('bench-operator', 'Benchmark operator', 'operator', 'not-a-login', true)"

if $sql_stats; then bench_args+=(--sql-stats "$connection"); fi
status=0
dotnet tests/Hotline.Benchmarks/bin/Release/net10.0/Hotline.Benchmarks.dll webhooks \
  --url "$app_url" --app-pid "$app_pid" --postgres-pid "$(head -n 1 "$pg_data/postmaster.pid")" \
  "${bench_args[@]}" || status=$?

if ((status != 0)); then
  log "the benchmark failed (exit $status); the app's log:"
  tail -n 50 "$work/app.log" >&2
fi
exit "$status"
