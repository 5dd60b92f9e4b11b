#!/usr/bin/env bash
# The broker comparison of BENCHMARKS.md ("Broker comparison"): the same relay workload through
# `timwire serve` (driven by `timwire load --server`) and through mosquitto (driven by the
# rumqttc clients of benches/examples/mqtt_load.rs), then the servers' memory per idle
# connection (benches/examples/idle_memory.rs). Every server is started fresh for each run and
# stopped after it. Prints one table row per run (markdown) and keeps the raw output in $OUT.
# Each row has the CPU seconds (user + system) the server and the load generator used in the
# run: both share the machine's cores, so a heavier client side slows the server down.
#
#   bash benches/broker/run.sh                       # the defaults below
#   CONNECTIONS=50 MESSAGES=2000 IDLE=1000 bash benches/broker/run.sh   # a smoke run
#
# Settings (environment):
#   CONNECTIONS  clients, each sending to the next          (default 1000)
#   MESSAGES     messages in all                            (default 100000)
#   PAYLOAD      message content bytes                      (default 64)
#   QOS          qos levels to run                          (default "0 1")
#   RATES        total send rates; 0 = as fast as possible  (default "0")
#   PROFILES     timwire profiles to run                    (default "tim rongcloud")
#   TRANSPORTS   timwire transports to run                  (default "tcp ws")
#   IDLE         idle connections for the memory figure; 0 skips it (default 5000)
#   MOSQUITTO    0 skips mosquitto (e.g. to rerun only timwire rows) (default 1)
#   STALL        seconds without progress before a run gives up (default 60)
#   MQTT_EXTRA   more MQTT brokers already running, "name=host:port ..." (rumqttd, …)
#   OUT          where raw outputs go                       (default a new temp dir)
#   NO_BUILD=1   use the release binaries already built
set -euo pipefail

CONNECTIONS=${CONNECTIONS:-1000}
MESSAGES=${MESSAGES:-100000}
PAYLOAD=${PAYLOAD:-64}
QOS=${QOS:-"0 1"}
RATES=${RATES:-"0"}
PROFILES=${PROFILES:-"tim rongcloud"}
TRANSPORTS=${TRANSPORTS:-"tcp ws"}
IDLE=${IDLE:-5000}
MOSQUITTO=${MOSQUITTO:-1}
STALL=${STALL:-60}
MQTT_EXTRA=${MQTT_EXTRA:-}
OUT=${OUT:-$(mktemp -d -t timwire-broker.XXXXXX)}
MQTT_PORT=${MQTT_PORT:-18830}
mkdir -p "$OUT"

cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-target}
TIMWIRE=$TARGET/release/timwire
MQTT_LOAD=$TARGET/release/examples/mqtt_load
IDLE_MEMORY=$TARGET/release/examples/idle_memory

if [[ -z ${NO_BUILD:-} ]]; then
    cargo build --release -p timwire-cli
    cargo build --release -p timwire-benches --example mqtt_load --example idle_memory
fi
if ! command -v mosquitto >/dev/null; then
    if [[ $(id -u) == 0 ]]; then
        apt-get update -qq && apt-get install -y -qq mosquitto >/dev/null
    else
        echo "run.sh: mosquitto is not installed (apt-get install -y mosquitto)" >&2
        exit 1
    fi
fi
# Both sides open CONNECTIONS (or IDLE) sockets in one machine.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# Starts `timwire serve --profile $1`; sets SERVE_PID, SERVE_TCP, SERVE_WS.
start_timwire() {
    local log=$OUT/serve-$1-$RANDOM.log
    "$TIMWIRE" serve --profile "$1" --tcp 127.0.0.1:0 --ws 127.0.0.1:0 >"$log" 2>&1 &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    for _ in $(seq 100); do
        [[ $(grep -c '^listening' "$log" 2>/dev/null || true) == 2 ]] && break
        sleep 0.05
    done
    SERVE_TCP=$(awk '$1 == "listening" && $2 == "tcp" {print $3}' "$log")
    SERVE_WS=$(awk '$1 == "listening" && $2 == "ws" {print $3}' "$log")
}

stop() {
    kill -INT "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# Starts mosquitto on MQTT_PORT with settings that let it queue what the workload needs (no
# queue limit: its default of 1000 would drop qos-1 messages, which timwire's relay stores).
start_mosquitto() {
    cat >"$OUT/mosquitto.conf" <<CONF
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
max_queued_messages 0
max_inflight_messages 0
persistence false
log_type error
CONF
    mosquitto -c "$OUT/mosquitto.conf" >>"$OUT/mosquitto.log" 2>&1 &
    MOSQUITTO_PID=$!
    PIDS+=("$MOSQUITTO_PID")
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$MQTT_PORT") 2>/dev/null && break
        sleep 0.05
    done
}

# One table row from a run's stdout (summary line) and stderr (": T s," elapsed).
row() { # server transport qos rate stdout-file stderr-file server-cpu client-cpu
    local line elapsed rate_col
    line=$(tail -n 1 "$5")
    elapsed=$(grep -o ': [0-9.]* s,' "$6" | tail -n 1 | tr -dc '0-9.')
    rate_col=$([[ $4 == 0 ]] && echo "max" || echo "$4")
    awk -v server="$1" -v transport="$2" -v qos="$3" -v rate="$rate_col" -v elapsed="$elapsed" \
        -v messages="$MESSAGES" -v scpu="$7" -v ccpu="$8" '{
        tput = (elapsed > 0) ? sprintf("%.0f", $4 / elapsed) : "-";
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
            server, transport, qos, rate, $4, $6, $8, tput, $10, $13, scpu, ccpu
    }' <<<"$line"
}

# CPU seconds (user + system) process $1 has used so far, from /proc/$1/stat.
cpu_of() {
    awk -v tck="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / tck }' "/proc/$1/stat" 2>/dev/null || echo "-"
}

# Runs a load generator ($2...) with its stdout in $1.out, stderr in $1.err and its CPU
# seconds (user + system) in $1.cpu.
run_load() {
    local name=$1
    shift
    /usr/bin/time -f '%U %S' -o "$name.time" "$@" >"$name.out" 2>"$name.err" || true
    awk '{ printf "%.2f", $1 + $2 }' "$name.time" >"$name.cpu" 2>/dev/null || echo "-" >"$name.cpu"
}

rate_args() { [[ $1 == 0 ]] || echo "--rate $1"; }

echo "| server | transport | qos | rate (msgs/s) | delivered | lost | duplicates | msgs/s | p50 ms | p99 ms | server CPU s | client CPU s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for qos in $QOS; do
    for rate in $RATES; do
        for profile in $PROFILES; do
            for transport in $TRANSPORTS; do
                start_timwire "$profile"
                addr=$([[ $transport == tcp ]] && echo "$SERVE_TCP" || echo "$SERVE_WS")
                name=timwire-$profile-$transport-q$qos-r$rate
                # shellcheck disable=SC2046
                run_load "$OUT/$name" "$TIMWIRE" load --server "$addr" --profile "$profile" \
                    --transport "$transport" --connections "$CONNECTIONS" --messages "$MESSAGES" \
                    --payload "$PAYLOAD" --qos "$qos" --stall "$STALL" $(rate_args "$rate")
                server_cpu=$(cpu_of "$SERVE_PID")
                stop "$SERVE_PID"
                row "timwire serve ($profile)" "$transport" "$qos" "$rate" "$OUT/$name.out" \
                    "$OUT/$name.err" "$server_cpu" "$(cat "$OUT/$name.cpu")"
            done
        done
        brokers=()
        [[ $MOSQUITTO == 0 ]] || brokers+=("mosquitto=127.0.0.1:$MQTT_PORT")
        for extra in $MQTT_EXTRA; do brokers+=("$extra"); done
        for broker in ${brokers[@]+"${brokers[@]}"}; do
            bname=${broker%%=*}
            baddr=${broker#*=}
            [[ $bname == mosquitto ]] && start_mosquitto
            name=$bname-q$qos-r$rate
            # shellcheck disable=SC2046
            run_load "$OUT/$name" "$MQTT_LOAD" --broker "$baddr" --connections "$CONNECTIONS" \
                --messages "$MESSAGES" --payload "$PAYLOAD" --qos "$qos" --stall "$STALL" \
                $(rate_args "$rate")
            server_cpu=-
            if [[ $bname == mosquitto ]]; then
                server_cpu=$(cpu_of "$MOSQUITTO_PID")
                stop "$MOSQUITTO_PID"
            fi
            row "$bname" "tcp (MQTT)" "$qos" "$rate" "$OUT/$name.out" "$OUT/$name.err" \
                "$server_cpu" "$(cat "$OUT/$name.cpu")"
        done
    done
done

if [[ $IDLE == 0 ]]; then
    echo
    echo "raw output: $OUT"
    exit 0
fi
echo
echo "| server | transport | idle connections | RSS before (KiB) | RSS after (KiB) | bytes per connection |"
echo "|---|---|---|---|---|---|"
idle_row() { # server transport output-file
    awk -v server="$1" -v transport="$2" '/^idle/ {
        printf "| %s | %s | %s | %s | %s | %s |\n", server, transport, $2, $7, $10, $13
    }' "$3"
}
for transport in $TRANSPORTS; do
    start_timwire rongcloud
    addr=$([[ $transport == tcp ]] && echo "$SERVE_TCP" || echo "$SERVE_WS")
    "$IDLE_MEMORY" --protocol "rmtp-$transport" --addr "$addr" --pid "$SERVE_PID" \
        --connections "$IDLE" >"$OUT/idle-timwire-$transport.out" 2>&1 || true
    stop "$SERVE_PID"
    idle_row "timwire serve" "$transport" "$OUT/idle-timwire-$transport.out"
done
start_mosquitto
"$IDLE_MEMORY" --protocol mqtt --addr "127.0.0.1:$MQTT_PORT" --pid "$MOSQUITTO_PID" \
    --connections "$IDLE" >"$OUT/idle-mosquitto.out" 2>&1 || true
stop "$MOSQUITTO_PID"
idle_row "mosquitto" "tcp (MQTT)" "$OUT/idle-mosquitto.out"

echo
echo "raw output: $OUT"
