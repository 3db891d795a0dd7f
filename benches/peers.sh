#!/usr/bin/env bash
# Times schemacast against its peers on the same inputs and prints the medians and ratios as a
# Markdown table (to be recorded in BENCHMARKS.md).
#
#   benches/peers.sh                # every input, 5 runs each (3 on the 16 MB schema)
#   PEERS_RUNS=3 PEERS_TIMEOUT=300 benches/peers.sh
#   PEERS_ONLY="squawk schemacast" benches/peers.sh
#
# Peers come from PyPI into a virtualenv under target/peers-venv: squawk-cli (squawk), sqlfluff
# and sqruff, at the versions pinned below. The generated schemas come from the engine's bench
# generator (lints/benches/generate.rs, through `cargo bench --bench check` with
# SCHEMACAST_BENCH_WRITE_ONLY), so they are made, not stored; the real schema is Icinga 2's
# PostgreSQL IDO schema from Debian's icinga2-ido-pgsql package (`apt-get download`; skipped
# where apt is missing). Every tool lints one file with its default rules; wall time is the
# median of the runs, memory the largest peak RSS (GNU time). A run past PEERS_TIMEOUT seconds
# (default 600) is reported as such and that tool is not run on larger inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

runs="${PEERS_RUNS:-5}"
timeout_s="${PEERS_TIMEOUT:-600}"
only="${PEERS_ONLY:-schemacast squawk sqruff sqlfluff}"
work="target/peers"
venv="target/peers-venv"
mkdir -p "$work"

if [ ! -x /usr/bin/time ]; then
    echo "error: GNU time (/usr/bin/time) is needed for peak memory; apt-get install time" >&2
    exit 1
fi

# The peers, pinned so a rerun measures the same programs.
if [ ! -x "$venv/bin/sqlfluff" ] || [ ! -x "$venv/bin/squawk" ] || [ ! -x "$venv/bin/sqruff" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "squawk-cli==2.70.0" "sqlfluff==4.5.0" "sqruff==0.44.0"
fi

cargo build --release -q -p schemacast
schemacast="$PWD/target/release/schemacast"

# Inputs: generated PostgreSQL schemas of three sizes, and one real one.
generate() {
    local bytes="$1" path="$2"
    [ -s "$path" ] && return 0
    SCHEMACAST_BENCH_BYTES="$bytes" SCHEMACAST_BENCH_WRITE="$PWD/$path" SCHEMACAST_BENCH_WRITE_ONLY=1 \
        cargo bench -q -p schemacast-lints --bench check >/dev/null
}
generate 100000 "$work/generated-100k.sql"
generate 1500000 "$work/generated-1.5m.sql"
generate 15000000 "$work/generated-15m.sql"
inputs=("$work/generated-100k.sql" "$work/generated-1.5m.sql" "$work/generated-15m.sql")

real="$work/icinga2-ido-pgsql.sql"
if [ ! -s "$real" ] && command -v apt-get >/dev/null 2>&1; then
    (
        cd "$work"
        rm -rf deb && mkdir deb
        apt-get download -q icinga2-ido-pgsql >/dev/null 2>&1 || true
        deb_file=$(ls icinga2-ido-pgsql_*.deb 2>/dev/null | head -n 1)
        if [ -n "$deb_file" ]; then
            dpkg-deb -x "$deb_file" deb
            cp deb/usr/share/icinga2-ido-pgsql/schema/pgsql.sql icinga2-ido-pgsql.sql
        fi
    )
fi
if [ -s "$real" ]; then
    inputs=("$real" "${inputs[@]}")
else
    echo "note: no real schema (apt-get download icinga2-ido-pgsql failed); generated inputs only" >&2
fi

# Each tool's configuration: PostgreSQL, every default rule, no size cut-off. sqlfluff skips
# files over 20 kB unless told otherwise, and both sqlfluff and sqruff give up on a file of more
# than 100,000 tokens (`max_parse_nodes`) with one finding: either would time nothing.
printf '[sqlfluff]\ndialect = postgres\nlarge_file_skip_byte_limit = 0\nmax_parse_nodes = 0\n' >"$work/.sqlfluff"
printf '[sqruff]\ndialect = postgres\nmax_parse_nodes = 0\n' >"$work/.sqruff"

command_for() {
    local tool="$1" file="$2"
    case "$tool" in
        # One line per finding for both: squawk's default `tty` reporter takes quadratic time
        # in the number of findings (42 s on the 1.5 MB schema, 0.6 s with `gcc`).
        schemacast) echo "$schemacast check --dialect postgres --format gcc $file" ;;
        squawk) echo "$PWD/$venv/bin/squawk --reporter gcc $file" ;;
        sqruff) echo "$PWD/$venv/bin/sqruff lint $file" ;;
        sqlfluff) echo "$PWD/$venv/bin/sqlfluff lint --processes 2 $file" ;;
    esac
}

# One run: prints "SECONDS PEAK_KIB OUTPUT_LINES", or "timeout", "failed" or "refused". Wall time from the shell's
# clock (GNU time rounds to 10 ms), peak memory from GNU time.
run_once() {
    local command="$1" start end kib status
    start=$(date +%s.%N)
    # Both streams are the tool's report: sqruff writes its findings to stderr.
    (cd "$work" && timeout "$timeout_s" /usr/bin/time -f '%M' -o last-time.txt $command >last-output.txt 2>&1) \
        && status=0 || status=$?
    kib=$(tail -n 1 "$work/last-time.txt" 2>/dev/null || echo 0)
    # Should a tool still give up on a large file (one finding instead of a lint), that is not
    # a timing.
    if grep -q "Maximum parse node count exceeded" "$work/last-output.txt"; then
        echo refused
        return
    fi
    end=$(date +%s.%N)
    # Linters exit 1 when they find something: that is a normal run.
    case "$status" in
        0 | 1) awk -v s="$start" -v e="$end" -v k="$kib" -v l="$(wc -l <"$work/last-output.txt")" \
            'BEGIN { printf "%.3f %d %d\n", e - s, k, l }' ;;
        124) echo timeout ;;
        *) echo failed ;;
    esac
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

versions() {
    echo "- schemacast: $("$schemacast" --version 2>&1 | head -n 1) (release build of this checkout, $(git rev-parse --short HEAD))"
    echo "- squawk: $("$venv/bin/squawk" --version 2>&1 | head -n 1)"
    echo "- sqruff: $("$venv/bin/sqruff" --version 2>&1 | head -n 1)"
    echo "- sqlfluff: $("$venv/bin/sqlfluff" --version 2>&1 | head -n 1)"
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
}

declare -A gave_up=()
# "output lines" is how many lines the tool printed (one per finding for schemacast and squawk,
# more for sqruff's and sqlfluff's grouped reports): a check that every tool did read the file.
echo "| input | bytes | tool | median s | peak MiB | output lines | vs schemacast |"
echo "|---|---|---|---|---|---|---|"
for file in "${inputs[@]}"; do
    name=$(basename "$file")
    bytes=$(stat -c %s "$file")
    n="$runs"
    [ "$bytes" -gt 10000000 ] && [ "$n" -gt 3 ] && n=3
    base=""
    for tool in $only; do
        if [ -n "${gave_up[$tool]:-}" ]; then
            echo "| $name | $bytes | $tool | not run (over ${timeout_s} s on a smaller input) | | | |"
            continue
        fi
        command=$(command_for "$tool" "$(basename "$file")")
        times=() peak=0 result=""
        for _ in $(seq 1 "$n"); do
            result=$(run_once "$command")
            case "$result" in timeout | failed | refused) break ;; esac
            read -r seconds kib lines <<<"$result"
            times+=("$seconds")
            [ "$kib" -gt "$peak" ] && peak="$kib"
        done
        case "$result" in
            timeout)
                gave_up[$tool]=1
                echo "| $name | $bytes | $tool | over ${timeout_s} s | | | |"
                continue ;;
            failed)
                echo "| $name | $bytes | $tool | failed (\`$command\`) | | | |"
                continue ;;
            refused)
                echo "| $name | $bytes | $tool | refused the file (parse node limit), linted nothing | | | |"
                continue ;;
        esac
        seconds=$(printf '%s\n' "${times[@]}" | median)
        [ "$tool" = schemacast ] && base="$seconds"
        ratio=""
        [ -n "$base" ] && [ "$tool" != schemacast ] && ratio=$(awk -v a="$seconds" -v b="$base" 'BEGIN { if (b > 0) printf "%.1fx slower", a / b }')
        echo "| $name | $bytes | $tool | $seconds | $((peak / 1024)) | $lines | $ratio |"
    done
done
echo
versions
echo "- runs: median of $runs (3 on inputs over 10 MB); timeout ${timeout_s} s per run"
