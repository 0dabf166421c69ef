#!/usr/bin/env bash
# Features for every WAV or FLAC under DIR/audio into DIR/features (one .nsf each) with the engine's own CLI,
# `notescribe features` (run through tsx/cli/main.ts, the same thing `npm run notescribe` runs), JOBS processes at once.
# Usage: training/features.sh DIR [JOBS]
set -euo pipefail
dir=$1 jobs=${2:-2}
rm -rf "$dir/features" && mkdir -p "$dir/features"
find "$dir/audio" \( -name '*.wav' -o -name '*.flac' \) | sort | xargs -P "$jobs" -n 16 npx --no-install tsx cli/main.ts features -o "$dir/features" > /dev/null
count=$(find "$dir/audio" \( -name '*.wav' -o -name '*.flac' \) | wc -l)
made=$(find "$dir/features" -name '*.nsf' | wc -l)
if [ "$made" -ne "$count" ]; then echo "features: $made of $count files in $dir" >&2; exit 1; fi
