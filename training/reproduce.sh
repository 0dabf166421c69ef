#!/usr/bin/env bash
# One command from the shared data to the models: render/lay out every source → features → train the onset model
# (v2) and the release model → export → evaluate each dev source through the whole engine → model cards.
#   npm run train                    the full run (sources and sizes below; hours on 2 CPU cores, resumable):
#                                    stage 1 from the v1 model on NS_SOURCES, stage 2 (the fine-tune) from stage 1 on
#                                    NS_SOURCES + NS_MORE_SOURCES at a lower learning rate (v2.2 is stage 2 of 2.1)
#   npm run train -- --smoke         a tiny end-to-end run (synth + two maps pieces, 1 epoch) into training/work/smoke
# Sources (NS_SOURCES, comma-separated; each is a render-layout directory under NS_WORK):
#   synth    POP909 + procedural pieces through FluidSynth GM soundfonts (training/render.py)
#   maps     maps-synth, six sampled concert pianos, dev = instrument AkPnCGdD (training/maps.py; read in place)
#   real     ASAP + POP909 through the Salamander grand with rooms and codecs (training/render_real.py)
#   real-sf  ASAP + POP909 through Debian piano soundfonts with the same acoustics (training/render_real.py)
#   real-extra, real-sf-extra  more of the same, other excerpts and seeds, acoustics on 85 % of items, train split
#            only (the dev and val pieces are the hash's, as above, and never rendered): stage 2 can add them (tried, not used)
# Sizes and paths are environment variables (defaults in brackets):
#   NS_WORK [training/work]  NS_MODEL_OUT [models]  NS_SOURCES [synth,maps,real,real-sf]
#   NS_TRAIN_SONGS [200]  NS_VAL_SONGS [32]  NS_DEV_SONGS [60]  NS_TRAIN_PROCEDURAL [80]  NS_VAL_PROCEDURAL [12]
#   NS_DEV_PROCEDURAL [12]  NS_SECONDS [20]  NS_MAPS_LIMIT [0 = all]  NS_ASAP_TRAIN [250]  NS_POP_TRAIN [150]
#   NS_EPOCHS [40]  NS_EPOCH_WINDOWS [30000]  NS_VAL_WINDOWS [6000]  NS_MINUTES [per call: 100]  NS_TOTAL_MINUTES [100]
#   NS_INIT [models/notescribe-onset-v1.onnx; "none" trains from random weights]  NS_RESUME [0]
#   NS_RELEASE_MINUTES [14]  NS_RELEASE_EPOCHS [6]  NS_THREADS [2]  NS_SEED [0]  NS_SKIP_RENDER [0]  NS_SKIP_EVAL [0]
#   NS_MORE_SOURCES [none; e.g. real-extra,real-sf-extra]  NS_EXTRA_ASAP [400]  NS_EXTRA_POP [200]  NS_FINETUNE_EPOCHS [40; 0: no
#   stage 2]  NS_FINETUNE_MINUTES [45]  NS_FINETUNE_LR [5e-4]  NS_FINETUNE_FROM [stage 1's checkpoint; a committed
#   checkpoint, e.g. models/notescribe-onset-v2.checkpoint.pt, skips stage 1]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--smoke" ]; then
  : "${NS_WORK:=training/work/smoke}" "${NS_MODEL_OUT:=training/work/smoke/model}" "${NS_SOURCES:=synth,maps}"
  : "${NS_TRAIN_SONGS:=3}" "${NS_VAL_SONGS:=1}" "${NS_DEV_SONGS:=1}" "${NS_TRAIN_PROCEDURAL:=1}"
  : "${NS_VAL_PROCEDURAL:=1}" "${NS_DEV_PROCEDURAL:=1}" "${NS_SECONDS:=6}" "${NS_MAPS_LIMIT:=1}" "${NS_EPOCHS:=1}"
  : "${NS_EPOCH_WINDOWS:=512}" "${NS_VAL_WINDOWS:=512}" "${NS_MINUTES:=3}" "${NS_TOTAL_MINUTES:=3}"
  : "${NS_RELEASE_MINUTES:=1}" "${NS_RELEASE_EPOCHS:=1}" "${NS_MORE_SOURCES=}" "${NS_FINETUNE_EPOCHS:=1}"
  : "${NS_FINETUNE_MINUTES:=2}"
fi
WORK=${NS_WORK:-training/work}
OUT=${NS_MODEL_OUT:-models}
SOURCES=${NS_SOURCES:-synth,maps,real,real-sf}
MORE_SOURCES=${NS_MORE_SOURCES:-}
FINETUNE_EPOCHS=${NS_FINETUNE_EPOCHS:-40}
THREADS=${NS_THREADS:-2}
SEED=${NS_SEED:-0}
INIT=${NS_INIT:-models/notescribe-onset-v1.onnx}
PY=.venv/bin/python
IFS=, read -r -a sources <<< "$SOURCES"
more=()
if [ "$FINETUNE_EPOCHS" != 0 ] && [ -n "$MORE_SOURCES" ]; then IFS=, read -r -a more <<< "$MORE_SOURCES"; fi
dirs=(); for s in "${sources[@]}"; do dirs+=("$WORK/$s"); done
more_dirs=(); for s in "${more[@]}"; do more_dirs+=("$WORK/$s"); done

bash scripts/python-env.sh
if [ "${NS_SKIP_RENDER:-0}" != 1 ]; then
  for source in "${sources[@]}" "${more[@]}"; do
    dir="$WORK/$source"
    rm -rf "$dir"/train "$dir"/val "$dir"/dev
    case "$source" in
      synth) "$PY" training/render.py --out "$dir" \
               --train-songs "${NS_TRAIN_SONGS:-200}" --val-songs "${NS_VAL_SONGS:-32}" --dev-songs "${NS_DEV_SONGS:-60}" \
               --train-procedural "${NS_TRAIN_PROCEDURAL:-80}" --val-procedural "${NS_VAL_PROCEDURAL:-12}" \
               --dev-procedural "${NS_DEV_PROCEDURAL:-12}" --seconds "${NS_SECONDS:-20}" --seed "$SEED" ;;
      maps) "$PY" training/maps.py --out "$dir" --limit "${NS_MAPS_LIMIT:-0}" ;;
      real|real-sf)
        renderer=salamander; seed=$SEED
        if [ "$source" = real-sf ]; then renderer=soundfont; seed=$((SEED + 1)); fi
        "$PY" training/render_real.py --out "$dir" --renderer "$renderer" --seed "$seed" --jobs "$THREADS" \
          --asap-train "${NS_ASAP_TRAIN:-250}" --pop-train "${NS_POP_TRAIN:-150}" --seconds "${NS_SECONDS:-20}" ;;
      real-extra|real-sf-extra)
        renderer=salamander; seed=$((SEED + 10))
        if [ "$source" = real-sf-extra ]; then renderer=soundfont; seed=$((SEED + 11)); fi
        "$PY" training/render_real.py --out "$dir" --renderer "$renderer" --seed "$seed" --jobs "$THREADS" \
          --asap-train "${NS_EXTRA_ASAP:-400}" --pop-train "${NS_EXTRA_POP:-200}" --asap-val 0 --asap-dev 0 \
          --pop-val 0 --pop-dev 0 --acoustics 0.85 --seconds "${NS_SECONDS:-20}" ;;
      *) echo "reproduce: unknown source $source" >&2; exit 2 ;;
    esac
  done
fi
# The engine's own DSP (the same code that serves) writes the features: one .nsf per audio file.
for dir in "${dirs[@]}" "${more_dirs[@]}"; do
  for split in train val dev; do
    if [ -d "$dir/$split/audio" ]; then training/features.sh "$dir/$split" "$THREADS"; fi
  done
done

init_args=(); [ "$INIT" != none ] && init_args=(--init-onnx "$INIT")
resume_args=(); [ "${NS_RESUME:-0}" = 1 ] && resume_args=(--resume)
stage1_checkpoint="$WORK/notescribe-onset-v2.checkpoint.pt"
if [ "$FINETUNE_EPOCHS" = 0 ] || [ -z "${NS_FINETUNE_FROM:-}" ]; then
  # Stage 1 (with no stage 2 it is the released model; else its export goes to $WORK/stage1).
  stage1_out=$OUT
  if [ "$FINETUNE_EPOCHS" != 0 ]; then stage1_out="$WORK/stage1"; fi
  "$PY" training/train.py --work "${dirs[@]}" --out "$stage1_out" --epochs "${NS_EPOCHS:-40}" \
    --epoch-windows "${NS_EPOCH_WINDOWS:-30000}" --val-windows "${NS_VAL_WINDOWS:-6000}" --lr 1.5e-3 \
    --minutes "${NS_MINUTES:-100}" --total-minutes "${NS_TOTAL_MINUTES:-100}" --threads "$THREADS" --seed "$SEED" \
    --checkpoint "$stage1_checkpoint" "${init_args[@]}" "${resume_args[@]}" \
    --reproduce "npm run train${1:+ -- $1}"
fi
if [ "$FINETUNE_EPOCHS" != 0 ]; then
  # Stage 2: a new schedule at a lower peak from stage 1's last epoch, with the extra renders (more rooms).
  "$PY" training/train.py --work "${dirs[@]}" "${more_dirs[@]}" --out "$OUT" --epochs "$FINETUNE_EPOCHS" \
    --epoch-windows "${NS_EPOCH_WINDOWS:-30000}" --val-windows "${NS_VAL_WINDOWS:-6000}" --lr "${NS_FINETUNE_LR:-5e-4}" \
    --minutes "${NS_FINETUNE_MINUTES:-45}" --threads "$THREADS" --seed "$SEED" \
    --checkpoint "$WORK/notescribe-onset-v2.finetune.checkpoint.pt" \
    --init-checkpoint "${NS_FINETUNE_FROM:-$stage1_checkpoint}" --reproduce "npm run train${1:+ -- $1}"
fi
"$PY" training/release.py --work "${dirs[@]}" --out "$OUT" --minutes "${NS_RELEASE_MINUTES:-14}" \
  --epochs "${NS_RELEASE_EPOCHS:-6}" --threads "$THREADS"
"$PY" training/model_card.py --link-release "$OUT/notescribe-onset-v2.card.json" "$OUT/notescribe-release-v1.card.json"

# Note level on each dev source, through the whole engine (core/transcribe), added to the card.
if [ "${NS_SKIP_EVAL:-0}" != 1 ]; then
  specs=()
  for source in "${sources[@]}"; do
    dev="$WORK/$source/dev"
    # The references as the source writes them (maps: key release; the renders: held by the sustain pedal).
    if npx --no-install tsx scripts/eval.ts --audio "$dev/audio" --ref "$dev/ref" \
      --model "$OUT/notescribe-onset-v2.onnx" > "$WORK/$source/dev-eval.txt"; then
      convention=$([ "$source" = maps ] && echo "key release" || echo "held by the sustain pedal")
      specs+=("$source=$WORK/$source/dev-eval.txt:$convention")
      tail -n 1 "$WORK/$source/dev-eval.txt"
    else
      echo "reproduce: npm run eval failed on $dev (see $WORK/$source/dev-eval.txt)" >&2
    fi
  done
  "$PY" training/model_card.py "$OUT/notescribe-onset-v2.card.json" "${specs[@]}"
fi
