"""models/MODEL_CARD.md: the short human version of the JSON model card, written from it."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def render_markdown(card: dict) -> str:
    data = card['training']['data']
    dev = card['devMetrics']
    window = dev['window']
    rows = '\n'.join(
        f"| {name} | {d['items']} | {d['audioSeconds'] / 60:.1f} | {d['windows']} | {d['notes']} | {d['detectorRecall']:.3f} |"
        for name, d in (('train', data['train']), ('validation', data['validation']), ('dev', data['dev'])))
    by_source = '\n'.join(
        f"| {src} | {m['windows']} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['perOutputAccuracy']:.4f} | "
        f"{m['allKeysCorrect']:.3f} | {m['velocityMaeMidi']:.1f} |"
        for src, m in (('all', window), *dev.get('windowBySource', {}).items()))
    note_level = card.get('devNoteMetrics')
    note_text = (f"\nNote level on the dev split (`npm run eval`): {note_level}\n" if note_level else
                 '\nNote-level scores: run `npm run eval -- --audio training/work/run/dev/audio --ref training/work/run/dev/ref`.\n')
    return f"""# {card['name']} (v{card['version']})

{card['description']}

- Input `windows` float32 [batch, 1, {card['window']['frames']}, {card['window']['bins']}]: spectrogram frames onset−{card['window']['framesBefore']} … onset+{card['window']['framesAfter']}.
- Outputs `onset_probability` and `velocity`, float32 [batch, 88] sigmoids (velocity = MIDI velocity / 127).
- Onset threshold **{card['thresholds']['onset']}** (best window F1 on the validation songs, which are training songs held back; never dev).
- {card['parameters']:,} parameters, {card['flopsPerWindow'] / 1e6:.1f} MFLOPs per window, {card['runtime']['cpuMsPerWindow1Thread']} ms per window in onnxruntime on one CPU thread (batch 64, shared machine).
- DSP parameters hash `{card['dspParametersHash']}`: the engine refuses this model if its features differ.

## Training data

Excerpts of {card['training']['render']['excerptSeconds']} s from POP909 songs plus procedural pieces (all 88 keys, chords of up to 10 notes, fast runs, repeated notes, pp–ff),
rendered by FluidSynth with soundfonts {', '.join(card['training']['render']['soundfonts'])} over General MIDI programs {card['training']['render']['programs']},
augmented with EQ, reverb, detune, noise and level. Songs are split by a fixed hash of the file name (training/splits.py).
Labels: each reference note goes to the nearest detected onset within ±{card['labels']['toleranceMs']:.0f} ms.

| split | items | minutes | windows | notes | detector recall |
|---|---|---|---|---|---|
{rows}

## Dev metrics (window level, threshold {window['threshold']})

| source | windows | precision | recall | F1 | per-output accuracy | all 88 right | velocity MAE (MIDI) |
|---|---|---|---|---|---|---|---|
{by_source}

Recall here is over the notes the onset detector found; the detector's own recall is in the table above.
{note_text}
## Limits

Trained only on synthesised piano (two General MIDI soundfonts); real recordings, other instruments and sustained
pedal textures are out of its training distribution. Pop arrangements dominate the song data.
{card.get('trainedFor', '')}
## Reproduce

`{card['reproduce']}` (training/reproduce.sh; sizes via NS_* environment variables, see docs/training.md),
{card['training']['epochsRun']} epochs, {card['training']['trainMinutes']} min on {card['training']['cpuThreads']} CPU threads, commit {card['training']['gitCommit']}.
"""


def main(argv: list[str]) -> int:
    card_path = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else card_path.parent / 'MODEL_CARD.md'
    out.write_text(render_markdown(json.loads(card_path.read_text())))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
