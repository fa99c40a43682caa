#!/usr/bin/env bash
# Runs every test project of the solution (already built) and prints one summary line
# "tests: N passed, N failed, N skipped", preceded by each failed test's name, message and first stack lines
# and any aborted test run (repeated from the log above, so that the tail of a CI log names what failed).
# Exit status is dotnet test's.
# Test projects run one after another (-m:1): several hold multi-process and timing tests (c10d
# timeouts, elastic resizes) that must not compete with each other for the 2 cores.
set -uo pipefail
config="${1:-Release}"
root="$(cd "$(dirname "$0")/.." && pwd)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

cd "$root"
dotnet test TwaOperator.sln -c "$config" --no-build -nologo -m:1 --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

sum() { grep -Eo "$1: +[0-9]+" "$log" | grep -Eo '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
passed=$(sum Passed)
failed=$(sum Failed)
skipped=$(sum Skipped)
if [ "$failed" -gt 0 ]; then
  echo
  echo "failed tests (repeated from above):"
  # A failure's block runs from "  Failed <name> [time]" to the next test's result line or the project's summary.
  awk '
    /^  (Passed|Skipped|Failed) / || /^Test Run / || /^Total tests/ || /^Results File/ { block = 0 }
    /^  Failed [^ ]/ { block = 1; lines = 0 }
    block && lines < 12 { print; lines++ }
  ' "$log"
fi
if grep -qiE 'test run aborted|test host process crashed' "$log"; then
  echo
  echo "aborted test runs (repeated from above):"
  grep -iE -B2 -A4 'test run aborted|test host process crashed' "$log" | head -40
fi
echo
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "run-tests: no test ran" >&2
  exit 1
fi
exit "$status"
