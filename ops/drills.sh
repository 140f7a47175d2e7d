#!/usr/bin/env bash
# Reliability drills (docs/reliability.md), with real processes over loopback: a throwaway PostgreSQL, the app as a
# Release dll, and the Twilio sandbox (src/Hotline.Sandbox, `serve`) playing callers from a generated scenario.
# Everything it starts is stopped and removed on exit, Ctrl-C included.
#
#   ops/drills.sh outage          stop PostgreSQL for 60 s in the middle of a burst of calls and SMS
#   ops/drills.sh sigkill         primary + fallback-URL instance, the same scenario twice, once with kill -9 of the primary
#   ops/drills.sh two-instances   one app vs two apps on one database under the same load
#
#   DRILL_CALLS (outage 50, others 30), DRILL_SPEED (10): the size and pace of the generated scenario.
# The report (markdown) goes to stdout; progress to stderr. Work files stay in $DRILL_KEEP if set.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
drill=${1:-}
case $drill in outage | sigkill | two-instances) ;; *) sed -n 2,12p "$0" >&2; exit 2 ;; esac

log() { printf '[drills %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# shellcheck source-path=SCRIPTDIR source=lib/postgres.sh
source ops/lib/postgres.sh
# shellcheck source-path=SCRIPTDIR source=lib/app.sh
source ops/lib/app.sh

work=$(mktemp -d /tmp/hotline-drills.XXXXXX)
chmod 755 "$work"
pg_data=$work/pg pg_started=false
pids=()   # every process we start, stopped in reverse order
a_pid='' sb_url=''   # set by start_app/start_sandbox through eval

# shellcheck disable=SC2317  # only called from the EXIT trap
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    if kill -0 "${pids[i]}" 2>/dev/null; then
      kill -TERM "${pids[i]}" 2>/dev/null || true
      wait "${pids[i]}" 2>/dev/null || true
    fi
  done
  if $pg_started; then pg_cluster_stop "$pg_data" || true; fi
  if [[ -n ${DRILL_KEEP:-} ]]; then cp -r "$work/." "$DRILL_KEEP/" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building (Release)"
for project in src/Hotline/Hotline.csproj src/Hotline.Sandbox/Hotline.Sandbox.csproj; do
  dotnet build "$project" -c Release -nologo -v quiet >>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
done
app_dir=$repo/src/Hotline/bin/Release/net10.0
sandbox_dll=$repo/src/Hotline.Sandbox/bin/Release/net10.0/Hotline.Sandbox.dll

pg_port=$(pg_free_port)
pg_started=true
pg_cluster_start "$pg_data" "$pg_port"
pg_bin=$(pg_bindir)
psql_db() { "$pg_bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U "$(pg_owner)" -d "$1" "${@:2}"; }

export Twilio__AccountSid=AC_sandbox_local
Twilio__AuthToken=$(openssl rand -hex 16)
export Twilio__AuthToken
export Twilio__PhoneNumber=+8621000000000
# The reconciliation sweep (lost status and transcription callbacks) with graces that fit a drill of a few minutes.
export Reconciliation__SweepSeconds=${DRILL_RECONCILE_SWEEP:-5}
export Reconciliation__CallGraceSeconds=${DRILL_RECONCILE_GRACE:-20}
export Reconciliation__TranscriptGraceSeconds=${DRILL_RECONCILE_GRACE:-20}
speed=${DRILL_SPEED:-10}

# start_sandbox NAME APP_URL [FALLBACK_BASE_URL]: its URL goes into ${NAME}_url, its pid into pids (so call it
# without $(...)). With a fallback base, the number's Voice and SMS fallback URLs point at that instance.
start_sandbox() {
  local name=$1 app_url=$2 fallback=${3:-} port
  port=$(pg_free_port)
  eval "${name}_url=http://127.0.0.1:$port"
  dotnet "$sandbox_dll" serve --urls "http://127.0.0.1:$port" --app "$app_url" --account-sid "$Twilio__AccountSid" \
    --auth-token "$Twilio__AuthToken" --hotline-number "$Twilio__PhoneNumber" --speed "$speed" \
    ${fallback:+--voice-fallback-url "$fallback/twilio/voice/fallback" --sms-fallback-url "$fallback/twilio/sms/incoming"} \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 60); do curl -fsS -o /dev/null "http://127.0.0.1:$port/sandbox/phones" 2>/dev/null && return 0; sleep 0.5; done
  log "sandbox $name did not start"; cat "$work/$name.log" >&2; return 1
}

# start_app NAME PORT DATABASE SANDBOX_URL: the pid goes into ${NAME}_pid and pids. The log is appended to, so a
# restart keeps the earlier lines.
start_app() {
  local name=$1 port=$2 db=$3 sandbox_url=$4
  ConnectionStrings__Hotline=$(pg_conn_string "$pg_port" "$db") \
  Twilio__PublicBaseUrl=http://127.0.0.1:$port \
  Twilio__ApiBaseUrl=$sandbox_url \
  Hotline__DataDirectory=$work/data-$name \
  Logging__LogLevel__Default=Warning \
  ASPNETCORE_ENVIRONMENT=Production \
    bash -c 'cd "$1" && exec dotnet Hotline.dll --urls "$2"' app "$app_dir" "http://127.0.0.1:$port" >>"$work/app-$name.log" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
}

journal_depth() { curl -s --max-time 5 "$1/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["journalDepth"])' 2>/dev/null || echo "?"; }

wait_drained() {
  local url=$1 depth
  for _ in $(seq 180); do
    depth=$(journal_depth "$url")
    [[ $depth == 0 ]] && return 0
    sleep 1
  done
  log "journal at $url still holds $depth entries after 180 s"; return 1
}

# scenario FILE FIRST_NUMBER CALLS EVERY_SIM_SECONDS SMS: voicemail callers (press 2, record 10 s) and SMS senders.
scenario() {
  python3 - "$@" <<'EOF'
import json, sys
file, first, calls, every, sms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
span = calls * every
doc = {
  "callers": [{"at": "0s", "from": f"+{first}", "repeat": calls, "every": f"{every}s", "presses": ["2"],
               "record": "10s", "transcript": "Dialysis tomorrow, I need a car"}],
  "sms": [{"at": f"{int(span * (i + 0.5) / max(sms, 1))}s", "from": f"+{first + 5000 + i}", "body": "I need medicine please"}
          for i in range(sms)],
}
json.dump(doc, open(file, "w"))
EOF
}

run_scenario() { # FILE SANDBOX_URL APP_URL OUT
  dotnet "$sandbox_dll" scenario run "$1" --sandbox "$2" --app "$3" --account-sid "$Twilio__AccountSid" \
    --auth-token "$Twilio__AuthToken" --hotline-number "$Twilio__PhoneNumber" --speed "$speed" >"$4" 2>&1 || true
}

# The final state of a database, one "table key count" line each, comparable between runs.
db_state() {
  psql_db "$1" -F ' ' <<'SQL'
SELECT 'calls', direction || '/' || coalesce(outcome, '-'), count(*) FROM calls GROUP BY 1, 2
UNION ALL SELECT 'needs', source || '/' || status, count(*) FROM needs GROUP BY 1, 2
UNION ALL SELECT 'voicemails', 'all', count(*) FROM voicemails
UNION ALL SELECT 'voicemails', 'transcribed', count(*) FROM voicemails WHERE transcript IS NOT NULL
UNION ALL SELECT 'messages', direction || '/' || coalesce(purpose, '-') || '/' || status, count(*) FROM messages GROUP BY 1, 2
UNION ALL SELECT 'call_events', kind, count(*) FROM call_events GROUP BY 1, 2
UNION ALL SELECT 'callbacks', source || '/' || status, count(*) FROM callbacks GROUP BY 1, 2
UNION ALL SELECT 'escalations', kind || '/' || channel || '/' || status, count(*) FROM escalations GROUP BY 1, 2
ORDER BY 1, 2;
SQL
}

duplicates() {
  psql_db "$1" <<'SQL'
SELECT (SELECT count(*) FROM (SELECT dedupe_key FROM messages WHERE dedupe_key IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d)
     + (SELECT count(*) FROM (SELECT call_id FROM voicemails GROUP BY 1 HAVING count(*) > 1) v)
     + (SELECT count(*) FROM (SELECT call_id FROM needs WHERE call_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) n)
     + (SELECT count(*) FROM (SELECT call_sid FROM calls GROUP BY 1 HAVING count(*) > 1) c);
SQL
}

# How many needs have their reference in an SMS the sandbox(es) delivered to the resident, and how many SMS per
# resident phone at most.
reference_sms() { # DB SANDBOX_URL...
  local db=$1; shift
  psql_db "$db" -F ' ' -c "SELECT reference, phone FROM needs WHERE source = 'voicemail'" >"$work/needs.txt"
  local url
  for url in "$@"; do curl -fsS "$url/sandbox/messages"; echo; done >"$work/messages.jsonl"
  python3 - "$work/needs.txt" "$work/messages.jsonl" <<'EOF'
import json, sys, collections
needs = [(l.split() + [""])[:2] for l in open(sys.argv[1]) if l.strip()]   # a need may lack a phone
msgs = [m for line in open(sys.argv[2]) if line.strip() for m in json.loads(line)]
got = sum(1 for ref, phone in needs if any(m["to"] == phone and ref in m["body"] for m in msgs))
per_phone = collections.Counter(m["to"] for m in msgs)
print(got, len(needs), max(per_phone.values(), default=0))
EOF
}

summary_of() { grep -E '^  (calls|requests to the app|recordings|fallback URL|SMS sent|FAILED)' "$1" | sed 's/^  /    /'; }

app_port() { pg_free_port; }

case $drill in
outage)
  calls=${DRILL_CALLS:-50}
  scenario "$work/scenario.json" 8613800000000 "$calls" 20 10   # a call every 2 s real at 10x: ~100 s
  pg_ensure_db "$pg_port" hotline
  port=$(app_port)
  app_url=http://127.0.0.1:$port
  start_sandbox sb "$app_url"
  start_app a "$port" hotline "$sb_url"
  app_wait_ready "$app_url" "$a_pid"
  log "scenario: $calls voicemail callers over ~$((calls * 20 / speed)) s, 10 SMS"
  run_scenario "$work/scenario.json" "$sb_url" "$app_url" "$work/scenario.out" &
  scen=$!
  pids+=("$scen")
  sleep 20
  log "stopping PostgreSQL (pg_ctl stop -m fast)"
  down_at=$(date -u +%s)
  pg_as_owner "$pg_bin/pg_ctl" stop -D "$pg_data" -m fast -w -t 60 >/dev/null
  sleep 60
  log "starting PostgreSQL again"
  pg_as_owner "$pg_bin/pg_ctl" start -D "$pg_data" -l "$pg_data/server.log" -w -t 60 >/dev/null
  up_at=$(date -u +%s)
  depth_at_restart=$(journal_depth "$app_url")
  wait "$scen" || true
  log "scenario finished; waiting for the journal to drain"
  drain_start=$(date -u +%s)
  wait_drained "$app_url"
  drained_in=$(($(date -u +%s) - drain_start))
  sleep 5   # outbox: the reference SMS queued by the replay
  during=$(grep -o 'journaled [^ ]* for call or message CA[0-9a-f]*' "$work/app-a.log" | awk '{print $NF}' | sort -u | wc -l)
  sms_during=$(grep -o 'journaled [^ ]* for call or message SM[0-9a-f]*' "$work/app-a.log" | awk '{print $NF}' | sort -u | wc -l)
  journaled=$(grep -c 'journaled ' "$work/app-a.log" || true)
  in_log=$(psql_db hotline -c "SELECT count(*) FROM calls WHERE direction = 'inbound'")
  voicemails=$(psql_db hotline -c "SELECT count(*) FROM voicemails")
  transcribed=$(psql_db hotline -c "SELECT count(*) FROM voicemails WHERE transcript IS NOT NULL")
  needs=$(psql_db hotline -c "SELECT count(*) FROM needs")
  sms_needs=$(psql_db hotline -c "SELECT count(*) FROM needs WHERE source = 'sms'")
  read -r refs_ok refs_of max_per_phone < <(reference_sms hotline "$sb_url")
  dups=$(duplicates hotline)
  rejected=$(find "$work/data-a/journal/rejected" -type f | wc -l)
  lost=$((calls - in_log > 0 ? calls - in_log : 0))
  cat <<EOF
## Database outage ($(date -u +%F))
Command: \`ops/drills.sh outage\` (DRILL_CALLS=$calls, speed ${speed}x). PostgreSQL down $((up_at - down_at)) s.
| Figure | Value |
|---|---|
| calls placed (expected) | $calls |
| calls with at least one webhook journaled (taken during the outage) | $during |
| SMS journaled during the outage | $sms_during (of 10 sent in the run) |
| webhooks journaled in all | $journaled |
| journal depth when PostgreSQL came back | $depth_at_restart |
| journal drained after the scenario ended in | ${drained_in} s |
| inbound calls in the log | $in_log |
| calls lost | $lost |
| voicemails stored (expected $calls) | $voicemails ($transcribed with transcript) |
| needs (expected $((calls + 10))) | $needs ($sms_needs from SMS) |
| needs whose reference reached the resident by SMS | $refs_ok of $refs_of (most SMS to one phone: $max_per_phone) |
| duplicates (messages per dedupe_key, voicemails/needs per call, calls per sid) | $dups |
| journal entries set aside as rejected | $rejected |

Scenario summary (what the sandbox saw):
$(summary_of "$work/scenario.out")
EOF
  ;;

sigkill)
  # Both runs have the same two instances on one database: the primary (the number's Voice URL and status callback)
  # and a second one serving the Voice Fallback URL, as Twilio is configured for a standby host. In the killed run the
  # primary gets kill -9 mid-burst and is restarted at once; the callers keep coming.
  calls=${DRILL_CALLS:-30}
  scenario "$work/scenario.json" 8613800000000 "$calls" 10 6   # a call every 1 s real at 10x: ~30 s
  for run in calm killed; do
    pg_ensure_db "$pg_port" "$run"
    port=$(app_port); port_b=$(app_port)
    app_url=http://127.0.0.1:$port
    fallback_url=http://127.0.0.1:$port_b
    start_sandbox "sb_$run" "$app_url" "$fallback_url"
    sb_var="sb_${run}_url"; sb_url=${!sb_var}
    start_app "$run" "$port" "$run" "$sb_url"
    pid_var="${run}_pid"
    app_wait_ready "$app_url" "${!pid_var}"
    start_app "${run}_b" "$port_b" "$run" "$sb_url"
    pid_b_var="${run}_b_pid"
    app_wait_ready "$fallback_url" "${!pid_b_var}"
    log "run $run: scenario of $calls calls, 6 SMS (fallback URL on the second instance)"
    run_scenario "$work/scenario.json" "$sb_url" "$app_url" "$work/scenario-$run.out" &
    scen=$!
    pids+=("$scen")
    if [[ $run == killed ]]; then
      sleep 15
      log "kill -9 of the primary (pid ${!pid_var})"
      kill -KILL "${!pid_var}"
      wait "${!pid_var}" 2>/dev/null || true
      killed_at=$(date +%s.%N)
      start_app "$run" "$port" "$run" "$sb_url"
      app_wait_ready "$app_url" "${!pid_var}"
      restarted_in=$(python3 -c "import time; print(round(time.time() - $killed_at, 1))")
      log "restarted and ready in ${restarted_in} s"
    fi
    wait "$scen" || true
    wait_drained "$app_url"; wait_drained "$fallback_url"
    # The outbox sweeper and delivery jobs settle; the reconciliation sweep fetches what lost callbacks left open.
    sleep $((15 + ${DRILL_RECONCILE_GRACE:-20} + 2 * ${DRILL_RECONCILE_SWEEP:-5}))
    db_state "$run" >"$work/state-$run.txt"
    read -r refs_ok refs_of max_per_phone < <(reference_sms "$run" "$sb_url")
    echo "$refs_ok $refs_of $max_per_phone $(duplicates "$run")" >"$work/extra-$run.txt"
    psql_db "$run" -F ' ' -c "SELECT c.call_sid, coalesce(c.outcome, '-'), (SELECT count(*) FROM voicemails v WHERE v.call_id = c.id)
      FROM calls c WHERE c.direction = 'inbound' ORDER BY c.from_phone" >"$work/calls-$run.txt"
  done
  fallback_journaled=$(grep -c 'journaled' "$work/app-killed_b.log" || true)
  count() { awk "$1" "$2" | wc -l; }
  # shellcheck disable=SC2016  # the awk programs are meant for awk
  cat <<EOF
## SIGKILL of the primary mid-run, fallback URL on a second instance ($(date -u +%F))
Command: \`ops/drills.sh sigkill\` (DRILL_CALLS=$calls, speed ${speed}x). Both runs: a primary and a second instance on one
database, the number's Voice and SMS fallback URLs on the second. Killed run: kill -9 of the primary 15 s in, restarted at once
on the same data directory and database; ready again after ${restarted_in} s.

| Figure | calm | killed |
|---|---|---|
| calls placed | $calls | $calls |
| inbound calls in the log | $(count 1 "$work/calls-calm.txt") | $(count 1 "$work/calls-killed.txt") |
| calls with a voicemail | $(count '$3 > 0' "$work/calls-calm.txt") | $(count '$3 > 0' "$work/calls-killed.txt") |
| calls with more than one voicemail | $(count '$3 > 1' "$work/calls-calm.txt") | $(count '$3 > 1' "$work/calls-killed.txt") |
| calls without an outcome (final status callback lost) | $(count '$2 == "-"' "$work/calls-calm.txt") | $(count '$2 == "-"' "$work/calls-killed.txt") |
| webhooks journaled by the second instance | $(grep -c 'journaled' "$work/app-calm_b.log" || true) | $fallback_journaled |

Final database, undisturbed run vs killed run (table, key, calm, killed):
\`\`\`
$(join -a1 -a2 -e 0 -o 0,1.2,2.2 <(awk '{print $1"|"$2, $3}' "$work/state-calm.txt" | sort) \
                                  <(awk '{print $1"|"$2, $3}' "$work/state-killed.txt" | sort) \
  | awk '{ mark = ($2 == $3) ? "" : "   <-- differs"; printf "%-55s %6s %6s%s\n", $1, $2, $3, mark }')
\`\`\`
References delivered by SMS / needs / most SMS to one phone / duplicates: calm $(cat "$work/extra-calm.txt"), killed $(cat "$work/extra-killed.txt").

Killed run, what the sandbox saw:
$(summary_of "$work/scenario-killed.out")
EOF
  ;;

two-instances)
  calls=${DRILL_CALLS:-30}
  half=$((calls / 2))
  # The same callers in both runs: two halves with distinct numbers.
  scenario "$work/one-a.json" 8613800000000 "$half" 10 3
  scenario "$work/one-b.json" 8613800100000 "$((calls - half))" 10 3
  for run in one two; do
    pg_ensure_db "$pg_port" "$run"
    pa=$(app_port); pb=$pa
    start_sandbox "sb_${run}_a" "http://127.0.0.1:$pa"
    va="sb_${run}_a_url"
    start_app "${run}_a" "$pa" "$run" "${!va}"
    pv="${run}_a_pid"; app_wait_ready "http://127.0.0.1:$pa" "${!pv}"
    if [[ $run == two ]]; then
      pb=$(app_port)
      start_sandbox "sb_${run}_b" "http://127.0.0.1:$pb"
      vb="sb_${run}_b_url"
      start_app "${run}_b" "$pb" "$run" "${!vb}"
      pv="${run}_b_pid"; app_wait_ready "http://127.0.0.1:$pb" "${!pv}"
    else
      vb=$va
    fi
    log "run $run: $calls calls and 6 SMS, spread over $([[ $run == two ]] && echo two apps || echo one app)"
    run_scenario "$work/one-a.json" "${!va}" "http://127.0.0.1:$pa" "$work/scenario-$run-a.out" & s1=$!
    run_scenario "$work/one-b.json" "${!vb}" "http://127.0.0.1:$pb" "$work/scenario-$run-b.out" & s2=$!
    pids+=("$s1" "$s2")
    wait "$s1" || true; wait "$s2" || true
    wait_drained "http://127.0.0.1:$pa"; wait_drained "http://127.0.0.1:$pb"
    sleep 10
    db_state "$run" >"$work/state-$run.txt"
    if [[ $run == two ]]; then urls=("${!va}" "${!vb}"); else urls=("${!va}"); fi
    read -r refs_ok refs_of max_per_phone < <(reference_sms "$run" "${urls[@]}")
    echo "$refs_ok $refs_of $max_per_phone $(duplicates "$run")" >"$work/extra-$run.txt"
    servers=$(psql_db "$run" -c "SELECT count(*) FROM hangfire.server" 2>/dev/null || echo "?")
    echo "$servers" >"$work/servers-$run.txt"
  done
  cat <<EOF
## Two instances on one database ($(date -u +%F))
Command: \`ops/drills.sh two-instances\` (DRILL_CALLS=$calls, speed ${speed}x). The same two halves of the load go to
one app, then to two apps (each its own sandbox, REST and webhooks, each its own Hangfire server) on one database.
Hangfire servers registered: one instance $(cat "$work/servers-one.txt"), two instances $(cat "$work/servers-two.txt").

Final database (table, key, one instance, two instances):
\`\`\`
$(join -a1 -a2 -e 0 -o 0,1.2,2.2 <(awk '{print $1"|"$2, $3}' "$work/state-one.txt" | sort) \
                                  <(awk '{print $1"|"$2, $3}' "$work/state-two.txt" | sort) \
  | awk '{ mark = ($2 == $3) ? "" : "   <-- differs"; printf "%-55s %6s %6s%s\n", $1, $2, $3, mark }')
\`\`\`
References delivered by SMS / needs / most SMS to one phone / duplicates: one $(cat "$work/extra-one.txt"), two $(cat "$work/extra-two.txt").
EOF
  ;;
esac
