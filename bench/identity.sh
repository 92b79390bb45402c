#!/usr/bin/env bash
# The identity benchmark: password sign-ins per second against the bound the machine allows,
# what a session lookup adds to a personal page, passkey logins per second, and memory and
# page latency while the sign-in form is flooded. See bench/README.md, section "Identity".
#
# Usage: bash bench/identity.sh
# Environment (all optional):
#   BENCH_PORT          the local port of the server (default 18490)
#   BENCH_DURATION      seconds per load run (default 20)
#   BENCH_SKIP_BUILD=1  use the binaries already built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PORT=${BENCH_PORT:-18490}
DURATION=${BENCH_DURATION:-20}
ACCOUNTS=64
FLOOD_CONNECTIONS=256
PAGE=/de/services/wohnsitz-anmelden
TARGET_RATIO=0.8

RESULTS_DIR=bench/results
RAW_DIR=$RESULTS_DIR/tmp
REPORT=$RESULTS_DIR/identity.md
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/rathaus
TOOL=$TARGET_DIR/release/examples/identity_bench

die() {
    echo "bench: error: $*" >&2
    exit 1
}
say() { echo "bench: $*" >&2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rathaus-identity-bench.XXXXXX")
SERVER=
cleanup() {
    [[ -n $SERVER ]] && kill -TERM "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Tools and binaries ----------------------------------------------------------------------

for tool in wrk curl; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        say "installing $tool from Debian"
        sudo=()
        ((EUID == 0)) || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" \
            apt-get install -y -qq "$tool" >/dev/null || die "cannot install $tool"
    fi
done
CPUS=$(nproc)
mkdir -p "$RAW_DIR"

if [[ ${BENCH_SKIP_BUILD:-} != 1 ]]; then
    say "building the release binary and the benchmark tool"
    cargo build --release -p rathaus --quiet || die "building rathaus failed"
    cargo build --release -p rathaus-web --example identity_bench --quiet ||
        die "building the identity_bench example failed"
fi
[[ -x $BIN && -x $TOOL ]] || die "binaries missing; run without BENCH_SKIP_BUILD"
# The load when the measuring begins: a build just before leaves it high for a minute.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

value() { grep -o "$1=[0-9.]*" | head -n 1 | cut -d= -f2; }

# --- 1. What one hash costs, and the bound it sets -------------------------------------------

say "timing Argon2id on one thread"
HASH=$("$TOOL" hash-time 30)
HASH_MS=$(value hash_ms <<<"$HASH")
BOUND=$(awk -v cpus="$CPUS" -v ms="$HASH_MS" 'BEGIN { printf "%.1f", cpus * 1000 / ms }')
say "one hash: $HASH_MS ms; bound: $BOUND sign-ins/s on $CPUS cores"

# --- 2. A server with accounts ---------------------------------------------------------------

DB="sqlite://$WORK/identity.db"
say "making $ACCOUNTS accounts"
"$TOOL" prepare "$DB" "$ACCOUNTS" >"$RAW_DIR/identity-prepare.txt"

RATHAUS_DATABASE__URL=$DB RATHAUS_LOG__FILTER=warn "$BIN" demo --listen "127.0.0.1:$PORT" \
    >"$RAW_DIR/identity-server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null || die "the server did not get ready"

TOKEN=$(curl -s "http://127.0.0.1:$PORT/de/account/sign-in" |
    grep -o 'name="token" value="[^"]*"' | head -n 1 | sed 's/.*value="//; s/"$//')
[[ -n $TOKEN ]] || die "no form token on the sign-in page"

cat >"$WORK/sign-in.lua" <<LUA
-- Signs in with the benchmark accounts in turn; a good sign-in answers 303.
local counter = 0
request = function()
  counter = counter + 1
  local body = "email=bench-" .. (counter % $ACCOUNTS) .. "%40example.org"
    .. "&password=Ein+langer+Satz+als+Passwort+f%C3%BCr+den+Benchmark"
    .. "&next=%2Fde%2Faccount&token=$TOKEN"
  return wrk.format("POST", "/de/account/sign-in",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
LUA

# Requests per second, and how many answers were not 2xx or 3xx, from a wrk report.
rate() { awk '/^Requests\/sec/ { print $2 }' "$1"; }
failed() { awk '/Non-2xx or 3xx/ { print $NF; found = 1 } END { if (!found) print 0 }' "$1"; }
p() { awk -v q="$2" '$1 == q { print $2 }' "$1"; }
peak_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$SERVER/status"; }

# --- 3. Sign-ins per second ------------------------------------------------------------------

say "signing in for ${DURATION}s with $((CPUS * 2)) connections"
wrk -t2 -c$((CPUS * 2)) -d"${DURATION}s" -s "$WORK/sign-in.lua" \
    "http://127.0.0.1:$PORT" >"$RAW_DIR/identity-sign-in.txt"
LOGINS=$(rate "$RAW_DIR/identity-sign-in.txt")
LOGIN_FAILED=$(failed "$RAW_DIR/identity-sign-in.txt")
RATIO=$(awk -v got="$LOGINS" -v bound="$BOUND" 'BEGIN { printf "%.2f", got / bound }')
say "sign-ins: $LOGINS/s, $RATIO of the bound ($LOGIN_FAILED refused)"

# --- 4. A flood of sign-ins, and a page meanwhile --------------------------------------------

say "page latency without load"
wrk -t1 -c4 -d10s --latency "http://127.0.0.1:$PORT$PAGE" >"$RAW_DIR/identity-page-quiet.txt"
RSS_BEFORE=$(peak_kib)

say "flooding the sign-in form with $FLOOD_CONNECTIONS connections for ${DURATION}s"
wrk -t1 -c"$FLOOD_CONNECTIONS" -d"${DURATION}s" -s "$WORK/sign-in.lua" \
    "http://127.0.0.1:$PORT" >"$RAW_DIR/identity-flood.txt" &
FLOOD=$!
sleep 3
wrk -t1 -c4 -d"$((DURATION - 6))s" --latency "http://127.0.0.1:$PORT$PAGE" \
    >"$RAW_DIR/identity-page-flood.txt"
wait "$FLOOD"
RSS_PEAK=$(peak_kib)
FLOOD_RATE=$(rate "$RAW_DIR/identity-flood.txt")
FLOOD_REFUSED=$(failed "$RAW_DIR/identity-flood.txt")

# --- 5. What a session lookup costs ----------------------------------------------------------

say "timing session lookups"
COST=$("$TOOL" session-cost 2000)
LOOKUP_US=$(value lookup_us <<<"$COST")
PAGE_US=$(value account_page_us <<<"$COST")
SHARE=$(value lookup_share_percent <<<"$COST")

# --- 6. Passkey logins -------------------------------------------------------------------------

say "timing passkey sign-ins"
PASSKEYS=$("$TOOL" passkey-logins 2000)
PASSKEY_RATE=$(value passkey_logins_per_s <<<"$PASSKEYS")
SIGNING_SHARE=$(value signing_share_percent <<<"$PASSKEYS")

# --- Report -----------------------------------------------------------------------------------

VERDICT=$(awk -v r="$RATIO" -v t="$TARGET_RATIO" 'BEGIN { print (r >= t) ? "met" : "missed" }')
{
    echo "# Identity benchmark"
    echo
    echo "Run with \`bash bench/identity.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD),"
    echo "$CPUS cores ($(lscpu 2>/dev/null | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'))."
    echo "Load average before / after the run: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "| figure | value |"
    echo "|---|---|"
    echo "| one Argon2id hash (19 MiB, 2 passes, 1 lane), one thread | $HASH_MS ms |"
    echo "| bound: cores ÷ hash time | $BOUND sign-ins/s |"
    echo "| password sign-ins through HTTP, $((CPUS * 2)) connections | $LOGINS/s ($LOGIN_FAILED refused) |"
    echo "| **ratio to the bound (target ≥ $TARGET_RATIO)** | **$RATIO ($VERDICT)** |"
    echo "| session lookup by token (SQLite) | $LOOKUP_US µs |"
    echo "| account page with its lookup, through the router | $PAGE_US µs ($SHARE % lookup) |"
    echo "| passkey logins (begin, software P-256 signature, finish; SQLite), one thread | $PASSKEY_RATE/s ($SIGNING_SHARE % of the time signing) |"
    echo "| flood: $FLOOD_CONNECTIONS connections signing in | $FLOOD_RATE answers/s, $FLOOD_REFUSED not 2xx/3xx |"
    echo "| server's peak memory before / after the flood | $((RSS_BEFORE / 1024)) / $((RSS_PEAK / 1024)) MiB |"
    echo "| $PAGE p50 / p99, quiet | $(p "$RAW_DIR/identity-page-quiet.txt" 50%) / $(p "$RAW_DIR/identity-page-quiet.txt" 99%) |"
    echo "| $PAGE p50 / p99, during the flood | $(p "$RAW_DIR/identity-page-flood.txt" 50%) / $(p "$RAW_DIR/identity-page-flood.txt" 99%) |"
    echo
    echo "Refused answers during the flood are 503 with Retry-After: the sign-ins that found every"
    echo "hashing slot busy for 2 s. During the flood a second wrk reads the service page as fast as"
    echo "it can on the same two cores, so fewer sign-ins succeed than in the run before. Raw wrk"
    echo "reports are in bench/results/tmp/identity-*.txt."
} >"$REPORT"
cat "$REPORT"
