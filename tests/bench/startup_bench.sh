#!/usr/bin/env bash
# Start-up cost of one `ccattest verify` of an SEV-SNP report against /bin/true, measured by
# run_timer (alternating runs, fork/exec timed without a shell). tests/bench/README.md gives the
# method and the latest figures.
#
#   tests/bench/startup_bench.sh [RUNS] [BUILD_DIR]     (defaults: 50, build/default)
set -euo pipefail

source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
runs="${1:-50}"
build_dir="${2:-${source_dir}/build/default}"
timer="${build_dir}/bin/run_timer"
ccattest="${build_dir}/bin/ccattest"
vectors="${source_dir}/tests/data/snp"
baseline="$(type -P true)"

for file in "$timer" "$ccattest"; do
    if [[ ! -x "$file" ]]; then
        echo "startup_bench: $file is missing: build the run_timer and ccattest targets" >&2
        exit 2
    fi
done

# The command FLARE-style authorizers run once per token: verify one report with its VCEK at a
# fixed time (README.md, "Verifying evidence by hand").
exec "$timer" --runs "$runs" --warmup 3 "$baseline" -- \
    "$ccattest" verify -n x-snp -e "${vectors}/gosev_milan_report.bin" \
    --cert "${vectors}/gosev_milan_vcek.der" --at 2023-11-14T00:00:00Z --json
