"""The cross-soundfont experiment: train on items rendered with one soundfont only, then score dev windows per
soundfont. The gap between the two dev scores is how much the model leans on one synthesiser's timbre.

    python training/cross_soundfont.py --work training/work/run --train-soundfont FluidR3_GM --minutes 10
Writes WORK/cross-soundfont.json. Reuses the rendered items (the run draws soundfonts at random per item).
With --export DIR it also writes the model (ONNX + card) and, per soundfont, a folder of links to the dev audio and
reference note lists, so the note-level check runs through the whole engine:

    npm run eval -- --audio DIR/dev-TimGM6mb/audio --ref DIR/dev-TimGM6mb/ref --model DIR/notescribe-onset-cross.onnx
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from dataset import SplitData, load_split
from metrics import best_threshold, window_metrics
from model import OnsetNet
from train import export_onnx, predict, train


def subset(data: SplitData, keep_items: set[str]) -> SplitData:
    mask = np.array([data.items[i] in keep_items for i in data.item_of_window], dtype=bool)
    return SplitData(windows=data.windows[mask], onset=data.onset[mask], velocity=data.velocity[mask], shift=data.shift[mask],
                     item_of_window=data.item_of_window[mask], items=data.items, header=data.header)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path)
    parser.add_argument('--train-soundfont', default='FluidR3_GM')
    parser.add_argument('--minutes', type=float, default=10.0)
    parser.add_argument('--epochs', type=int, default=6)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--export', type=Path, help='also write the model and per-soundfont dev folders here')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    manifest = json.loads((args.work / 'manifest.json').read_text())['items']
    soundfont_of = {item['name']: item['render']['soundfont'] for item in manifest}
    mine = {name for name, sf in soundfont_of.items() if sf == args.train_soundfont}
    train_data = load_split(args.work / 'train')
    dsp_hash = train_data.header['dspParametersHash']
    train_data = subset(train_data, mine)
    val = subset(load_split(args.work / 'val', expected_dsp_hash=dsp_hash), mine)
    dev = load_split(args.work / 'dev', expected_dsp_hash=dsp_hash)
    print(f'cross-soundfont: {len(train_data.windows)} train windows ({args.train_soundfont} only)', flush=True)
    model, history = train(OnsetNet(), train_data, val, epochs=args.epochs, minutes=args.minutes, batch=128, lr=3e-3,
                           seed=0, log=lambda s: print(s, flush=True))
    threshold = best_threshold(predict(model, val.windows)[0], val.onset)
    probability, velocity = predict(model, dev.windows)
    result = {'trainSoundfont': args.train_soundfont, 'trainWindows': int(len(train_data.windows)),
              'epochs': len(history), 'threshold': threshold, 'dev': {}}
    for soundfont in sorted(set(soundfont_of[name] for name in dev.items)):
        mask = np.array([soundfont_of[dev.items[i]] == soundfont for i in dev.item_of_window], dtype=bool)
        result['dev'][soundfont] = window_metrics(probability[mask], dev.onset[mask], velocity[mask], dev.velocity[mask], threshold)
    (args.work / 'cross-soundfont.json').write_text(json.dumps(result, indent=2) + '\n')
    if args.export is not None:
        export_for_eval(model, threshold, dsp_hash, args, sorted(set(soundfont_of[name] for name in dev.items)), soundfont_of)
    print(json.dumps({k: v['f1'] for k, v in result['dev'].items()}))
    return 0


def export_for_eval(model: OnsetNet, threshold: float, dsp_hash: str, args: argparse.Namespace,
                    soundfonts: list[str], soundfont_of: dict[str, str]) -> None:
    """The cross model as the engine loads it, and the dev split divided by soundfont for `npm run eval`."""
    name = 'notescribe-onset-cross'
    args.export.mkdir(parents=True, exist_ok=True)
    export_onnx(model, args.export / f'{name}.onnx')
    card = {
        'cardVersion': 1, 'name': name, 'version': '0.0.0',
        'description': f'Cross-soundfont experiment: trained on {args.train_soundfont} renderings only.',
        'onnx': f'{name}.onnx', 'dspParametersHash': dsp_hash,
        'io': {
            'input': {'name': 'windows', 'shape': ['batch', 1, 13, 352]},
            'onsetProbability': {'name': 'onset_probability', 'shape': ['batch', 88]},
            'velocity': {'name': 'velocity', 'shape': ['batch', 88]},
        },
        'thresholds': {'onset': threshold},
    }
    (args.export / f'{name}.card.json').write_text(json.dumps(card, indent=2) + '\n')
    dev_dir = args.work / 'dev'
    for soundfont in soundfonts:
        for kind, suffix in (('audio', '.wav'), ('ref', '.txt')):
            target = args.export / f'dev-{soundfont}' / kind
            target.mkdir(parents=True, exist_ok=True)
            for source in sorted((dev_dir / kind).glob(f'*{suffix}')):
                if soundfont_of.get(source.stem) == soundfont and not (target / source.name).exists():
                    (target / source.name).symlink_to(source.resolve())


if __name__ == '__main__':
    sys.exit(main())
