#!/usr/bin/env bash
# One command from the shared data to a model: render → features → train → export → evaluate.
#   npm run train                    the full run (sizes below; ~35 min of training on 2 CPU cores)
#   npm run train -- --smoke         a tiny end-to-end run (a few excerpts, 1 epoch) into training/work/smoke
# Sizes and paths are environment variables (defaults in brackets):
#   NS_WORK [training/work/run]  NS_MODEL_OUT [models]  NS_TRAIN_SONGS [360]  NS_VAL_SONGS [32]  NS_DEV_SONGS [60]
#   NS_TRAIN_PROCEDURAL [140]  NS_VAL_PROCEDURAL [12]  NS_DEV_PROCEDURAL [12]  NS_SECONDS [20]  NS_EPOCHS [12]
#   NS_MINUTES [32]  NS_THREADS [2]  NS_SOUNDFONTS [FluidR3_GM,TimGM6mb]  NS_SEED [0]  NS_SKIP_RENDER [0]
#   NS_SKIP_EVAL [0]  NS_CROSS_SOUNDFONT [0]  NS_CROSS_MINUTES [10]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--smoke" ]; then
  : "${NS_WORK:=training/work/smoke}" "${NS_MODEL_OUT:=training/work/smoke/model}"
  : "${NS_TRAIN_SONGS:=3}" "${NS_VAL_SONGS:=1}" "${NS_DEV_SONGS:=1}" "${NS_TRAIN_PROCEDURAL:=1}"
  : "${NS_VAL_PROCEDURAL:=1}" "${NS_DEV_PROCEDURAL:=1}" "${NS_SECONDS:=6}" "${NS_EPOCHS:=1}" "${NS_MINUTES:=5}"
fi
WORK=${NS_WORK:-training/work/run}
OUT=${NS_MODEL_OUT:-models}
PY=.venv/bin/python

bash scripts/python-env.sh
if [ "${NS_SKIP_RENDER:-0}" != 1 ]; then
  rm -rf "$WORK"/train "$WORK"/val "$WORK"/dev
  "$PY" training/render.py --out "$WORK" \
    --train-songs "${NS_TRAIN_SONGS:-360}" --val-songs "${NS_VAL_SONGS:-32}" --dev-songs "${NS_DEV_SONGS:-60}" \
    --train-procedural "${NS_TRAIN_PROCEDURAL:-140}" --val-procedural "${NS_VAL_PROCEDURAL:-12}" \
    --dev-procedural "${NS_DEV_PROCEDURAL:-12}" --seconds "${NS_SECONDS:-20}" \
    --soundfonts "${NS_SOUNDFONTS:-FluidR3_GM,TimGM6mb}" --seed "${NS_SEED:-0}"
fi
# The engine's own DSP (the same code that serves) writes the features: one .nsf per WAV.
for split in train val dev; do training/features.sh "$WORK/$split" "${NS_THREADS:-2}"; done
"$PY" training/train.py --work "$WORK" --out "$OUT" --epochs "${NS_EPOCHS:-12}" --minutes "${NS_MINUTES:-32}" \
  --threads "${NS_THREADS:-2}" --seed "${NS_SEED:-0}" --reproduce "npm run train${1:+ -- $1}"
# Optional: the cross-soundfont experiment (a second model on FluidR3_GM renderings only, scored per soundfont).
if [ "${NS_CROSS_SOUNDFONT:-0}" = 1 ]; then
  "$PY" training/cross_soundfont.py --work "$WORK" --minutes "${NS_CROSS_MINUTES:-10}" --threads "${NS_THREADS:-2}" \
    --export "$WORK/cross"
  # Note level, through the whole engine, for the FluidR3-only model on each soundfont's dev pieces.
  for dir in "$WORK"/cross/dev-*/; do
    sf=$(basename "$dir"); sf=${sf#dev-}
    npx --no-install tsx scripts/eval.ts --audio "$dir/audio" --ref "$dir/ref" \
      --model "$WORK/cross/notescribe-onset-cross.onnx" > "$WORK/cross/eval-$sf.txt" || echo "cross eval on $sf failed" >&2
    echo "cross-soundfont note level, tested on $sf: $(tail -n 1 "$WORK/cross/eval-$sf.txt")"
  done
fi
# Dev window F1 per soundfont and GM program (and the cross-soundfont result, when there is one) into the card.
"$PY" training/evaluate.py --work "$WORK" --card "$OUT/notescribe-onset-v1.card.json"
# Note level on the dev split, through the whole engine (core/transcribe), added to the card as devNoteMetrics.
if [ "${NS_SKIP_EVAL:-0}" != 1 ]; then
  # The model is already exported: a failing evaluation is reported, and the card simply has no note metrics.
  if npx --no-install tsx scripts/eval.ts --audio "$WORK/dev/audio" --ref "$WORK/dev/ref" \
    --model "$OUT/notescribe-onset-v1.onnx" > "$WORK/dev-eval.txt"; then
    "$PY" training/model_card.py "$OUT/notescribe-onset-v1.card.json" "$WORK/dev-eval.txt"
    tail -n 3 "$WORK/dev-eval.txt"
  else
    echo "reproduce: npm run eval failed; the card has no note-level metrics (see $WORK/dev-eval.txt)" >&2
  fi
fi
