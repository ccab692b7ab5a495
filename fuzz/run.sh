#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds (default 60), one after another at the
# lowest priority, and prints how many inputs each ran. `make fuzz` calls it.
#
# Each target grows its own corpus in target/fuzz/corpus/<target>, starting from the seeds committed
# in fuzz/corpus/<target> (which are only read). A crash, a hang (an input running longer than
# FUZZ_TIMEOUT seconds) or running out of memory leaves the input in fuzz/artifacts/<target>/ and
# makes the run fail once every target has had its turn. Extra libFuzzer flags can be passed in
# FUZZ_FLAGS.
set -euo pipefail

seconds=${1:-60}
timeout=${FUZZ_TIMEOUT:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/target/fuzz
targets=(csv_export xlsx_export audio_decode)

cd "$root/fuzz"
# --sanitizer none: the stable compiler has no AddressSanitizer for Rust, and the code under test
# is safe Rust (plus the C codecs, which ASan could not see into anyway without rebuilding them).
# cargo-fuzz then passes only stable flags (sancov instrumentation, --cfg fuzzing, debug
# assertions and overflow checks on).
nice -n 19 cargo fuzz build --sanitizer none --target-dir "$work" >/dev/null

# The targets write each input to a file here (the readers take paths); in memory where it can be.
shm=/dev/shm
[ -d "$shm" ] || shm=${TMPDIR:-/tmp}
TINGJIAN_FUZZ_SCRATCH=$(mktemp -d "$shm/tingjian-fuzz.XXXXXX")
export TINGJIAN_FUZZ_SCRATCH
trap 'rm -rf "$TINGJIAN_FUZZ_SCRATCH"' EXIT

failed=()
summary=()
for target in "${targets[@]}"; do
    mkdir -p "$work/corpus/$target" "$work/logs"
    log=$work/logs/$target.log
    echo "fuzzing $target for $seconds s (log: ${log#"$root"/})"
    status=0
    # The first corpus directory receives what the run finds; the committed seeds stay as they are.
    # shellcheck disable=SC2086
    nice -n 19 cargo fuzz run --sanitizer none --target-dir "$work" "$target" \
        "$work/corpus/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1 ${FUZZ_FLAGS:-} \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    line=$(printf '%-13s %12s executions %8s exec/s' "$target" "${runs:-?}" "${rate:-?}")
    if [ "$status" -ne 0 ]; then
        found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        line="$line  FOUND: ${found:-see the log} (exit $status)"
        failed+=("$target")
        # What happened, in a few lines; the whole story is in the log.
        grep -E -A1 'panicked at|ERROR: libFuzzer|ALARM:|out-of-memory|memory allocation of' "$log" | head -n 12 || true
    fi
    summary+=("$line")
done

echo
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}"
    exit 1
fi
