"""window_report scores each model with its own card (threshold, window) per source and splits the Salamander
renders' windows by room."""
import json

import numpy as np
import torch

import window_report
from dataset import SplitData
from model import KEY_COUNT, OnsetNet
from train import export_onnx, predict


def test_scores_per_source_with_the_cards_threshold_and_splits_the_real_windows_by_room(tmp_path, monkeypatch):
    torch.manual_seed(0)
    model = OnsetNet(width=8, dilations=(1, 2))
    export_onnx(model, tmp_path / 'm.onnx')
    card = {'window': {'framesBefore': 4, 'framesAfter': 8}, 'thresholds': {'onset': 0.5}}
    (tmp_path / 'm.card.json').write_text(json.dumps(card))
    windows = np.random.default_rng(0).random((40, 13, 352)).astype(np.float16)
    probability, _ = predict(model, windows)
    truth = (probability >= np.quantile(probability, 0.9)).astype(np.uint8)
    zeros = np.zeros((40, KEY_COUNT), np.float32)
    data = SplitData(windows=windows, onset=truth, velocity=zeros, shift=zeros,
                     item_of_window=np.repeat(np.arange(2), 20), items=['wet-item', 'dry-item'])
    seen = []

    def fake_load_split(path, window):
        seen.append((path.parent.name, window))
        return data

    monkeypatch.setattr(window_report, 'load_split', fake_load_split)
    for source in window_report.SOURCES:
        (tmp_path / 'work' / source / 'dev' / 'features').mkdir(parents=True)
    room = {'rt60_measured_s': 1.2}
    (tmp_path / 'work' / 'real' / 'manifest.json').write_text(json.dumps({'items': [
        {'name': 'wet-item', 'acoustics': {'room': room}}, {'name': 'dry-item', 'acoustics': None}]}))
    scores = window_report.report(tmp_path / 'm.onnx', tmp_path / 'work', threads=1)
    assert [name for name, _ in seen] == list(window_report.SOURCES) and {w for _, w in seen} == {(4, 8)}
    expected = window_report.window_metrics(probability, truth, probability, zeros, 0.5)['f1']
    assert abs(scores['synth'] - expected) < 1e-3
    assert scores['real wet']['windows'] == scores['real dry']['windows'] == 20
    assert scores['threshold'] == 0.5
