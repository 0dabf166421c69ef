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
    extra = ''
    for key, title in (('windowBySoundfont', 'soundfont'), ('windowByProgram', 'General MIDI program')):
        groups = dev.get(key)
        if groups:
            extra += f"\n| {title} | windows | F1 |\n|---|---|---|\n" + '\n'.join(
                f"| {name} | {m['windows']} | {m['f1']:.3f} |" for name, m in groups.items()) + '\n'
    cross = card.get('crossSoundfont')
    if cross:
        extra += (f"\nCross-soundfont check: a separate model trained on {cross['trainSoundfont']} renderings only "
                  f"({cross['trainWindows']} windows, {cross['epochs']} epochs) scores dev window F1 "
                  + ', '.join(f'{k} {v:.3f}' for k, v in cross['devF1'].items()) + '.\n')
        if cross.get('devNoteOnsetF1'):
            extra += ('Through the whole engine (`npm run eval`, notes, onsets only, mean over files), the same model scores '
                      + ', '.join(f'{k} {v:.3f}' for k, v in cross['devNoteOnsetF1'].items())
                      + f" (trained on {cross['trainSoundfont']} only).\n")
    notes = card.get('devNoteMetrics')
    note_text = (f"""
## Dev metrics (note level, `npm run eval`: the whole engine, mir_eval onset tolerance 50 ms)

| | precision | recall | F1 |
|---|---|---|---|
| onsets only, mean over {notes['files']} files | {notes['onsetOnlyMeanOverFiles']['precision']:.3f} | {notes['onsetOnlyMeanOverFiles']['recall']:.3f} | {notes['onsetOnlyMeanOverFiles']['f1']:.3f} |
| onsets only, pooled over {notes['referenceNotes']} notes | {notes['onsetOnlyPooled']['precision']:.3f} | {notes['onsetOnlyPooled']['recall']:.3f} | {notes['onsetOnlyPooled']['f1']:.3f} |
| with offsets, mean over files | {notes['withOffsetsMeanOverFiles']['precision']:.3f} | {notes['withOffsetsMeanOverFiles']['recall']:.3f} | {notes['withOffsetsMeanOverFiles']['f1']:.3f} |

Reference offsets are the notes as heard: held by the sustain pedal until it lifts or the key is struck again
(the MAESTRO / Onsets and Frames convention; training/midi_io.py `sustained`).
""" if notes else
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
{extra}{note_text}
## Limits

Trained only on synthesised piano (two General MIDI soundfonts); real recordings, other instruments and sustained
pedal textures are out of its training distribution. Pop arrangements dominate the song data; the procedural dev
pieces (dense chords, fast runs, extreme registers) are clearly harder (lower window recall). The model predicts
onsets and velocities only: offsets (and so the "with offsets" note scores) come from core/notes.
{card.get('trainedFor', '')}
## Reproduce

`{card['reproduce']}` (training/reproduce.sh; sizes via NS_* environment variables, see docs/training.md),
{card['training']['epochsRun']} epochs, {card['training']['trainMinutes']} min on {card['training']['cpuThreads']} CPU threads, commit {card['training']['gitCommit']}.
"""


def attach_note_metrics(card: dict, eval_output: str) -> dict:
    """Adds `npm run eval`'s totals (its last JSON line) to the card as `devNoteMetrics`."""
    lines = [line for line in eval_output.splitlines() if line.startswith('{')]
    if not lines:
        raise ValueError('no JSON totals line in the eval output')
    totals = json.loads(lines[-1])
    card['devNoteMetrics'] = {
        'files': totals['files'], 'referenceNotes': totals['reference_notes'], 'estimatedNotes': totals['estimated_notes'],
        'onsetOnlyMeanOverFiles': totals['onset_only'], 'withOffsetsMeanOverFiles': totals['with_offsets'],
        'onsetOnlyPooled': totals['onset_only_pooled'], 'withOffsetsPooled': totals['with_offsets_pooled'],
        'realtimeFactor': totals['realtime_factor'],
        'command': 'npm run eval -- --audio DEV/audio --ref DEV/ref --model models/notescribe-onset-v1.onnx',
    }
    return card


def main(argv: list[str]) -> int:
    """model_card.py CARD [EVAL_OUTPUT]: (re)writes MODEL_CARD.md beside CARD, first adding the note metrics from a
    saved `npm run eval` output if one is given."""
    card_path = Path(argv[0])
    card = json.loads(card_path.read_text())
    if len(argv) > 1:
        card = attach_note_metrics(card, Path(argv[1]).read_text())
        card_path.write_text(json.dumps(card, indent=2) + '\n')
    (card_path.parent / 'MODEL_CARD.md').write_text(render_markdown(card))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
