#!/usr/bin/env bash
# The benchmark suite (docs/benchmarks.md). Each suite starts its own throwaway PostgreSQL (ops/lib/postgres.sh,
# pg_throwaway), prints a markdown report naming the command that produced it, and stops and removes everything it
# started on exit, Ctrl-C included.
#
#   ops/bench.sh all                 every suite below in turn, with its defaults
#   ops/bench.sh [webhooks] [--seconds N] [--concurrency N] [--rate N] [--warmup N] [--sql-stats] [--lock-waits]
#                    the app (Release, constant-TwiML endpoint on, one operator on duty) under tests/Hotline.Benchmarks,
#                    which also hosts the Twilio sandbox the app sends its SMS to (Twilio__ApiBaseUrl), and PostgreSQL's
#                    own single-row insert rate on the same cluster (pgbench), as ratios
#   ops/bench.sh callbacks [iterations] [open callbacks]   (tests/Hotline.Benchmarks.Callbacks, no app: next due and
#                    duplicate merge with 10,000 open callbacks)
#   ops/bench.sh escalations [args]  escalation lateness with 1,000 and 10,000 deadlines (ops/bench-escalations.sh)
#   ops/bench.sh jobs [args]         Hangfire throughput of alert and callback jobs (tests/Hotline.Benchmarks.Jobs)
#   ops/bench.sh calllog [args]      call-log queries over 10 million calls (tests/Hotline.Benchmarks.CallLog)
#   ops/bench.sh replay [calls] [speed]   the lockdown-day replay and its audit (ops/bench-replay.sh)
#
# Webhooks:
#   --seconds N      length of each measured run (20); also the length of the pgbench run
#   --concurrency N  workers of the closed-loop runs (16); also pgbench's clients
#   --rate N         webhooks/s of the open-loop run (200, the rate the aim is stated at)
#   --sql-stats      also load pg_stat_statements and print the statements behind the intake run; it costs a
#                    little, so the headline figures come from a run without it
#   --lock-waits     have PostgreSQL log every lock wait over 50 ms (log_lock_waits, deadlock_timeout = 50ms), and
#                    at the end of the report count them by lock and list each (when, the row or index entry, the
#                    waiting statement) with the checkpoints of the stretch (docs/benchmarks.md); headline figures
#                    come from runs without it
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
log() { printf '[bench] %s\n' "$*" >&2; }

# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source ops/lib/postgres.sh
# shellcheck source-path=SCRIPTDIR source=lib/app.sh
source ops/lib/app.sh

# Every suite but webhooks: the command, then the program's own markdown.
# shellcheck disable=SC2016  # the backquotes are markdown
header() { printf '_Command: `%s`_\n\n' "$HOTLINE_BENCH_COMMAND"; }

build() {
  log "building $1 (Release)"
  dotnet build "$1" -c Release -nologo -v quiet >>"$pg_work/build.log" 2>&1 || { cat "$pg_work/build.log" >&2; return 1; }
}

suite=${1:-webhooks}
case $suite in
  --*) suite=webhooks ;;
  *) shift || true ;;
esac

case $suite in
  all)
    (($# == 0)) || { echo "bench: 'all' takes no arguments; run a suite on its own to change its settings" >&2; exit 2; }
    # One after the other, each with its own cluster, so that none measures another's leftovers.
    status=0
    for one in webhooks escalations jobs calllog callbacks replay; do
      "$0" "$one" || { log "suite $one failed"; status=1; }
      echo
    done
    exit "$status" ;;

  callbacks)
    pg_throwaway hotline-bench-cb
    build tests/Hotline.Benchmarks.Callbacks/Hotline.Benchmarks.Callbacks.csproj
    header
    # Its report is aligned plain text; fenced, it stays aligned in markdown.
    echo '```'
    exec_status=0
    dotnet tests/Hotline.Benchmarks.Callbacks/bin/Release/net10.0/Hotline.Benchmarks.Callbacks.dll \
      "$(pg_conn_string "$pg_port" postgres)" "$@" || exec_status=$?
    echo '```'
    exit "$exec_status" ;;

  escalations)
    header
    # Arguments given here come first and win over these defaults.
    exec "$repo/ops/bench-escalations.sh" "$@" --count 1000,10000 --rates 100,all ;;

  jobs | calllog)
    project=tests/Hotline.Benchmarks.Jobs
    [[ $suite == jobs ]] || project=tests/Hotline.Benchmarks.CallLog
    pg_throwaway "hotline-bench-$suite"
    if [[ $suite == jobs ]]; then
      # It counts statements per job with pg_stat_statements.
      pg_statement_stats "$pg_work/pg" "$pg_port"
    fi
    build "$project/$(basename "$project").csproj"
    header
    exec_status=0
    (cd "$project/bin/Release/net10.0" && dotnet "$(basename "$project").dll" --postgres "$(pg_conn_string "$pg_port" postgres)" "$@") \
      || exec_status=$?
    exit "$exec_status" ;;

  webhooks) ;;
  *) echo "bench: unknown suite '$suite' (see the top of $0)" >&2; exit 2 ;;
esac

bench_args=() sql_stats=false lock_waits=false seconds=20 concurrency=16
while (($#)); do
  case $1 in
    --sql-stats) sql_stats=true; shift ;;
    --lock-waits) lock_waits=true; shift ;;
    --seconds | --concurrency | --rate | --warmup)
      (($# >= 2)) || { echo "bench: $1 needs a value" >&2; exit 2; }
      [[ $1 != --seconds ]] || seconds=$2
      [[ $1 != --concurrency ]] || concurrency=$2
      bench_args+=("$1" "$2"); shift 2 ;;
    *) echo "bench: unknown argument '$1' (see the top of $0)" >&2; exit 2 ;;
  esac
done

app_pid=''
# shellcheck disable=SC2317  # only called from the EXIT trap
pg_throwaway_atexit() {
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    log "stopping the app"
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  return 0
}
pg_throwaway hotline-bench
work=$pg_work pg_data=$pg_work/pg

for project in src/Hotline/Hotline.csproj tests/Hotline.Benchmarks/Hotline.Benchmarks.csproj; do
  build "$project"
done

# psql_on DB ARGS...: psql as the cluster's owner, on the benchmark's cluster.
psql_on() { local db=$1; shift; "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U "$(pg_owner)" -d "$db" "$@"; }
# Planning counted too, to see what preparing saves.
if $sql_stats; then pg_statement_stats "$pg_data" "$pg_port" --plans; fi
if $lock_waits; then
  psql_on postgres -c "alter system set log_lock_waits = on" \
    -c "alter system set deadlock_timeout = '50ms'" -c "select pg_reload_conf()" >/dev/null
fi
pg_ensure_db "$pg_port" hotline
connection="$(pg_conn_string "$pg_port" hotline)${HOTLINE_BENCH_DB_OPTIONS:+;$HOTLINE_BENCH_DB_OPTIONS}"

# From its output folder, like a published app: the content root, where appsettings.json is, is the working directory.
app_port=$(pg_free_port)
app_url=http://127.0.0.1:$app_port
# The app's Twilio: the sandbox, which the load generator hosts on this port when it starts, before its first
# webhook (nothing the app does before that sends an SMS).
sandbox_port=$(pg_free_port)
while [[ $sandbox_port == "$app_port" ]]; do sandbox_port=$(pg_free_port); done
sandbox_url=http://127.0.0.1:$sandbox_port
# A fresh token per run; the app, the load generator and its sandbox read these three from the environment.
Twilio__AuthToken=$(openssl rand -hex 16)
Twilio__AccountSid=AC$(openssl rand -hex 16)
export Twilio__AuthToken Twilio__AccountSid
export Twilio__PhoneNumber=+8621000000000
log "starting the app on $app_url (PostgreSQL on port $pg_port, Twilio sandbox to come on $sandbox_url)"
ConnectionStrings__Hotline=$connection \
Twilio__PublicBaseUrl=$app_url \
Twilio__ApiBaseUrl=$sandbox_url \
Hotline__BenchmarkEndpoints=true \
Hotline__DataDirectory=$work/app \
Logging__LogLevel__Default=Warning \
ASPNETCORE_ENVIRONMENT=Production \
  bash -c 'cd src/Hotline/bin/Release/net10.0 && exec dotnet Hotline.dll --urls "$1"' app "$app_url" >"$work/app.log" 2>&1 &
app_pid=$!

app_wait_ready "$app_url" "$app_pid" "$work/app.log"

# With nobody on duty every call would go straight to voicemail; the benchmark walks the queue and then voicemail.
psql_on hotline -c "insert into staff (username, display_name, role, password_hash, on_duty)
               values ('bench-operator', 'Benchmark operator', 'operator', 'not-a-login', true)"

# PostgreSQL's own floor for a committed write: one single-row insert per transaction, in a database of its
# own on the same cluster, with the app started but idle, before the webhook runs.
pg_ensure_db "$pg_port" pgbench
psql_on pgbench -c \
  "create table single_row (id bigint generated always as identity primary key, at timestamptz not null default now(), body text not null)"
echo "insert into single_row (body) values ('one row per transaction');" >"$work/single-row.sql"
log "pgbench: single-row inserts, $concurrency clients, $seconds s"
pgbench_out=$("$(pg_bindir)/pgbench" -n -M prepared -f "$work/single-row.sql" -c "$concurrency" -j 2 -T "$seconds" \
  -h 127.0.0.1 -p "$pg_port" -U "$(pg_owner)" pgbench 2>&1) || { echo "$pgbench_out" >&2; exit 1; }
inserts=$(sed -nE 's/^tps = ([0-9.]+).*/\1/p' <<<"$pgbench_out" | head -n 1)
[[ -n $inserts ]] || { echo "$pgbench_out" >&2; log "no tps in pgbench's output"; exit 1; }
bench_args+=(--pgbench-inserts "$inserts")

if $sql_stats; then bench_args+=(--sql-stats "$connection"); fi
status=0
if $lock_waits; then log_from=$(stat -c %s "$pg_data/server.log"); fi
dotnet tests/Hotline.Benchmarks/bin/Release/net10.0/Hotline.Benchmarks.dll webhooks \
  --url "$app_url" --sandbox-url "$sandbox_url" --app-pid "$app_pid" --postgres-pid "$(head -n 1 "$pg_data/postmaster.pid")" \
  "${bench_args[@]}" || status=$?

if $lock_waits; then
  log_tail=$(tail -c +$((log_from + 1)) "$pg_data/server.log")
  # By lock: "ShareLock on transaction" is a row another transaction is writing; "object 0 of class 1262" is the
  # cluster-wide lock a transaction that sent a NOTIFY takes at commit.
  kinds=$(grep -oE 'still waiting for [A-Za-z]+ on (object 0 of class 1262|[a-z]+)' <<<"$log_tail" | sed 's/still waiting for //' \
    | sort | uniq -c | sort -rn | awk '{n = $1; $1 = ""; printf "%s%d%s", (NR > 1 ? ", " : ""), n, $0}' || true)
  longest=$(grep -oE ' acquired .* after [0-9.]+ ms' <<<"$log_tail" | grep -oE '[0-9.]+ ms$' | sort -n | tail -n 1 || true)
  echo
  echo "Lock waits over 50 ms in PostgreSQL from the check call to the end (\`--lock-waits\`):" \
    "$(grep -c 'still waiting for' <<<"$log_tail" || true)${kinds:+ ($kinds)}${longest:+; the longest ended after $longest}."
  # Each wait as it began: when, on what, where (CONTEXT: the row or index entry) and the waiting statement's first
  # line; and the checkpoints in the same stretch, since a slow fsync stalls every commit, lock holders' included.
  awk '
    / still waiting for /   { sub(/ UTC .*still waiting for /, " "); sub(/ after [0-9.]+ ms$/, ""); wait = $0; want = 1; next }
    want && /CONTEXT: /     { sub(/.*CONTEXT: +/, ""); wait = wait " — " $0; next }
    want && /STATEMENT: +$/ { statement = 1; next }
    want && /STATEMENT: /   { sub(/.*STATEMENT: +/, ""); print "  " wait " — " substr($0, 1, 80); want = 0; next }
    statement && NF         { sub(/^[ \t]+/, ""); print "  " wait " — " substr($0, 1, 80); want = 0; statement = 0; next }
    / checkpoint (starting|complete): / { sub(/ UTC .*LOG: +/, " "); print "  " substr($0, 1, 160) }
  ' <<<"$log_tail" | head -n 20
fi
if ((status != 0)); then
  log "the benchmark failed (exit $status); the app's log:"
  tail -n 50 "$work/app.log" >&2
fi
exit "$status"
