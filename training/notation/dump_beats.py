"""Writes one split's performances (notes and annotated beats) as JSON for scripts/eval-notation-beats.ts, which
scores the engine's beat trackers (rules and model) on them: `python training/notation/dump_beats.py --split val
--out .cache/notation-beats/val.json` (val: the evaluation's tuning pieces; tune there, never on dev)."""
import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parent))  # a script sees its folder first anyway; imported (tests), it must not shadow training/ modules
from notation_data import DEFAULT_ASAP_DIR, augment, load_split, split_pieces  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--asap', default=DEFAULT_ASAP_DIR)
    ap.add_argument('--split', choices=['train', 'val', 'dev'], default='val')
    ap.add_argument('--out', required=True)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--augment', type=int, default=0, help='write this many transcription-like copies of each performance instead (the trainer\'s augmentation: dropped, added, shifted notes, tempo)')
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    perfs = load_split(args.asap, split_pieces(args.asap)[args.split], args.limit)
    if args.augment > 0:
        # The model has seen the training performances themselves: damaged copies read more like unseen music.
        rng = np.random.default_rng(args.seed)
        perfs = [augment(p, rng) for p in perfs for _ in range(args.augment)]
    rows = []
    for p in perfs:
        known = p.bar_beats > 0
        rows.append({
            'name': p.name,
            'notes': [{'onsetSeconds': a, 'offsetSeconds': b, 'pitch': int(c), 'velocity': int(d)} for a, b, c, d in p.notes[:, :4]],
            'beats': p.beats.tolist(),
            'downbeats': p.beats[p.downbeat].tolist(),
            'barBeats': int(np.bincount(p.bar_beats[known]).argmax()) if known.any() else 0,
            'compound': bool(p.compound.mean() > 0.5),
        })
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(rows, f)
    print(json.dumps({'performances': len(rows)}))


if __name__ == '__main__':
    main()
