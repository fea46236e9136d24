#!/usr/bin/env bash
# Fuzzes the engine's parsers with afl-fuzz (afl++) through SharpFuzz, a bounded time per target.
#
#   tests/BehaviorBlocking.Fuzz/fuzz.sh [--seconds N] [--timeout-ms N] [TARGET...]
#
# Publishes tests/BehaviorBlocking.Fuzz, instruments a copy of BehaviorBlocking.Core.dll and
# YamlDotNet.dll with the sharpfuzz tool, then for each target (all by default): writes its seed
# corpus (derived from the fixtures), checks the seeds in-process, runs afl-fuzz for N seconds with
# the target's dictionaries, reads afl's fuzzer_stats and prints one line:
#
#   fuzz TARGET: EXECS execs (EXECS/s) in S s, EDGES edges, C crashes, H hangs: PASS|FAIL
#
# Crashing and hanging inputs are copied to out/fuzz/TARGET/crashes and out/fuzz/TARGET/hangs, each
# with a .txt that says what it does (from the in-process replay); out/fuzz/summary.tsv has one row a
# target. Exit 0 when no target found anything, 1 when one did, 3 when the tooling could not be set up.
#
# Environment: BEHAVIORBLOCKING_FUZZ_SECONDS (default 60), BEHAVIORBLOCKING_FUZZ_TIMEOUT_MS (afl's -t,
# default 5000: an input running longer is a hang). Needs afl-fuzz on PATH (Debian: apt-get install afl++).
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds="${BEHAVIORBLOCKING_FUZZ_SECONDS:-60}"
timeout_ms="${BEHAVIORBLOCKING_FUZZ_TIMEOUT_MS:-5000}"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --timeout-ms) timeout_ms="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

sharpfuzz_version=2.3.0
out=out/fuzz
tools=out/tools/sharpfuzz
publish="$out/publish"
app="$out/app"
summary="$out/summary.tsv"
max_described=10

setup_failed() {
  echo "fuzz.sh: $*" >&2
  exit 3
}

dotnet_bin=$(command -v dotnet) || setup_failed "the .NET SDK (dotnet) is not on PATH"
command -v afl-fuzz >/dev/null 2>&1 || setup_failed "afl-fuzz is not on PATH (Debian: apt-get install -y afl++)"
if [ ! -x "$tools/sharpfuzz" ]; then
  rm -rf "$tools"
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >&2 ||
    setup_failed "installing the sharpfuzz tool (SharpFuzz.CommandLine $sharpfuzz_version) failed"
fi

mkdir -p "$out"
rm -rf "$publish" "$app" "$summary"
dotnet publish tests/BehaviorBlocking.Fuzz -c Release -o "$publish" -nologo -v q -clp:ErrorsOnly >&2 ||
  setup_failed "publishing tests/BehaviorBlocking.Fuzz failed"
# afl watches coverage of the instrumented copy; seeds, checks and crash descriptions use the plain one.
cp -a "$publish" "$app"
for assembly in BehaviorBlocking.Core.dll YamlDotNet.dll; do
  "$tools/sharpfuzz" "$app/$assembly" >"$out/instrument-${assembly%.dll}.log" 2>&1 ||
    setup_failed "instrumenting $assembly failed (see $out/instrument-${assembly%.dll}.log)"
done

plain() { "$dotnet_bin" "$publish/BehaviorBlocking.Fuzz.dll" "$@"; }
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(plain list | cut -f1) || true
  [ ${#targets[@]} -gt 0 ] || setup_failed "the fuzz program lists no targets"
fi

# Prints what an input does to a target, in one line, from an in-process run of the plain build:
# "CRASH: ...", "HANG: ...", "PASS: ..." (not reproduced) or "DIED: ..." (the process itself died).
describe() {
  local target="$1" input="$2" log line
  log=$(mktemp)
  line=$(BEHAVIORBLOCKING_FUZZ_WORK="$out/describe-work" plain "$target" "$input" --timeout-ms $((timeout_ms * 4)) 2>"$log" |
    grep -E '^(CRASH|HANG|PASS) ' | head -n 1)
  rm -rf "$out/describe-work"
  case "$line" in
    PASS*) line="PASS: not reproduced in-process (passes within $((timeout_ms * 4)) ms)" ;;
    CRASH*|HANG*) line="${line%% *}: ${line#* "$input": }" ;;
    *)
      # Stack overflow or another fatal error: name it and the innermost engine frame.
      line="DIED: $(grep -m1 -vE '^\s*(at |$)' "$log")$(grep -m1 -E '^\s*at BehaviorBlocking\.' "$log" | sed 's/^ *at / (at /; s/$/)/')" ;;
  esac
  rm -f "$log"
  printf '%s\n' "$line"
}

stat_of() { sed -n "s/^$2 *: *//p" "$1" | head -n 1; }

printf 'target\tstatus\texecs\texecs_per_sec\tcrashes\thangs\tedges\n' >"$summary"
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
export AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
failed=0
for target in "${targets[@]}"; do
  dir="$out/$target"
  rm -rf "$dir"
  mkdir -p "$dir/seeds" "$dir/crashes" "$dir/hangs" "$dir/work"
  status=PASS execs=0 eps=0 crashes=0 hangs=0 edges=0
  if ! plain seeds "$target" "$dir/seeds" >"$dir/seeds.log" 2>&1; then
    echo "fuzz $target: no seed corpus ($(tail -n 1 "$dir/seeds.log"))" >&2
    status=FAIL
  elif ! BEHAVIORBLOCKING_FUZZ_WORK="$dir/work" plain "$target" "$dir/seeds" >"$dir/seed-check.log" 2>&1; then
    # A seed that already crashes is a finding; afl would refuse to start on it.
    status=FAIL
    while read -r _ seed _; do
      seed="${seed%:}"
      cp "$seed" "$dir/crashes/seed-$(basename "$seed")"
      describe "$target" "$seed" >"$dir/crashes/seed-$(basename "$seed").txt"
      crashes=$((crashes + 1))
    done < <(grep -E '^(CRASH|HANG) ' "$dir/seed-check.log")
    [ "$crashes" -gt 0 ] || echo "fuzz $target: the seed check failed: $(tail -n 3 "$dir/seed-check.log")" >&2
  else
    dictionaries=()
    while read -r dict; do
      [ -f "$dict" ] && dictionaries+=(-x "$dict")
    done < <(plain dictionaries "$target")
    BEHAVIORBLOCKING_FUZZ_WORK="$dir/work" timeout --kill-after=30 $((seconds + 300)) \
      afl-fuzz -i "$dir/seeds" -o "$dir/findings" -t "$timeout_ms" -m none -V "$seconds" "${dictionaries[@]}" \
      -- "$dotnet_bin" "$app/BehaviorBlocking.Fuzz.dll" fuzz "$target" >"$dir/afl.log" 2>&1
    afl_rc=$?
    stats="$dir/findings/default/fuzzer_stats"
    if [ ! -f "$stats" ]; then
      echo "fuzz $target: afl-fuzz did not start (exit $afl_rc); the end of $dir/afl.log:" >&2
      sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[()][A-Z0-9]//g' "$dir/afl.log" | grep -vE '^\s*at ' | tail -n 15 >&2
      status=FAIL
    else
      execs=$(stat_of "$stats" execs_done)
      eps=$(stat_of "$stats" execs_per_sec)
      edges=$(stat_of "$stats" edges_found)
      for kind in crashes hangs; do
        described=0
        for input in "$dir/findings/default/$kind"/id:*; do
          [ -e "$input" ] || continue
          name=$(basename "$input" | tr ':,' '_-')
          cp "$input" "$dir/$kind/$name"
          # One process per input: describe the first ones; the rest are usually the same bug again.
          if [ "$described" -lt "$max_described" ]; then
            describe "$target" "$input" >"$dir/$kind/$name.txt"
            described=$((described + 1))
          elif [ "$kind" = hangs ]; then
            echo "HANG: not replayed (over $max_described hangs)" >"$dir/$kind/$name.txt"
          fi
        done
      done
      crashes=$(find "$dir/crashes" -type f ! -name '*.txt' | wc -l)
      # A timeout that does not hang again in-process with four times the time is load, not a hang.
      hangs=$(grep -lE '^(HANG|CRASH|DIED):' "$dir/hangs"/*.txt 2>/dev/null | wc -l)
      if [ "$afl_rc" -ne 0 ] || [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
        status=FAIL
        [ "$afl_rc" -eq 0 ] || echo "fuzz $target: afl-fuzz exited with $afl_rc (see $dir/afl.log)" >&2
      fi
    fi
  fi
  rm -rf "$dir/work"
  echo "fuzz $target: ${execs:-0} execs (${eps:-0}/s) in ${seconds} s, ${edges:-0} edges, $crashes crashes, $hangs hangs: $status"
  # Findings grouped by what they do: count, description, one example input.
  for kind in crashes hangs; do
    for finding in "$dir/$kind"/*.txt; do
      [ -e "$finding" ] && printf '%s\t%s\n' "$(cat "$finding")" "${finding%.txt}"
    done | sort -t "$(printf '\t')" -k1,1 | awk -F '\t' -v kind="$kind" '
      $1 != last { if (n) printf "  %d %s like %s: %s\n", n, kind, example, last; last = $1; example = $2; n = 0 }
      { n++ }
      END { if (n) printf "  %d %s like %s: %s\n", n, kind, example, last }'
  done
  undescribed=$(( crashes - $(find "$dir/crashes" -name '*.txt' | wc -l) ))
  [ "$undescribed" -le 0 ] || echo "  $undescribed more crashes in $dir/crashes (not replayed; run: dotnet $publish/BehaviorBlocking.Fuzz.dll $target $dir/crashes)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$status" "${execs:-0}" "${eps:-0}" "$crashes" "$hangs" "${edges:-0}" >>"$summary"
  [ "$status" = PASS ] || failed=$((failed + 1))
done

[ "$failed" -eq 0 ] || exit 1
exit 0
