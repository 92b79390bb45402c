#!/usr/bin/env bash
# The Rathaus benchmark: service-page throughput against nginx, search latency on 10,000
# services, time to ready, and the bytes of a first visit. See bench/README.md.
#
# Usage: bash bench/run.sh
# Environment (all optional):
#   BENCH_PORT          first of the three local ports used (default 18480, 18481, 18482)
#   BENCH_DURATION      seconds per load run (default 20)
#   BENCH_CONNECTIONS   concurrent connections per load run (default 64)
#   BENCH_SKIP_BUILD=1  use the binaries already built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PORT_BASE=${BENCH_PORT:-18480}
RATHAUS_PORT=$PORT_BASE
NGINX_PORT=$((PORT_BASE + 1))
START_PORT=$((PORT_BASE + 2))
DURATION=${BENCH_DURATION:-20}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WARMUP=3
STARTS=3
PAGE=/de/services/wohnsitz-anmelden
SEARCH_PAGE='/de/search?q=ummelden'

RESULTS_DIR=bench/results
RAW_DIR=$RESULTS_DIR/tmp
REPORT=$RESULTS_DIR/latest.md
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET_DIR/release/rathaus
SEARCH_BIN=$TARGET_DIR/release/examples/search_bench

die() {
    echo "bench: error: $*" >&2
    exit 1
}
say() { echo "bench: $*" >&2; }

# --- Processes we start, and cleaning up after them -------------------------------------

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rathaus-bench.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops one process we started and forgets it.
stop() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local kept=()
    for other in "${PIDS[@]}"; do
        [[ $other == "$pid" ]] || kept+=("$other")
    done
    PIDS=("${kept[@]}")
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

now_ns() { date +%s%N; }

# --- Tools ---------------------------------------------------------------------------------

install_missing() {
    local missing=() tool package
    for tool in nginx:nginx wrk:wrk curl:curl taskset:util-linux lscpu:util-linux git:git; do
        package=${tool#*:}
        tool=${tool%%:*}
        command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] || missing+=("$package")
    done
    ((${#missing[@]} == 0)) && return
    say "installing from Debian: ${missing[*]}"
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 || die "need root or sudo to install: ${missing[*]}"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
        "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

install_missing
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain (rustup)"
curl -V | grep -qw brotli || die "this curl cannot decode brotli; the first-visit bytes need it"
CPUS=$(nproc)
((CPUS >= 2)) || die "need at least 2 cores to pin server and load generator apart (have $CPUS)"

# What is measured: the commit and uncommitted changes at build time (the benchmark's own
# folder aside).
COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain --untracked-files=no 2>/dev/null | awk '$2 !~ /^bench\// {print $2}' | paste -sd, -)

if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    say "building the release binary and the search benchmark (takes a while the first time)"
    cargo build --release -p rathaus || die "cargo build --release -p rathaus failed"
    cargo build --release -p rathaus-content --example search_bench ||
        die "building the search_bench example failed"
fi
[[ -x $BIN ]] || die "$BIN not found; run without BENCH_SKIP_BUILD"
[[ -x $SEARCH_BIN ]] || die "$SEARCH_BIN not found; run without BENCH_SKIP_BUILD"

for port in "$RATHAUS_PORT" "$NGINX_PORT" "$START_PORT"; do
    port_free "$port" || die "port $port is in use; set BENCH_PORT to another base port"
done

# From here on the script and everything it starts run on core 0; the servers and the
# search benchmark are moved to core 1 explicitly.
taskset -cp 0 $$ >/dev/null
mkdir -p "$RAW_DIR"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Rathaus -------------------------------------------------------------------------------

# Starts the demo on core 1 with the database in the given folder; sets SERVER_PID.
start_rathaus() {
    local db_dir=$1 port=$2 log=$3
    mkdir -p "$db_dir"
    env -u RATHAUS_CONFIG \
        RATHAUS_DATABASE__URL="sqlite://$db_dir/bench.db" \
        RATHAUS_LOG__FILTER=warn \
        taskset -c 1 "$BIN" demo --listen "127.0.0.1:$port" >"$log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
}

# Polls /ready every 10 ms until it answers 200; prints the milliseconds since $2.
wait_ready() {
    local port=$1 started=$2 pid=$3 log=$4 deadline
    deadline=$((started + 180 * 1000000000))
    until curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/ready" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -20 "$log" >&2
            die "Rathaus exited before it was ready (log above)"
        fi
        (($(now_ns) < deadline)) || die "Rathaus not ready after 180 s; see $log"
        sleep 0.01
    done
    echo $((($(now_ns) - started) / 1000000))
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- 3. Time to ready ----------------------------------------------------------------------

say "time to ready: $STARTS fresh starts and $STARTS starts on a filled database"
COLD=()
WARM=()
for run in $(seq "$STARTS"); do
    db_dir=$WORK/start-$run
    started=$(now_ns)
    start_rathaus "$db_dir" "$START_PORT" "$RAW_DIR/start-fresh-$run.log"
    COLD+=("$(wait_ready "$START_PORT" "$started" "$SERVER_PID" "$RAW_DIR/start-fresh-$run.log")")
    stop "$SERVER_PID"
    started=$(now_ns)
    start_rathaus "$db_dir" "$START_PORT" "$RAW_DIR/start-filled-$run.log"
    WARM+=("$(wait_ready "$START_PORT" "$started" "$SERVER_PID" "$RAW_DIR/start-filled-$run.log")")
    stop "$SERVER_PID"
done
COLD_MS=$(median "${COLD[@]}")
WARM_MS=$(median "${WARM[@]}")
say "ready after ${COLD[*]} ms (fresh), ${WARM[*]} ms (filled)"

# --- The server for the load runs ----------------------------------------------------------

started=$(now_ns)
start_rathaus "$WORK/serve" "$RATHAUS_PORT" "$RAW_DIR/rathaus.log"
RATHAUS_PID=$SERVER_PID
wait_ready "$RATHAUS_PORT" "$started" "$RATHAUS_PID" "$RAW_DIR/rathaus.log" >/dev/null
RATHAUS=http://127.0.0.1:$RATHAUS_PORT

# --- 4. Bytes of a first visit -------------------------------------------------------------

# The transferred body bytes of a URL as the server sends it to a browser asking for br or
# gzip, with the decoded body saved to $2; prints "bytes encoding".
fetch_compressed() {
    local url=$1 out=$2 headers=$WORK/headers status
    status=$(curl -sS --compressed -H 'Accept-Encoding: br, gzip' -D "$headers" -o "$out" \
        -w '%{http_code} %{size_download}' "$url") || die "cannot fetch $url"
    [[ ${status%% *} == 200 ]] || die "$url answered ${status%% *}"
    local encoding
    encoding=$(awk -F': *' 'tolower($1) == "content-encoding" {gsub(/\r/, "", $2); print $2}' "$headers")
    echo "${status#* } ${encoding:-identity}"
}

# Attribute values in HTML come escaped (&#x2f; for /).
unescape() { sed -e 's|&#x2f;|/|gi' -e 's|&#47;|/|g' -e 's|&amp;|\&|g'; }
attribute() {
    { grep -oE "[[:space:]]$1=\"[^\"]*\"" || true; } | head -n 1 | sed -E "s/^[[:space:]]*$1=\"(.*)\"$/\1/" | unescape
}

say "first visit: page, stylesheets, fonts and scripts"
VISIT=()      # lines "bytes encoding kind url"
declare -A SEEN=()
add_resource() {
    local kind=$1 url=$2 out=$3
    [[ -n ${SEEN[$url]:-} ]] && return
    SEEN[$url]=1
    local full=$url
    [[ $url == http://* || $url == https://* ]] || full=$RATHAUS$url
    VISIT+=("$(fetch_compressed "$full" "$out") $kind $url")
}
add_resource page "$PAGE" "$WORK/page-visit.html"
mapfile -t TAGS < <(grep -oE '<(link|script)[^>]*>' "$WORK/page-visit.html")
CSS_URLS=()
n=0
for tag in "${TAGS[@]}"; do
    rel=$(attribute rel <<<"$tag")
    n=$((n + 1))
    case "$tag" in
    "<link"*)
        href=$(attribute href <<<"$tag")
        if [[ $rel == stylesheet ]]; then
            add_resource stylesheet "$href" "$WORK/res-$n.css"
            CSS_URLS+=("$href|$WORK/res-$n.css")
        elif [[ $rel == preload && $(attribute as <<<"$tag") == font ]]; then
            add_resource font "$href" "$WORK/res-$n"
        fi
        ;;
    "<script"*)
        src=$(attribute src <<<"$tag")
        [[ -n $src ]] && add_resource script "$src" "$WORK/res-$n.js"
        ;;
    esac
done
for entry in "${CSS_URLS[@]}"; do
    file=${entry#*|}
    while read -r ref; do
        [[ -z $ref || $ref == data:* ]] && continue
        [[ $ref == /* ]] || die "relative url($ref) in ${entry%%|*}: resolve it before counting"
        n=$((n + 1))
        case "$ref" in
        *.woff2 | *.woff | *.ttf | *.otf) add_resource font "$ref" "$WORK/res-$n" ;;
        *.css) die "@import of $ref in ${entry%%|*} is not handled by this script" ;;
        *) add_resource css-image "$ref" "$WORK/res-$n" ;;
        esac
    done < <(grep -oE 'url\([^)]*\)' "$file" | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' | sort -u)
done
VISIT_BYTES=0
for line in "${VISIT[@]}"; do
    VISIT_BYTES=$((VISIT_BYTES + ${line%% *}))
done
VISIT_TARGET=60000

# --- 1. Throughput: Rathaus against nginx with the same bytes --------------------------------

say "saving the service page for nginx"
mkdir -p "$WORK/nginx/www" "$WORK/nginx/temp"
curl -sS -D "$WORK/page.headers" -o "$WORK/nginx/www/page.html" "$RATHAUS$PAGE" ||
    die "cannot fetch $PAGE"
grep -q '^HTTP/1.1 200' "$WORK/page.headers" || die "$PAGE did not answer 200"
PAGE_BYTES=$(stat -c %s "$WORK/nginx/www/page.html")
# The gzipped bytes exactly as Rathaus sends them, for nginx's pre-compressed variant.
curl -sS -H 'Accept-Encoding: gzip' -o "$WORK/nginx/www/page.html.gz" "$RATHAUS$PAGE" ||
    die "cannot fetch $PAGE gzipped"
gzip -t "$WORK/nginx/www/page.html.gz" 2>/dev/null || die "Rathaus did not send gzip for $PAGE"

# Response headers of Rathaus that nginx can send as they are. Left out: those nginx sets
# itself (date, content-length, content-type via default_type, vary via gzip_vary,
# content-encoding, transfer-encoding, connection, etag) and any value with a "$", which
# nginx would read as a variable.
ADD_HEADERS=""
while IFS= read -r line; do
    line=${line%$'\r'}
    [[ $line == *:* ]] || continue
    name=${line%%:*}
    value=${line#*: }
    case "${name,,}" in
    date | content-length | content-type | vary | content-encoding | transfer-encoding | connection | etag | server) continue ;;
    esac
    [[ $value == *'$'* ]] && continue
    value=${value//\\/\\\\}
    value=${value//\"/\\\"}
    ADD_HEADERS+="            add_header $name \"$value\" always;"$'\n'
done < <(tail -n +2 "$WORK/page.headers")

chmod 755 "$WORK" "$WORK/nginx" "$WORK/nginx/www"
chmod 644 "$WORK/nginx/www/page.html" "$WORK/nginx/www/page.html.gz"
cat >"$WORK/nginx/nginx.conf" <<EOF
# Written by bench/run.sh: one worker, like Rathaus pinned to one core.
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    server_tokens off;
    client_body_temp_path $WORK/nginx/temp/body;
    proxy_temp_path $WORK/nginx/temp/proxy;
    fastcgi_temp_path $WORK/nginx/temp/fastcgi;
    uwsgi_temp_path $WORK/nginx/temp/uwsgi;
    scgi_temp_path $WORK/nginx/temp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    # hyper has no per-connection request limit; nginx closes after 1000 by default.
    keepalive_requests 100000000;
    # Rathaus compresses with gzip level 6 (flate2's default) when asked for gzip.
    gzip on;
    gzip_comp_level 6;
    gzip_vary on;
    gzip_min_length 32;
    etag on;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location = $PAGE {
            types { }
            default_type text/html;
            charset utf-8;
            alias $WORK/nginx/www/page.html;
$ADD_HEADERS        }
        # The same page pre-compressed, as Rathaus' page cache serves it: no gzip per request.
        location = /precompressed$PAGE {
            types { }
            default_type text/html;
            charset utf-8;
            gzip off;
            gzip_static on;
            alias $WORK/nginx/www/page.html;
$ADD_HEADERS        }
    }
}
EOF
"$NGINX" -t -q -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" ||
    die "nginx rejected the generated configuration ($WORK/nginx/nginx.conf)"
taskset -c 1 "$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
    >"$RAW_DIR/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
NGINX_URL=http://127.0.0.1:$NGINX_PORT
for _ in $(seq 500); do
    curl -fsS -o /dev/null "$NGINX_URL$PAGE" 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited; see $RAW_DIR/nginx.log"
    sleep 0.01
done
curl -fsS -o /dev/null "$NGINX_URL$PAGE" || die "nginx does not serve $PAGE"

# Both must send the same compressed page.
gzip_size() { curl -sS -H 'Accept-Encoding: gzip' -D "$WORK/h" -o "$WORK/b" -w '%{size_download}' "$1"; }
RATHAUS_GZ=$(gzip_size "$RATHAUS$PAGE")
grep -qi '^content-encoding: gzip' "$WORK/h" || die "Rathaus did not gzip $PAGE"
NGINX_GZ=$(gzip_size "$NGINX_URL$PAGE")
grep -qi '^content-encoding: gzip' "$WORK/h" || die "nginx did not gzip $PAGE"
cmp -s <(gzip -dc "$WORK/b") "$WORK/nginx/www/page.html" || die "nginx does not serve the saved page"
NGINX_STATIC_GZ=$(gzip_size "$NGINX_URL/precompressed$PAGE")
grep -qi '^content-encoding: gzip' "$WORK/h" || die "nginx did not serve the pre-compressed page"
cmp -s "$WORK/b" "$WORK/nginx/www/page.html.gz" || die "nginx's pre-compressed page differs from Rathaus' bytes"

# A wrk script that adds a new parameter to every request, so that no two search pages are
# the same address and Rathaus' page cache cannot answer them.
cat >"$WORK/uncached.lua" <<'LUA'
local n = 0
local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
request = function()
    n = n + 1
    return wrk.format(nil, wrk.path .. separator .. "bench=" .. n)
end
LUA
curl -fsS -o /dev/null "$RATHAUS$SEARCH_PAGE&bench=0" || die "$SEARCH_PAGE&bench=0 does not answer 200"
curl -fsS -o /dev/null "$RATHAUS$PAGE?bench=0" || die "$PAGE?bench=0 does not answer 200"

# CPU time (user + system, in clock ticks) of a process and its children's threads.
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {
    local total=0 pid stat
    for pid in "$@" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
        stat=${stat##*) }
        read -r -a fields <<<"$stat"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}

# "busy total" jiffies of each core: cpu0 busy, cpu0 total, cpu1 busy, cpu1 total.
core_jiffies() {
    awk '$1 == "cpu0" || $1 == "cpu1" {t = 0; for (i = 2; i <= NF; i++) t += $i; printf "%d %d ", t - $5 - $6, t}' /proc/stat
}

to_ms() { # wrk durations such as 812.00us, 3.21ms, 1.02s
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.2f", v * 60000 }
        else { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}

# Runs wrk on core 0 against a URL, with an optional wrk script as $5; sets RPS, P50, P99, ERRORS, CPU_MS (server CPU ms per
# request), CORE (per cent of core 1 the server used), BUSY0 and BUSY1 (how busy each core was
# with all processes) and saves the output to $RAW_DIR/wrk-$1.txt.
load() {
    local label=$1 url=$2 pid=$3 encoding=$4 out=$RAW_DIR/wrk-$1.txt before after requests
    local script=()
    [[ -n ${5:-} ]] && script=(-s "$5")
    taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -H "Accept-Encoding: $encoding" "${script[@]}" \
        "$url" >/dev/null || die "wrk warm-up against $url failed"
    before=$(cpu_ticks "$pid")
    local jiffies_before jiffies_after
    jiffies_before=$(core_jiffies)
    taskset -c 0 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Accept-Encoding: $encoding" \
        "${script[@]}" "$url" >"$out" || die "wrk against $url failed; see $out"
    after=$(cpu_ticks "$pid")
    jiffies_after=$(core_jiffies)
    # How busy each core was in all, from every process on the machine.
    read -r BUSY0 BUSY1 < <(awk -v a="$jiffies_before" -v b="$jiffies_after" 'BEGIN {
        split(a, x, " "); split(b, y, " ");
        printf "%.0f %.0f\n", (y[1] - x[1]) / (y[2] - x[2]) * 100, (y[3] - x[3]) / (y[4] - x[4]) * 100 }')
    RPS=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
    requests=$(awk '/requests in/ {print $1}' "$out")
    P50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    P99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    ERRORS=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
    [[ -n $RPS && -n $requests && $requests -gt 0 ]] || die "could not read wrk's output in $out"
    CPU_MS=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN {printf "%.3f", t / hz * 1000 / n}')
    # How much of core 1 the server got; well under 100 % means something else ran there.
    CORE=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v d="$DURATION" 'BEGIN {printf "%.0f", t / hz / d * 100}')
    say "$label: $RPS req/s, p50 $P50 ms, p99 $P99 ms, $ERRORS errors, $CPU_MS CPU-ms/request, ${CORE}% of core 1 (cores busy: ${BUSY0}% / ${BUSY1}%)"
}

say "load: $CONNECTIONS connections, ${DURATION}s each, wrk on core 0, server on core 1"
load rathaus-page "$RATHAUS$PAGE" "$RATHAUS_PID" gzip
R_RPS=$RPS R_P50=$P50 R_P99=$P99 R_ERR=$ERRORS R_CPU=$CPU_MS R_CORE=$CORE R_BUSY="$BUSY0 % / $BUSY1 %"
load nginx-page "$NGINX_URL$PAGE" "$NGINX_PID" gzip
N_RPS=$RPS N_P50=$P50 N_P99=$P99 N_ERR=$ERRORS N_CPU=$CPU_MS N_CORE=$CORE N_BUSY="$BUSY0 % / $BUSY1 %"
load nginx-page-precompressed "$NGINX_URL/precompressed$PAGE" "$NGINX_PID" gzip
P_RPS=$RPS P_P50=$P50 P_P99=$P99 P_ERR=$ERRORS P_CPU=$CPU_MS P_CORE=$CORE P_BUSY="$BUSY0 % / $BUSY1 %"
load rathaus-search "$RATHAUS$SEARCH_PAGE" "$RATHAUS_PID" gzip
S_RPS=$RPS S_P50=$P50 S_P99=$P99 S_ERR=$ERRORS S_CPU=$CPU_MS S_CORE=$CORE S_BUSY="$BUSY0 % / $BUSY1 %"
load rathaus-search-uncached "$RATHAUS$SEARCH_PAGE" "$RATHAUS_PID" gzip "$WORK/uncached.lua"
U_RPS=$RPS U_P50=$P50 U_P99=$P99 U_ERR=$ERRORS U_CPU=$CPU_MS U_CORE=$CORE U_BUSY="$BUSY0 % / $BUSY1 %"
load rathaus-page-uncached "$RATHAUS$PAGE" "$RATHAUS_PID" gzip "$WORK/uncached.lua"
M_RPS=$RPS M_P50=$P50 M_P99=$P99 M_ERR=$ERRORS M_CPU=$CPU_MS M_CORE=$CORE M_BUSY="$BUSY0 % / $BUSY1 %"
load rathaus-page-br "$RATHAUS$PAGE" "$RATHAUS_PID" "br, gzip"
B_RPS=$RPS B_P50=$P50 B_P99=$P99 B_ERR=$ERRORS B_CPU=$CPU_MS B_CORE=$CORE B_BUSY="$BUSY0 % / $BUSY1 %"
stop "$NGINX_PID"
stop "$RATHAUS_PID"
RATIO=$(awk -v r="$R_RPS" -v n="$N_RPS" 'BEGIN {printf "%.2f", r / n}')
# The same comparison from CPU time per request, which other load on the machine disturbs less.
CPU_RATIO=$(awk -v r="$R_CPU" -v n="$N_CPU" 'BEGIN {printf "%.2f", n / r}')
STATIC_RATIO=$(awk -v r="$R_RPS" -v n="$P_RPS" 'BEGIN {printf "%.2f", r / n}')

# --- 2. Search latency -----------------------------------------------------------------------

say "search: 10,000 generated services (search_bench on core 1)"
taskset -c 1 "$SEARCH_BIN" >"$RAW_DIR/search_bench.txt" || die "search_bench failed; see $RAW_DIR/search_bench.txt"
RESULT=$(grep '^RESULT ' "$RAW_DIR/search_bench.txt") || die "no RESULT line from search_bench"
field() { sed -E "s/.* $1=([^ ]*).*/\1/" <<<"$RESULT"; }
SEARCH_DOCS=$(field documents) SEARCH_BUILD=$(field build_ms) SEARCH_QUERIES=$(field queries)
SEARCH_RUNS=$(field searches) SEARCH_P50=$(field p50_ms) SEARCH_P95=$(field p95_ms)
SEARCH_P99=$(field p99_ms) SEARCH_MAX=$(field max_ms)

# --- Report ----------------------------------------------------------------------------------

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
verdict() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {
    ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0); print ok ? "met" : "**MISSED**" }'; }
V_RATIO=$(verdict "$RATIO" ">=" 0.5)
V_SEARCH=$(verdict "$SEARCH_P99" "<=" 10)
V_VISIT=$(verdict "$VISIT_BYTES" "<=" "$VISIT_TARGET")
CPU_MODEL=$(lscpu | awk -F': *' '/^Model name/ {print $2; exit}')
kib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1024}'; }

{
    echo "# Rathaus benchmark results"
    echo
    echo "Written by \`bash bench/run.sh\`; what the numbers mean: [bench/README.md](../README.md)."
    echo
    echo "## Machine and build"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| Date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
    echo "| Commit | \`$COMMIT\`${DIRTY:+ with uncommitted changes to $DIRTY} |"
    echo "| CPU | $CPU_MODEL |"
    echo "| Cores | $CPUS ($(lscpu | awk -F': *' '/^Thread\(s\) per core/ {print $2 " thread(s) per core"}')) |"
    echo "| Kernel | $(uname -sr) |"
    echo "| Memory | $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) |"
    echo "| Rust | $(rustc --version 2>/dev/null || echo unknown) |"
    echo "| nginx | $("$NGINX" -v 2>&1 | sed 's/.*: //') |"
    echo "| wrk | $(wrk -v 2>&1 | head -1 | awk '{print $2}') |"
    echo "| Load average before / after | $LOAD_BEFORE / $LOAD_AFTER |"
    echo
    echo "## Summary"
    echo
    if awk -v l="${LOAD_BEFORE%% *}" 'BEGIN {exit !(l > 0.5)}'; then
        echo "> **The machine was busy** (load average ${LOAD_BEFORE%% *} at the start): other processes"
        echo "> competed for both cores, so throughput and latency figures are pessimistic and noisy."
        echo
    fi
    echo "| What | Result | Target | |"
    echo "|---|---|---|---|"
    echo "| Service page, Rathaus / nginx throughput | **$RATIO** ($R_RPS vs $N_RPS req/s; by CPU time per request $CPU_RATIO) | ≥ 0.5 | $V_RATIO |"
    echo "| Search page p99 under load ($SEARCH_PAGE; uncached) | $S_P99 ms; $U_P99 ms | – | |"
    echo "| Search p99, 10,000 services | **$SEARCH_P99 ms** | ≤ 10 ms | $V_SEARCH |"
    echo "| First visit, compressed bytes | **$VISIT_BYTES B** ($(kib "$VISIT_BYTES") KiB) | ≤ 60 KB (60,000 B) | $V_VISIT |"
    echo "| Time to ready, fresh database | **$COLD_MS ms** (median of ${COLD[*]}) | – | |"
    echo "| Time to ready, filled database | **$WARM_MS ms** (median of ${WARM[*]}) | – | |"
    echo
    echo "## 1. Service page throughput ($PAGE)"
    echo
    echo "wrk, 1 thread, $CONNECTIONS connections, ${DURATION} s after a ${WARMUP} s warm-up, pinned to core 0;"
    echo "each server pinned to core 1 (Rathaus: one Tokio worker; nginx: one worker process)."
    echo "Requests ask for gzip. nginx compresses each response at level 6; Rathaus answers repeated"
    echo "pages from its page cache, compressed once. The page is $PAGE_BYTES bytes, $RATHAUS_GZ bytes"
    echo "gzipped by Rathaus, $NGINX_GZ by nginx and $NGINX_STATIC_GZ pre-compressed. Figures are per core."
    echo
    echo "| Server | Requests/s | p50 ms | p99 ms | Errors | Server CPU ms/request | Core 1 used by server | Cores 0 / 1 busy |"
    echo "|---|---|---|---|---|---|---|---|"
    echo "| Rathaus, service page, gzip | $R_RPS | $R_P50 | $R_P99 | $R_ERR | $R_CPU | $R_CORE % | $R_BUSY |"
    echo "| nginx, saved copy, gzip level 6 per request | $N_RPS | $N_P50 | $N_P99 | $N_ERR | $N_CPU | $N_CORE % | $N_BUSY |"
    echo "| nginx, saved copy pre-compressed (gzip_static; stricter, for information) | $P_RPS | $P_P50 | $P_P99 | $P_ERR | $P_CPU | $P_CORE % | $P_BUSY |"
    echo "| Rathaus, search page ($SEARCH_PAGE), gzip | $S_RPS | $S_P50 | $S_P99 | $S_ERR | $S_CPU | $S_CORE % | $S_BUSY |"
    echo "| Rathaus, search page, a new address per request (not cached), gzip | $U_RPS | $U_P50 | $U_P99 | $U_ERR | $U_CPU | $U_CORE % | $U_BUSY |"
    echo "| Rathaus, service page, a new address per request (not cached), gzip | $M_RPS | $M_P50 | $M_P99 | $M_ERR | $M_CPU | $M_CORE % | $M_BUSY |"
    echo "| Rathaus, service page, \"br, gzip\" as browsers ask (for information) | $B_RPS | $B_P50 | $B_P99 | $B_ERR | $B_CPU | $B_CORE % | $B_BUSY |"
    echo
    echo "Ratio Rathaus / nginx in requests/s: **$RATIO** (target ≥ 0.5: $V_RATIO); in CPU time per request"
    echo "(nginx's ÷ Rathaus's): $CPU_RATIO. Against nginx serving the pre-compressed copy: $STATIC_RATIO."
    echo "Errors are non-2xx/3xx responses plus socket errors. \"Core 1 used\""
    echo "is the server's CPU time over the run's length; \"Cores busy\" counts every process on the machine."
    echo "A server well under 100 % of core 1 was held back: by other processes on core 1 (core 1 busy,"
    echo "server share low) or by wrk on core 0 (core 0 at 100 %). Requests/s are then understated, and"
    echo "CPU time per request is the better comparison."
    echo
    echo "\"A new address per request\" adds a parameter \`bench=N\` that the page ignores, so Rathaus' page"
    echo "cache misses every time: each request renders the page and compresses it for the cache. Every"
    echo "different search query is such a miss in real use."
    echo
    echo "## 2. Search latency"
    echo
    echo "\`search_bench\` (crates/content/examples/search_bench.rs) on core 1: $SEARCH_DOCS documents"
    echo "(10,000 German services, every third also in English), index built in $SEARCH_BUILD ms;"
    echo "$SEARCH_QUERIES queries × $(( SEARCH_RUNS / SEARCH_QUERIES )) runs = $SEARCH_RUNS searches, limit 28 as the portal asks."
    echo
    echo "| p50 | p95 | p99 | max |"
    echo "|---|---|---|---|"
    echo "| $SEARCH_P50 ms | $SEARCH_P95 ms | $SEARCH_P99 ms | $SEARCH_MAX ms |"
    echo
    echo "p99 target ≤ 10 ms: $V_SEARCH. Slowest queries (max over their runs):"
    echo
    echo '```'
    sed -n '/^slowest queries/,/^$/p' "$RAW_DIR/search_bench.txt" | sed '1d;/^$/d'
    echo '```'
    echo
    echo "## 3. Time to ready"
    echo
    echo "From starting the process (pinned to core 1) to the first 200 from /ready, polled every 10 ms"
    echo "from core 0; the resolution is about 10–20 ms."
    echo
    echo "| Start | Median ms | Runs ms |"
    echo "|---|---|---|"
    echo "| Fresh database: migrations, demo import, index | $COLD_MS | ${COLD[*]} |"
    echo "| Filled database: migrations checked, index | $WARM_MS | ${WARM[*]} |"
    echo
    echo "## 4. First visit to $PAGE"
    echo
    echo "Each resource fetched once with \`Accept-Encoding: br, gzip\`; bytes are the transferred"
    echo "body (\`curl -w %{size_download}\`), without HTTP headers."
    echo
    echo "| Resource | Kind | Encoding | Bytes |"
    echo "|---|---|---|---|"
    for line in "${VISIT[@]}"; do
        read -r bytes encoding kind url <<<"$line"
        echo "| \`$url\` | $kind | $encoding | $bytes |"
    done
    echo "| **Total** | | | **$VISIT_BYTES** ($(kib "$VISIT_BYTES") KiB) |"
    echo
    echo "Target ≤ 60 KB (60,000 bytes): $V_VISIT."
} >"$REPORT"

# --- Summary on the terminal -----------------------------------------------------------------

printf '\n%-46s %-26s %-12s %s\n' "Measure" "Result" "Target" "Verdict"
printf '%-46s %-26s %-12s %s\n' "Service page req/s Rathaus / nginx" "$R_RPS / $N_RPS = $RATIO" ">= 0.5" "$V_RATIO"
printf '%-46s %-26s %-12s %s\n' "Service page CPU-ms/request nginx / Rathaus" "$N_CPU / $R_CPU = $CPU_RATIO" "" ""
printf '%-46s %-26s %-12s %s\n' "Service page p99 (Rathaus / nginx)" "$R_P99 / $N_P99 ms" "" ""
printf '%-46s %-26s %-12s %s\n' "Rathaus / nginx pre-compressed (gzip_static)" "$R_RPS / $P_RPS = $STATIC_RATIO" "" ""
printf '%-46s %-26s %-12s %s\n' "Search page p99 ($SEARCH_PAGE)" "$S_P99 ms ($S_RPS req/s)" "" ""
printf '%-46s %-26s %-12s %s\n' "Search page p99, uncached" "$U_P99 ms ($U_RPS req/s)" "" ""
printf '%-46s %-26s %-12s %s\n' "Service page p99, uncached" "$M_P99 ms ($M_RPS req/s)" "" ""
printf '%-46s %-26s %-12s %s\n' "Service page with br: req/s, p99" "$B_RPS, $B_P99 ms" "" ""
printf '%-46s %-26s %-12s %s\n' "Search p99 over 10,000 services" "$SEARCH_P99 ms" "<= 10 ms" "$V_SEARCH"
printf '%-46s %-26s %-12s %s\n' "Index build" "$SEARCH_BUILD ms" "" ""
printf '%-46s %-26s %-12s %s\n' "Ready, fresh database (median)" "$COLD_MS ms" "" ""
printf '%-46s %-26s %-12s %s\n' "Ready, filled database (median)" "$WARM_MS ms" "" ""
printf '%-46s %-26s %-12s %s\n' "First visit, compressed" "$VISIT_BYTES B" "<= 60000 B" "$V_VISIT"
echo
echo "Load average before / after: $LOAD_BEFORE / $LOAD_AFTER"
echo "Report: $REPORT; raw output: $RAW_DIR/"
