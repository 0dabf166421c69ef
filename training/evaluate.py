"""Dev window metrics broken down by soundfont and General MIDI program (from the render manifest), for the trained
checkpoint, merged into the card as devMetrics.windowBySoundfont / windowByProgram.

    python training/evaluate.py --work training/work/run --card models/notescribe-onset-v1.card.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from dataset import load_split
from metrics import window_metrics
from model import OnsetNet
from model_card import render_markdown
from train import predict


def breakdown(work: Path, card: dict) -> dict:
    checkpoint = torch.load(work / f"{card['name']}.pt", weights_only=True)
    model = OnsetNet.from_config(checkpoint['config'])
    model.load_state_dict(checkpoint['state_dict'])
    dev = load_split(work / 'dev', card['labels']['toleranceMs'] / 1000, card['dspParametersHash'])
    probability, velocity = predict(model, dev.windows)
    manifest = {item['name']: item for item in json.loads((work / 'manifest.json').read_text())['items']}
    threshold = card['thresholds']['onset']
    result: dict = {}
    for key, field in (('windowBySoundfont', 'soundfont'), ('windowByProgram', 'program')):
        values = [manifest[name]['render'][field] for name in dev.items]
        groups: dict = {}
        for value in sorted(set(values), key=str):
            mask = np.array([values[i] == value for i in dev.item_of_window], dtype=bool)
            groups[str(value)] = window_metrics(probability[mask], dev.onset[mask], velocity[mask], dev.velocity[mask], threshold)
        result[key] = groups
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path)
    parser.add_argument('--card', required=True, type=Path)
    args = parser.parse_args(argv)
    card = json.loads(args.card.read_text())
    card['devMetrics'].update(breakdown(args.work, card))
    cross = args.work / 'cross-soundfont.json'
    if cross.exists():  # training/cross_soundfont.py: a separate model trained on one soundfont only
        result = json.loads(cross.read_text())
        card['crossSoundfont'] = {'trainSoundfont': result['trainSoundfont'], 'trainWindows': result['trainWindows'],
                                  'epochs': result['epochs'], 'threshold': result['threshold'],
                                  'devF1': {k: v['f1'] for k, v in result['dev'].items()},
                                  'command': 'python training/cross_soundfont.py --work WORK --minutes 10 --export WORK/cross'}
        # Note level through the whole engine (reproduce.sh runs `npm run eval` on each soundfont's dev pieces).
        note_f1 = {}
        for report in sorted((args.work / 'cross').glob('eval-*.txt')):
            lines = report.read_text().strip().splitlines()
            if lines:
                note_f1[report.stem[len('eval-'):]] = round(json.loads(lines[-1])['onset_only']['f1'], 4)
        if note_f1:
            card['crossSoundfont']['devNoteOnsetF1'] = note_f1
    args.card.write_text(json.dumps(card, indent=2) + '\n')
    (args.card.parent / 'MODEL_CARD.md').write_text(render_markdown(card))
    for key in ('windowBySoundfont', 'windowByProgram'):
        print(key, {k: v['f1'] for k, v in card['devMetrics'][key].items()})
    return 0


if __name__ == '__main__':
    sys.exit(main())
