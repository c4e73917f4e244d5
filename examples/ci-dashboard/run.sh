#!/usr/bin/env bash
# Starts Herald and the live CI dashboard together, with demo data and builds that start by
# themselves. Builds both jars first if they are missing (or with REBUILD=1). Ctrl-C stops both.
#
#   examples/ci-dashboard/run.sh [dashboard flags, e.g. --jdbc-url jdbc:postgresql://localhost/ci]
#
# Environment: HERALD_PORT [6001], CI_DASHBOARD_PORT [8080], HERALD_APP_ID/KEY/SECRET (both
# processes read them), REBUILD=1 to rebuild the jars. Herald keeps history for the build and
# project channels (HERALD_APP_HISTORY_CHANNELS, _SIZE, _TTL_SECONDS; defaults below) so that a page
# that reconnects gets what it missed replayed instead of refetching it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
herald_jar="$root/herald-server/target/herald-server.jar"
app_jar="$here/target/ci-dashboard.jar"
herald_port="${HERALD_PORT:-6001}"
app_port="${CI_DASHBOARD_PORT:-8080}"

command -v java >/dev/null || { echo "run.sh: java (17 or newer) is needed" >&2; exit 1; }

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# GET http://127.0.0.1:$1$2 answers 200?
http_ok() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3
    IFS= read -r -t 2 status <&3 || exit 1
    [[ $status == *" 200"* ]]
  ) 2>/dev/null
}

wait_healthy() { # name port pid
  for _ in $(seq 1 300); do
    if http_ok "$2" /health; then return 0; fi
    if ! kill -0 "$3" 2>/dev/null; then echo "run.sh: $1 exited; see its output above" >&2; return 1; fi
    sleep 0.1
  done
  echo "run.sh: $1 did not answer on port $2 within 30 s" >&2
  return 1
}

for p in "$herald_port" "$app_port"; do
  if port_in_use "$p"; then
    echo "run.sh: port $p is in use; stop what runs there or set HERALD_PORT / CI_DASHBOARD_PORT" >&2
    exit 1
  fi
done

if [[ ! -f $herald_jar || ! -f $app_jar || ${REBUILD:-0} == 1 ]]; then
  echo "Building Herald and the dashboard (the first build downloads dependencies; give it a minute)..."
  (cd "$root" && ./mvnw -q -pl herald-server,examples/ci-dashboard -am package -DskipTests -DskipITs)
fi

pids=()
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "Stopping..."
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Herald on loopback only: the demo uses the default app secret. History: 1,000 events per
# channel for 10 minutes, room for a whole build log (docs/recovery.md).
HERALD_HOST=127.0.0.1 HERALD_PORT="$herald_port" \
  HERALD_APP_HISTORY_CHANNELS="${HERALD_APP_HISTORY_CHANNELS:-private-build-,private-project-}" \
  HERALD_APP_HISTORY_SIZE="${HERALD_APP_HISTORY_SIZE:-1000}" \
  HERALD_APP_HISTORY_TTL_SECONDS="${HERALD_APP_HISTORY_TTL_SECONDS:-600}" \
  java -jar "$herald_jar" > >(sed -u 's/^/[herald]    /') 2>&1 &
pids+=($!)
wait_healthy Herald "$herald_port" "${pids[0]}"

java -jar "$app_jar" --herald-host 127.0.0.1 --herald-port "$herald_port" --port "$app_port" "$@" \
  > >(sed -u 's/^/[dashboard] /') 2>&1 &
pids+=($!)
wait_healthy "the dashboard" "$app_port" "${pids[1]}"

cat <<EOF

  Herald CI dashboard: http://127.0.0.1:$app_port/
  Pick a user (Alice sees three projects, Carol only one). Builds start every few seconds;
  open one to watch its log stream in. Ctrl-C stops Herald and the dashboard.

EOF

# Stay up until Ctrl-C or until either process exits.
while kill -0 "${pids[0]}" 2>/dev/null && kill -0 "${pids[1]}" 2>/dev/null; do
  sleep 1
done
echo "run.sh: a process exited; stopping the other" >&2
exit 1
