#!/usr/bin/env bash
# `make bench-import`: Tingjian's import against a reference pipeline on the same corpus.
#
# The corpus is 200 calls of 5 minutes in mixed formats (WAV PCM16, WAV μ-law, MP3, M4A, FLAC),
# made from the demo calls and kept in target/bench-import/corpus between runs (not committed).
# The reference does, for each file, what an IT script would: sha256sum + ffprobe + a full
# single-threaded ffmpeg decode. Tingjian does hash + store + full decode + peaks + analytics +
# an audit event per recording.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK="$ROOT/target/bench-import"
CORPUS="$WORK/corpus"
DEMO="$ROOT/target/demo-calls"
TINGJIAN="$ROOT/target/release/tingjian"
CALLS=${BENCH_CALLS:-200}
MINUTES=${BENCH_MINUTES:-5}

mkdir -p "$CORPUS"
if [ ! -f "$CORPUS/.complete-$CALLS-$MINUTES" ]; then
    echo "making the corpus: $CALLS calls of $MINUTES minutes (once; kept in $CORPUS)"
    rm -rf "$CORPUS" && mkdir -p "$CORPUS"
    mapfile -t sources < <(find "$DEMO/recordings" -type f | sort)
    [ "${#sources[@]}" -gt 0 ] || { echo "no demo calls in $DEMO: run make demo-vault first"; exit 1; }
    # One long stereo 8 kHz WAV of demo calls back to back, cut to length per call below.
    tmp="$WORK/tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
    i=0
    for s in "${sources[@]}"; do
        ffmpeg -v error -y -i "$s" -ar 8000 -ac 2 -c:a pcm_s16le "$tmp/$i.wav"; i=$((i+1))
    done
    sox $(ls "$tmp"/*.wav | sort -V) "$tmp/all.wav"
    formats=(wav mulaw mp3 m4a flac)
    for n in $(seq 0 $((CALLS-1))); do
        # Each call starts somewhere else in the long recording, so no two files are alike.
        offset=$(( (n * 37) % 600 ))
        seconds=$((MINUTES * 60))
        sox "$tmp/all.wav" "$tmp/call.wav" trim "$offset" "$seconds" repeat 10 trim 0 "$seconds"
        name=$(printf 'call-%03d' "$n")
        case ${formats[$((n % 5))]} in
            wav)   cp "$tmp/call.wav" "$CORPUS/$name.wav" ;;
            mulaw) ffmpeg -v error -y -i "$tmp/call.wav" -c:a pcm_mulaw "$CORPUS/$name-ulaw.wav" ;;
            mp3)   ffmpeg -v error -y -i "$tmp/call.wav" -c:a libmp3lame -b:a 32k "$CORPUS/$name.mp3" ;;
            m4a)   ffmpeg -v error -y -i "$tmp/call.wav" -c:a aac -b:a 32k "$CORPUS/$name.m4a" ;;
            flac)  ffmpeg -v error -y -i "$tmp/call.wav" -c:a flac "$CORPUS/$name.flac" ;;
        esac
    done
    # One 10-minute call in each format, for the per-call figure.
    ten="$WORK/ten-minutes"; rm -rf "$ten"; mkdir -p "$ten"
    sox "$tmp/all.wav" "$ten/call.wav" repeat 10 trim 0 600
    ffmpeg -v error -y -i "$ten/call.wav" -c:a pcm_mulaw "$ten/call-ulaw.wav"
    ffmpeg -v error -y -i "$ten/call.wav" -c:a libmp3lame -b:a 32k "$ten/call.mp3"
    ffmpeg -v error -y -i "$ten/call.wav" -c:a aac -b:a 32k "$ten/call.m4a"
    ffmpeg -v error -y -i "$ten/call.wav" -c:a flac "$ten/call.flac"
    rm -rf "$tmp"
    touch "$CORPUS/.complete-$CALLS-$MINUTES"
fi
files=$(find "$CORPUS" -type f ! -name '.*' | sort)
count=$(echo "$files" | wc -l)
bytes=$(du -sb --exclude='.*' "$CORPUS" | cut -f1)
echo "corpus: $count files, $((bytes / 1024 / 1024)) MiB, $MINUTES min each"

now() { date +%s.%N; }

# Reference: sha256sum + ffprobe + ffmpeg decode, file by file.
start=$(now)
while IFS= read -r f; do
    sha256sum "$f" >/dev/null
    ffprobe -v error -show_format -show_streams "$f" >/dev/null </dev/null
    ffmpeg -nostdin -v error -threads 1 -i "$f" -f null - >/dev/null
done <<< "$files"
reference=$(echo "$(now) - $start" | bc)

# Tingjian: a fresh vault each run; the export lists no complaints (recordings only).
vault="$WORK/vault"; rm -rf "$vault"
printf '投诉编号,受理时间,录音文件\n' > "$WORK/empty.csv"
"$TINGJIAN" --vault "$vault" init --json >/dev/null
start=$(now)
"$TINGJIAN" --vault "$vault" import --json --manifest "$WORK/empty.csv" --recordings "$CORPUS" > "$WORK/report.json"
tingjian=$(echo "$(now) - $start" | bc)
added=$(grep -o '"recordings_added": [0-9]*' "$WORK/report.json" | grep -o '[0-9]*$')
[ "$added" = "$count" ] || { echo "Tingjian imported $added of $count files"; cat "$WORK/report.json"; exit 1; }
"$TINGJIAN" --vault "$vault" verify --json >/dev/null

printf 'reference (sha256sum + ffprobe + ffmpeg -threads 1 decode): %8.2f s  (%.1f ms/file)\n' "$reference" "$(echo "$reference * 1000 / $count" | bc -l)"
printf 'tingjian import (hash, store, decode, peaks, analytics, audit): %8.2f s  (%.1f ms/file)\n' "$tingjian" "$(echo "$tingjian * 1000 / $count" | bc -l)"
printf 'ratio (reference / tingjian): %.2fx   (goal: >= 3x)\n' "$(echo "$reference / $tingjian" | bc -l)"

echo
echo "one 10-minute 8 kHz stereo call: decode alone, and decode + peaks + analytics (goal: <= 100 ms)"
"$ROOT/target/release/examples/analyse" "$WORK/ten-minutes"
