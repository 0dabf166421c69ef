"""Dev window metrics of onset models, per source and, for the Salamander renders, by room: how each model does on
the windows it is asked about, without the note assembly that `npm run eval` adds.

    .venv/bin/python training/window_report.py models/notescribe-onset-v2.onnx OTHER.onnx ... [--work training/work]

Each model is scored with its own card's threshold and window (`window.framesBefore/After`). "wet" is the items of
the `real` source that `render_real.py` put in a simulated room with a measured RT60 above 0.5 s; "dry" the rest.
Prints one JSON line per model: F1 per source, and F1 / recall / precision for the wet and dry items.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from dataset import load_split
from metrics import window_metrics

SOURCES = ('synth', 'maps', 'real', 'real-sf')
WET_RT60_S = 0.5


def _is_wet(item: dict) -> bool:
    room = (item.get('acoustics') or {}).get('room')
    return bool(room) and room['rt60_measured_s'] > WET_RT60_S


def report(onnx_path: Path, work: Path, threads: int = 2) -> dict:
    card = json.loads(onnx_path.with_name(onnx_path.name.replace('.onnx', '.card.json')).read_text())
    window = (card['window']['framesBefore'], card['window']['framesAfter'])
    threshold = card['thresholds']['onset']
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(onnx_path), options, providers=['CPUExecutionProvider'])
    scores: dict = {'threshold': threshold}
    for source in SOURCES:
        if not (work / source / 'dev' / 'features').is_dir():
            continue
        data = load_split(work / source / 'dev', window=window)
        probability = np.concatenate([
            session.run(['onset_probability'], {'windows': data.windows[i:i + 1024].astype(np.float32)[:, None]})[0]
            for i in range(0, len(data.windows), 1024)])
        scores[source] = window_metrics(probability, data.onset, probability, data.velocity, threshold)['f1']
        manifest_path = work / source / 'manifest.json'
        if source == 'real' and manifest_path.exists():
            items = {item['name']: item for item in json.loads(manifest_path.read_text())['items']}
            wet = np.array([_is_wet(items[data.items[k]]) for k in data.item_of_window])
            for name, mask in (('real wet', wet), ('real dry', ~wet)):
                m = window_metrics(probability[mask], data.onset[mask], probability[mask], data.velocity[mask], threshold)
                scores[name] = {'f1': m['f1'], 'recall': m['recall'], 'precision': m['precision'], 'windows': m['windows']}
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('models', nargs='+', type=Path)
    parser.add_argument('--work', type=Path, default=Path('training/work'))
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    for model in args.models:
        print(json.dumps({'model': str(model), **report(model, args.work, args.threads)}), flush=True)


if __name__ == '__main__':
    main()
