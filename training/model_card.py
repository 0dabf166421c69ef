"""models/MODEL_CARD.md: the short human version of the JSON model card, written from it."""
from __future__ import annotations

import json
import sys
from pathlib import Path

# What each training source is, its licence, and the offset convention of its references (ref/*.txt).
SOURCE_NOTES = {
    'synth': ('POP909 excerpts and procedural pieces rendered by FluidSynth (FluidR3_GM, TimGM6mb; GM programs 0-7) '
              'with EQ, reverb, detune, noise and level', 'POP909: MIT; soundfonts: MIT / GPL',
              'held by the sustain pedal'),
    'maps': ('maps-synth: classical pieces played on five sampled concert pianos in rooms (the sixth, AkPnCGdD, '
             'is dev)', 'MAPS: CC BY-NC-SA 2.0', 'key release'),
    'real': ('ASAP Disklavier performances and POP909 songs through the Salamander Grand Piano (sample-based, '
             'pedal, release samples) with rooms, microphone colouring, noise and MP3/AAC/Opus round trips',
             'ASAP: CC BY-NC-SA 4.0; Salamander: CC BY 3.0; POP909: MIT', 'held by the sustain pedal'),
    'real-sf': ('ASAP and POP909 through Debian piano soundfonts (FluidR3Mono, csound sf_GMbank, freepats via '
                'timidity) with the same acoustics', 'ASAP: CC BY-NC-SA 4.0; soundfonts: MIT / GPL',
                'held by the sustain pedal'),
    'real-extra': ('more of `real` (other excerpts and seeds, acoustics on 85 % of items; train split only): the '
                   'fine-tune\'s extra rooms', 'ASAP: CC BY-NC-SA 4.0; Salamander: CC BY 3.0; POP909: MIT',
                   'held by the sustain pedal'),
    'real-sf-extra': ('more of `real-sf` likewise (train split only)', 'ASAP: CC BY-NC-SA 4.0; soundfonts: MIT / GPL',
                      'held by the sustain pedal'),
}


def _window_rows(metrics: dict) -> str:
    rows = []
    for source, m in metrics.items():
        timing = m.get('timing', {})
        shift = (f"{timing['meanAbsErrorMs']:.1f} ({timing['bareMeanAbsErrorMs']:.1f})" if timing.get('strikes') else '-')
        rows.append(f"| {source} | {m['windows']} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | "
                    f"{m['allKeysCorrect']:.3f} | {m['velocityMaeMidi']:.1f} | {shift} |")
    return '\n'.join(rows)


def _started_from(initialised_from: str | None) -> str:
    """The card's lineage line: an ONNX model is warm-started (training/warm_start.py), a checkpoint continued."""
    if not initialised_from:
        return ''
    how = 'training/warm_start.py' if initialised_from.endswith('.onnx') else 'train.py --init-checkpoint'
    return f'- Started from {initialised_from} ({how}).'


def render_markdown(card: dict) -> str:
    data = card['training']['data']
    dev = card['devMetrics']
    window = dev['window']
    by_source = data.get('bySource', {})
    split_rows = []
    for split in ('train', 'validation', 'dev'):
        for source, d in (by_source.get(split) or {data[split]['items'] and 'all': data[split]}).items():
            split_rows.append(f"| {split} | {source} | {d['items']} | {d['audioSeconds'] / 60:.1f} | {d['windows']} | "
                              f"{d['notes']} | {d['detectorRecall']:.3f} | {d['medianOnsetOffsetMs']} |")
    sources = card['training'].get('sources', {})
    source_rows = '\n'.join(
        f"| {name} | {SOURCE_NOTES.get(name, ('', '', ''))[0]} | {', '.join(info.get('renderers', []))} | "
        f"{SOURCE_NOTES.get(name, ('', '', ''))[1]} | {SOURCE_NOTES.get(name, ('', '', ''))[2]} |"
        for name, info in sources.items())
    notes = card.get('devNoteMetricsBySource') or {}
    note_rows = '\n'.join(
        f"| {source} | {m['files']} | {m['referenceNotes']} | {m['onsetOnlyMeanOverFiles']['precision']:.3f} | "
        f"{m['onsetOnlyMeanOverFiles']['recall']:.3f} | **{m['onsetOnlyMeanOverFiles']['f1']:.3f}** | "
        f"{m['withOffsetsMeanOverFiles']['f1']:.3f} | {m.get('referenceOffsets', '')} | {m.get('baselineOnsetF1', '')} |"
        for source, m in notes.items())
    note_text = (f"""
## Dev metrics, note level (`npm run eval`: the whole engine, mir_eval, onset tolerance 50 ms; mean over files)

| dev source | files | notes | P | R | onset F1 | F1 with offsets | reference offsets | v1 onset F1 |
|---|---|---|---|---|---|---|---|---|
{note_rows}
""" if notes else '\nNote-level scores: `npm run eval -- --audio WORK/dev/audio --ref WORK/dev/ref` for each source.\n')
    release = card.get('releaseModelSummary')
    release_text = ''
    if release:
        release_text = (f"\nNote ends come from the release model `{release['name']}` ({release['parameters']:,} "
                        f"parameters; card `{release['name']}.card.json`): trained on key releases; on the dev notes "
                        f"that end within its 2.56 s window, the share within mir_eval's offset tolerance is "
                        + ', '.join(f"{k} {v['withinOffsetTolerance']:.3f}" for k, v in release['devMetrics'].items())
                        + '.\n')
    shift = card['io'].get('onsetShift')
    timing = window.get('timing', {})
    return f"""# {card['name']} (v{card['version']})

{card['description']}

- Input `windows` float32 [batch, 1, {card['window']['frames']}, {card['window']['bins']}]: spectrogram frames onset−{card['window']['framesBefore']} … onset+{card['window']['framesAfter']}.
- Outputs `onset_probability` and `velocity`, float32 [batch, 88] sigmoids (velocity = MIDI velocity / 127){'' if not shift else f"; `onset_shift` [batch, 88], seconds (±{shift['range'][1] * 1000:.0f} ms) from the onset frame to where each strike starts"}.
- Onset threshold **{card['thresholds']['onset']}** (best window F1 on the validation splits; never dev).
- {card['parameters']:,} parameters, {card['flopsPerWindow'] / 1e6:.1f} MFLOPs per window, {card['runtime']['cpuMsPerWindow1Thread']} ms per window in onnxruntime on one CPU thread (batch 64, shared machine).
- DSP parameters hash `{card['dspParametersHash']}`: the engine refuses this model if its features differ.
{_started_from(card['training'].get('initialisedFrom'))}
{f"- Changes: {card['changes']}" if card.get('changes') else ''}

## Training data

| source | what | renderers | licence | reference offsets |
|---|---|---|---|---|
{source_rows}

Every source keeps its dev split out of training and tuning: POP909 songs by a fixed hash of the file name
(training/splits.py), ASAP by whole piece, maps-synth by instrument (AkPnCGdD) and composition. Labels: each
reference note goes to the nearest detected onset within ±{card['labels']['toleranceMs']:.0f} ms; the timing output
learns the distance. Feature-level augmentation: {card['training'].get('augmentation', 'none')}.
A model trained on this data inherits the non-commercial terms of MAPS and ASAP (CC BY-NC-SA).

| split | source | items | minutes | windows | notes | detector recall | median onset − frame (ms) |
|---|---|---|---|---|---|---|---|
{chr(10).join(split_rows)}

## Dev metrics, window level (threshold {window['threshold']})

| dev source | windows | precision | recall | F1 | all 88 right | velocity MAE (MIDI) | onset time error, ms (at the frame) |
|---|---|---|---|---|---|---|---|
{_window_rows({'all': window, **dev.get('windowBySource', {})})}

Recall here is over the notes the onset detector found. Onset time error: mean |reported − true| start on the true
strikes with the timing output, and in brackets at the bare onset frame{f" (within 20 ms: {timing['within20Ms']:.3f} vs {timing['bareWithin20Ms']:.3f})" if timing.get('strikes') else ''}.
{note_text}{release_text}
## Limits

Trained on sampled and synthesised pianos (six sampled concert pianos, the Salamander grand, General MIDI
soundfonts) with simulated rooms and codecs; no recording of a real piano in a real room was trained on. It is
small ({card['parameters']:,} parameters) because it was trained on two CPU cores. Offsets: the release model is
trained on key releases, so against references held by the sustain pedal its ends are early by design.
{card.get('trainedFor', '')}
## Reproduce

`{card['reproduce']}` (training/reproduce.sh; sizes via NS_* environment variables, see docs/training.md),
{card['training']['epochsRun']} epochs of {card['training'].get('epochWindows') or 'all'} windows, {card['training']['trainMinutes']} min of training (all resumed calls) on {card['training']['cpuThreads']} CPU threads, commit {card['training']['gitCommit']}.
"""


def note_metrics(eval_output: str) -> dict:
    """`npm run eval`'s totals (its last JSON line) in the card's shape."""
    lines = [line for line in eval_output.splitlines() if line.startswith('{')]
    if not lines:
        raise ValueError('no JSON totals line in the eval output')
    totals = json.loads(lines[-1])
    return {
        'files': totals['files'], 'referenceNotes': totals['reference_notes'], 'estimatedNotes': totals['estimated_notes'],
        'onsetOnlyMeanOverFiles': totals['onset_only'], 'withOffsetsMeanOverFiles': totals['with_offsets'],
        'onsetOnlyPooled': totals['onset_only_pooled'], 'withOffsetsPooled': totals['with_offsets_pooled'],
        'realtimeFactor': totals['realtime_factor'],
        'command': 'npm run eval -- --audio DEV/audio --ref DEV/ref',
    }


def link_release(card_path: Path, release_card_path: Path) -> None:
    """Names the release model in the onset model's card (the engine loads it from beside the onset model) and
    summarises it there."""
    card = json.loads(card_path.read_text())
    release = json.loads(release_card_path.read_text())
    if release_card_path.parent.resolve() != card_path.parent.resolve():
        raise ValueError('the release model must sit beside the onset model')
    card['releaseModel'] = release['onnx']
    card['releaseModelSummary'] = {'name': release['name'], 'parameters': release['parameters'],
                                   'labels': release['labels'], 'devMetrics': release['devMetrics']}
    card_path.write_text(json.dumps(card, indent=2) + '\n')


def main(argv: list[str]) -> int:
    """model_card.py --link-release CARD RELEASE_CARD: names the release model in the onset card.
    model_card.py CARD [SOURCE=EVAL_OUTPUT[:OFFSETS] ...]: (re)writes MODEL_CARD.md beside CARD, first adding the
    note metrics of each dev source from a saved `npm run eval` output (OFFSETS names the references' convention)."""
    if argv and argv[0] == '--link-release':
        link_release(Path(argv[1]), Path(argv[2]))
        argv = argv[1:2]
    card_path = Path(argv[0])
    card = json.loads(card_path.read_text())
    for spec in argv[1:]:
        source, _, rest = spec.partition('=')
        path, _, offsets = rest.partition(':')
        metrics = note_metrics(Path(path).read_text())
        if offsets:
            metrics['referenceOffsets'] = offsets
        card.setdefault('devNoteMetricsBySource', {})[source] = {**card.get('devNoteMetricsBySource', {}).get(source, {}), **metrics}
    if len(argv) > 1:
        card_path.write_text(json.dumps(card, indent=2) + '\n')
    (card_path.parent / 'MODEL_CARD.md').write_text(render_markdown(card))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
