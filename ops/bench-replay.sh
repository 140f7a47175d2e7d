#!/usr/bin/env bash
# The lockdown-day replay (docs/benchmarks.md, "Lockdown-day replay"): a throwaway PostgreSQL, a Release build of the
# app pointed at the replay's in-process Twilio sandbox, then tests/Hotline.Replay plays a generated day of N calls
# at the given speed, audits the database and prints expected vs found per kind and the resources used.
# Everything it starts is stopped and removed on exit, Ctrl-C included. Exit status 0 only for a perfect audit.
#
#   ops/bench-replay.sh [calls] [speed] [--sql-stats] [extra replay options, e.g. --seed 7 --day-seconds 3600]
#   (also ops/bench.sh replay [calls] [speed] ...)
#
# --sql-stats loads pg_stat_statements and adds, after the audit, where the database's time went: the statements by
# total time, and rows written per table with how many updates were heap-only. It costs a little, so the headline
# figures come from a run without it.
#
# calls defaults to 2000, speed (simulated seconds per real second) to 1440: a 24-hour day in one minute.
# App settings exported as environment variables (Hotline__WebhookBudgetMilliseconds=..., Jobs__WorkerCount=...) reach
# the app as usual; the report's first line names them. Progress and, on failure, the app's log go to stderr.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
calls=${1:-2000}
speed=${2:-1440}
(($# == 0)) || shift
(($# == 0)) || shift
[[ $calls =~ ^[0-9]+$ && $speed =~ ^[0-9.]+$ ]] || { echo "usage: $0 [calls] [speed] [--sql-stats] [replay options]" >&2; exit 2; }
sql_stats=false
if [[ ${1:-} == --sql-stats ]]; then sql_stats=true; shift; fi

overrides=$(env | grep -E '^(Hotline|Jobs|Ivr|Needs|Callbacks|Escalation|Wellness|Twilio|Kestrel|Logging)__[A-Za-z_]*=' \
  | sort | sed -E "s/=(.*)/='\1'/" | tr '\n' ' ' || true)

log() { printf '[bench-replay] %s\n' "$*" >&2; }

# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source ops/lib/postgres.sh
# shellcheck source-path=SCRIPTDIR source=lib/app.sh
source ops/lib/app.sh

for base in "${TMPDIR:-}" /tmp /var/tmp; do
  [[ -n $base && -d $base ]] && pg_reachable "$base" && break
done
work=$(mktemp -d "$base/hotline-bench-replay.XXXXXX")
chmod 755 "$work"   # the postgres user must be able to enter it when we run as root
pg_started=false app_pid=''

# shellcheck disable=SC2317  # only called from the EXIT trap
cleanup() {
  if [[ -n $app_pid ]] && kill -0 "$app_pid" 2>/dev/null; then
    log "stopping the app"
    kill -TERM "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  if $pg_started; then pg_cluster_stop "$work/pg" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building (Release)"
for project in src/Hotline/Hotline.csproj tests/Hotline.Replay/Hotline.Replay.csproj; do
  if ! dotnet build "$project" -c Release -nologo -v quiet >>"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2; exit 1
  fi
done

pg_port=$(pg_free_port)
pg_started=true
pg_cluster_start "$work/pg" "$pg_port"
if $sql_stats; then pg_statement_stats "$work/pg" "$pg_port"; fi
pg_ensure_db "$pg_port" hotline
psql_hotline() { "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U "$(pg_owner)" -d hotline "$@"; }
if $sql_stats; then psql_hotline -c "create extension pg_stat_statements"; fi
connection=$(pg_conn_string "$pg_port" hotline)

app_port=$(pg_free_port)
sandbox_port=$(pg_free_port)
app_url=http://127.0.0.1:$app_port
sandbox_url=http://127.0.0.1:$sandbox_port
token=$(openssl rand -hex 16)
number=+8621000000000
sid=AC00000000000000000000000000replay
log "starting the app on $app_url (PostgreSQL on port $pg_port, sandbox on $sandbox_url)"
# Four settings differ from appsettings.json, because the replay compresses time (all can be overridden):
# - the sandbox's clock scales real time too, so each millisecond the app takes to answer is `speed` ms of a
#   caller's simulated wait (1.44 s at 1440x). With the callback offer after 60 s and the wait limit at 600 s, a
#   caller who means to press 1 times out into voicemail first whenever a few wait webhooks take ~0.1 s, which a
#   busy machine does; the app is right to time them out, the day's script is not. Offered after 5 s (the least
#   the options allow: the second wait message), the caller presses 1 after one wait webhook instead of four, so a
#   single answer would have to take 0.4 s at 1440x to time them out;
# - the webhook budget: past it the app answers without the database (degraded mode, a voicemail with an `other`
#   need) by design; that is for a database in trouble, not for a CPU shared with the load generator.
# - the wellness sweep: the replay brings each wellness retry forward once its back-off is over in the day's compressed
#   time, and the app's sweep places it; every 15 s it would add up to 15 s of real time per retry;
# - the outbound call rate: the wellness round spaces its calls at Wellness:RateShare of Twilio:CallsPerSecond in real
#   time, which the sandbox cannot compress: at 1 call/s the 800 residents of an 80,000-call day take 27 minutes.
export Ivr__OfferCallbackAfterSeconds=${Ivr__OfferCallbackAfterSeconds:-5}
export Hotline__WebhookBudgetMilliseconds=${Hotline__WebhookBudgetMilliseconds:-10000}
export Wellness__SweepSeconds=${Wellness__SweepSeconds:-1}
export Twilio__CallsPerSecond=${Twilio__CallsPerSecond:-10}
ConnectionStrings__Hotline=$connection \
Twilio__AccountSid=$sid \
Twilio__AuthToken=$token \
Twilio__PhoneNumber=$number \
Twilio__PublicBaseUrl=$app_url \
Twilio__ApiBaseUrl=$sandbox_url \
Hotline__DataDirectory=$work/app \
Logging__LogLevel__Default=${Logging__LogLevel__Default:-Warning} \
ASPNETCORE_ENVIRONMENT=Production \
  bash -c 'cd src/Hotline/bin/Release/net10.0 && exec dotnet Hotline.dll --urls "$1"' app "$app_url" >"$work/app.log" 2>&1 &
app_pid=$!

app_wait_ready "$app_url" "$app_pid" "$work/app.log"

echo "command: ${overrides}ops/bench-replay.sh $calls $speed $($sql_stats && echo '--sql-stats ')$*"
echo "app: Release build, Ivr:OfferCallbackAfterSeconds=$Ivr__OfferCallbackAfterSeconds, Hotline:WebhookBudgetMilliseconds=$Hotline__WebhookBudgetMilliseconds," \
  "Wellness:SweepSeconds=$Wellness__SweepSeconds, Twilio:CallsPerSecond=$Twilio__CallsPerSecond; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
status=0
dotnet tests/Hotline.Replay/bin/Release/net10.0/Hotline.Replay.dll run --calls "$calls" --speed "$speed" \
  --db "$connection" --app "$app_url" --sandbox-urls "$sandbox_url" --auth-token "$token" --account-sid "$sid" \
  --hotline-number "$number" --app-pid "$app_pid" --postgres-pid "$(head -n 1 "$work/pg/postmaster.pid")" "$@" || status=$?
if $sql_stats; then
  echo
  echo "Statements by total time (pg_stat_statements, the whole run: app, Hangfire, the replay's driver and audit):"
  echo '```'
  psql_hotline -P footer=off -c "
    select calls, round(total_exec_time) as total_ms, round((total_exec_time / calls)::numeric, 3) as mean_ms, rows,
           left(regexp_replace(query, '\s+', ' ', 'g'), 120) as statement
    from pg_stat_statements order by total_exec_time desc limit 30" \
    -c "select sum(calls) as statements, round(sum(total_exec_time)) as total_ms from pg_stat_statements" \
    -c "select relname as table, n_tup_ins as inserted, n_tup_upd as updated, n_tup_hot_upd as heap_only, n_tup_del as deleted,
               pg_size_pretty(pg_total_relation_size(relid)) as size
        from pg_stat_user_tables where n_tup_ins + n_tup_upd + n_tup_del > 0
        order by n_tup_ins + n_tup_upd + n_tup_del desc limit 20"
  echo '```'
fi
if ((status != 0)); then
  log "the replay failed or its audit did not match (exit $status); the app's log:"
  grep -E 'fail|crit|warn' "$work/app.log" | tail -n 40 >&2 || true
fi
exit "$status"
