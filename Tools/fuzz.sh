#!/usr/bin/env bash
# Builds the libFuzzer target Fuzz/Parsers (LanToaCore's parsers) with AddressSanitizer and runs it.
#
#   bash Tools/fuzz.sh                      # 100,000 runs or 300 s, whichever comes first
#   FUZZ_RUNS=20000 FUZZ_SECONDS=60 bash Tools/fuzz.sh
#
# Environment:
#   FUZZ_RUNS        libFuzzer -runs (default 100000)
#   FUZZ_SECONDS     libFuzzer -max_total_time (default 300)
#   FUZZ_BUILD_DIR   where the binary, ZIPFoundation and crash artifacts go (default .build-fuzz, git-ignored)
#   FUZZ_OPT         Swift optimisation flag (default -O)
#   FUZZ_PATCH_ZIPFOUNDATION=1
#                    fuzz against a ZIPFoundation with its three known bugs on malformed archives fixed
#                    (see Fuzz/README.md), to get past them to LanToaCore's own code; off by default, so that
#                    a run tests what the server really links
#   FUZZ_KEEP_GOING=1   go on after a crash (libFuzzer -fork=1 -ignore_crashes=1) and report them all
#   FUZZ_DETECT_LEAKS=1 check for leaks after every input (slow; saves the leaking input) instead of at exit
#   SWIFTC           compiler (default: swiftc on PATH, else /opt/swift/usr/bin/swiftc)
#   ZIPFOUNDATION_MIRROR  bare git mirror of ZIPFoundation (default /opt/swift-packages/weichsel/ZIPFoundation.git)
#
# Does not use SwiftPM and does not touch .build/: LanToaCore's sources are compiled straight into the fuzz binary.
# Exits non-zero on a crash, trap, leak, timeout or sanitizer report; the input is then in
# $FUZZ_BUILD_DIR/artifacts/ and `$FUZZ_BUILD_DIR/fuzz-parsers <that file>` reproduces it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ZIPFOUNDATION_VERSION=0.9.20
MIRROR="${ZIPFOUNDATION_MIRROR:-/opt/swift-packages/weichsel/ZIPFoundation.git}"
BUILD="${FUZZ_BUILD_DIR:-$ROOT/.build-fuzz}"
OPT="${FUZZ_OPT:--O}"
RUNS="${FUZZ_RUNS:-100000}"
SECONDS_MAX="${FUZZ_SECONDS:-300}"
if [[ -n "${SWIFTC:-}" ]]; then :
elif command -v swiftc >/dev/null 2>&1; then SWIFTC=swiftc
else SWIFTC=/opt/swift/usr/bin/swiftc
fi

mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/lantoa-fuzz.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# (a) ZIPFoundation's sources: the mirror's tag, else the checkout SwiftPM made.
ZF="$TMP/ZIPFoundation"
mkdir -p "$ZF"
if [[ -d "$MIRROR" ]]; then
    git -C "$MIRROR" archive "$ZIPFOUNDATION_VERSION" | tar -x -C "$ZF"
elif [[ -d "$ROOT/.build/checkouts/ZIPFoundation/Sources" ]]; then
    cp -R "$ROOT/.build/checkouts/ZIPFoundation/Sources" "$ZF/"
else
    echo "fuzz: no ZIPFoundation sources (neither $MIRROR nor .build/checkouts/ZIPFoundation)" >&2
    exit 2
fi
if [[ "${FUZZ_PATCH_ZIPFOUNDATION:-0}" == 1 ]]; then
    echo "fuzz: patching ZIPFoundation (reads past the end of a memory archive, FILE left open when init throws,"
    echo "      endless inflate of a truncated entry)"
    # A read at or past the end of the data returns 0 bytes instead of trapping on a reversed range
    # (upstream PR weichsel/ZIPFoundation#394).
    perl -0pi -e 's/(func readData\(buffer: UnsafeMutableRawBufferPointer\) -> Int \{\n)/$1        guard offset < data.count else { return 0 }\n/' \
        "$ZF/Sources/ZIPFoundation/Archive+MemoryFile.swift"
    # Archive(data:accessMode:) closes the FILE it opened before throwing, as the URL variant does.
    perl -0pi -e 's/(for data: Data, mode: AccessMode\) throws.*?\n    \}\n)/ my $f = $1; $f =~ s{(\n(\s+)throw ArchiveError\.missingEndOfCentralDirectoryRecord)}{\n$2fclose(archiveFile)$1}g; $f /se' \
        "$ZF/Sources/ZIPFoundation/Archive+BackingConfiguration.swift"
    # Inflating stops with an error when the data ends before the deflate stream does, instead of asking for
    # more forever (upstream PR weichsel/ZIPFoundation#389).
    perl -0pi -e 's/(\n(\s+)var chunk = try provider\(position, bufferSize\)\n)/$1$2guard !chunk.isEmpty else { throw CompressionError.corruptedData }\n/' \
        "$ZF/Sources/ZIPFoundation/Data+Compression.swift"
    grep -q 'guard !chunk.isEmpty' "$ZF/Sources/ZIPFoundation/Data+Compression.swift"
    grep -q 'guard offset < data.count' "$ZF/Sources/ZIPFoundation/Archive+MemoryFile.swift"
    [[ $(grep -c 'fclose(archiveFile)' "$ZF/Sources/ZIPFoundation/Archive+BackingConfiguration.swift") -ge 4 ]]
fi
# The zlib module map, kept beside the module that needs it at import time.
rm -rf "$BUILD/CZLib"
cp -R "$ZF/Sources/CZLib" "$BUILD/CZLib"

# (b) ZIPFoundation as its own module (it is Swift 5 code; LanToaCore is Swift 6), instrumented too so that
# libFuzzer sees coverage of the ZIP reader, then LanToaCore and the harness as one module.
started=$(date +%s)
echo "fuzz: compiling ZIPFoundation $ZIPFOUNDATION_VERSION ($OPT)"
"$SWIFTC" -swift-version 5 -parse-as-library -wmo "$OPT" -g -sanitize=fuzzer,address \
    -module-name ZIPFoundation -emit-module -emit-module-path "$BUILD/ZIPFoundation.swiftmodule" \
    -emit-library -static -o "$BUILD/libZIPFoundation.a" \
    -I "$BUILD/CZLib" -Xcc -D_GNU_SOURCE=1 \
    "$ZF"/Sources/ZIPFoundation/*.swift
echo "fuzz: compiling LanToaCore + Fuzz/Parsers ($OPT)"
"$SWIFTC" -swift-version 6 -parse-as-library -wmo "$OPT" -g -sanitize=fuzzer,address \
    -enable-upcoming-feature ExistentialAny \
    -module-name FuzzParsers \
    -I "$BUILD" -I "$BUILD/CZLib" -I Sources/CLanToaZlib -L "$BUILD" -lZIPFoundation -lz \
    -o "$BUILD/fuzz-parsers" \
    $(find Sources/LanToaCore -name '*.swift' | sort) Fuzz/Parsers/main.swift
# swiftc leaves the harness module's interface files in the working directory: they belong to the build.
mv -f "$ROOT"/FuzzParsers-*.swiftdoc "$ROOT"/FuzzParsers-*.swiftmodule "$ROOT"/FuzzParsers-*.swiftsourceinfo "$BUILD"/ 2>/dev/null || true
echo "fuzz: compiled in $(( $(date +%s) - started )) s"

# (c) Run from a scratch corpus (new inputs go there, the committed seeds stay as they are).
CORPUS="$TMP/corpus"
mkdir -p "$CORPUS" "$BUILD/artifacts"
LOG="$TMP/fuzz.log"
MARK="$TMP/started"
touch "$MARK"
# Leaks that are not LanToaCore's. ZIPFoundation 0.9.20's Archive(data:accessMode:) throws (no end of central
# directory record) without fclose-ing the fopencookie FILE it opened, so the FILE, its MemoryFile and the bytes
# stay allocated: every malformed upload that starts like a ZIP leaks its size. The bytes are the harness's copy
# of the input, made in fuzzInput() so that this names only them. swift-corelibs-foundation's XMLParser leaks a
# CFString for each parse error.
SUPPRESSIONS="$TMP/lsan.supp"
printf '%s\n' 'leak:makeBackingConfiguration' 'leak:FuzzParsers9fuzzInput' 'leak:_CFErrorCreateFromXMLInterface' \
    >"$SUPPRESSIONS"
export LSAN_OPTIONS="suppressions=$SUPPRESSIONS:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# Swift's own crash backtracer gets in the way of libFuzzer's and ASan's reports.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"
# Leaks are looked for once, when the process exits (with the suppressions above), unless FUZZ_DETECT_LEAKS=1:
# libFuzzer's check after every input that allocated more than it freed is a full heap scan, and the suppressed
# leaks above make that most inputs (10-15 ms each instead of well under one).
# -use_value_profile=1 guides the fuzzer by how close compared values are, so that it finds magic numbers like the
# year bounds of ReportPeriod, not only new branches.
FLAGS=(-runs="$RUNS" -max_total_time="$SECONDS_MAX" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
       -use_value_profile=1 -detect_leaks="${FUZZ_DETECT_LEAKS:-0}" -artifact_prefix="$BUILD/artifacts/")
# FUZZ_SEED: a fixed seed makes a run repeatable (CI uses one); without it libFuzzer picks one.
if [[ -n "${FUZZ_SEED:-}" ]]; then FLAGS+=(-seed="$FUZZ_SEED"); fi
# FUZZ_KEEP_GOING=1: go on after a crash (libFuzzer's fork mode, one worker) and report every crash found.
if [[ "${FUZZ_KEEP_GOING:-0}" == 1 ]]; then
    FLAGS+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
fi
started=$(date +%s)
set +e
"$BUILD/fuzz-parsers" "${FLAGS[@]}" "$CORPUS" Fuzz/Parsers/corpus 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))
runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$LOG" | tail -n 1)
if [[ -z "$runs" ]]; then  # fork mode reports "#N: cov: ..." instead
    runs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$LOG" | tail -n 1)
fi
mapfile -t found < <(find "$BUILD/artifacts" -type f -newer "$MARK" | sort)

# (d) libFuzzer's exit status, and the artifacts it wrote, say whether anything failed.
echo "fuzz: ran for $elapsed s"
if [[ $status -ne 0 || ${#found[@]} -gt 0 ]]; then
    for f in "${found[@]}"; do echo "fuzz: reproduce with: $BUILD/fuzz-parsers $f" >&2; done
    if [[ ${#found[@]} -eq 0 ]]; then
        echo "fuzz: no input saved (a leak found at exit? rerun with FUZZ_DETECT_LEAKS=1 to find the input)" >&2
    fi
    echo "fuzz: ${runs:-?} runs, ${#found[@]} crashes (exit $status)"
    [[ $status -ne 0 ]] && exit "$status"
    exit 1
fi
echo "fuzz: ${runs:-?} runs, 0 crashes"
