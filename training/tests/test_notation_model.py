"""The notation models' data (training/notation/notation_data.py, hands.py) and tiny training runs of both trainers."""
import json
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest

NOTATION = Path(__file__).resolve().parents[1] / 'notation'
sys.path.append(str(NOTATION))  # after training/ (conftest): train.py exists in both
from notation_data import (BAR_BEATS, FEATURE_COUNT, FRAME_RATE_HZ, IGNORE, Performance, augment, bar_lengths,  # noqa: E402
                     features, read_annotations, split_pieces, targets)
from hands import UNKNOWN, hand_labels, note_features  # noqa: E402

ASAP = Path('/work/shared/data/asap')


def test_annotations_carry_the_time_signature_and_bars_count_their_beats(tmp_path):
    path = tmp_path / 'a.txt'
    path.write_text('0.5\t0.5\tdb,3/4,0\n1.0\t1.0\tb\n1.5\t1.5\tb\n2.0\t2.0\tdb,6/8\n2.6\t2.6\tb\n3.2\t3.2\tdb\n')
    beats, down, compound = read_annotations(str(path))
    assert beats.tolist() == [0.5, 1.0, 1.5, 2.0, 2.6, 3.2]
    assert down.tolist() == [True, False, False, True, False, True]
    assert compound.tolist() == [False, False, False, True, True, True]
    # The last bar has no closing downbeat: its length is unknown.
    assert bar_lengths(down).tolist() == [3, 3, 3, 2, 2, 0]


def test_features_of_one_chord():
    notes = np.array([[0.10, 0.60, 60, 127], [0.105, 0.30, 64, 64]])  # both in frame 5 (20 ms frames)
    x = features(notes, 20)
    assert x.shape == (FEATURE_COUNT, 20)
    assert x[0, 5] == pytest.approx(np.log(3)) and x[0].sum() == pytest.approx(np.log(3))
    assert x[1, 5] == 1.0
    assert x[2 + 0, 5] == 1.0 and x[2 + 4, 5] == pytest.approx(64 / 127)  # chroma C and E
    assert x[14 + 3, 5] == pytest.approx(np.log(3))  # both in the octave band from C4
    assert x[21, 5] == pytest.approx(39 / 87) and x[22, 5] == pytest.approx(43 / 87)
    assert x[23, 5] == pytest.approx(np.log2(0.5) / 4 + 1)
    # Sounding: two notes from frame 5, one until frame 15 (0.30 s), the other until 30 (past the end).
    assert x[24, 4] == 0 and x[24, 5] == pytest.approx(np.log(3)) and x[24, 15] == pytest.approx(np.log(2))


def test_targets_widen_beats_and_label_bars():
    p = Performance('x', np.zeros((0, 4)), np.array([0.2, 0.7, 1.2, 1.7]), np.array([True, False, True, False]),
                    np.array([2, 2, 0, 0]), np.array([False] * 4))
    beat, down, bar, compound = targets(p, 100)
    assert beat[10] == 1 and beat[9] == 0.5 and beat[11] == 0.5 and beat[12] == 0
    assert down[10] == 1 and down[35] == 0 and down[60] == 1
    assert beat[0] == -1 and beat[95] == -1  # outside the annotated span nothing is known
    assert bar[10] == BAR_BEATS.index(2) and bar[59] == BAR_BEATS.index(2) and bar[60] == IGNORE
    assert compound[10] == 0 and compound[5] == IGNORE


def test_augment_scales_beats_with_the_notes_and_unlabels_added_notes():
    rng = np.random.default_rng(1)
    notes = np.array([[t, t + 0.2, 60 + (k % 12), 80, k % 2] for k, t in enumerate(np.arange(0, 20, 0.25))], dtype=float)
    p = Performance('x', notes, np.arange(0, 20, 0.5), np.zeros(40, bool), np.zeros(40, int), np.zeros(40, bool))
    q = augment(p, rng)
    scale = q.beats[1] / p.beats[1]
    assert 1 / 1.15 - 1e-9 <= scale <= 1 / 0.85 + 1e-9
    assert set(np.unique(q.notes[:, 4])) <= {-1.0, 0.0, 1.0}
    assert np.all(np.diff(q.notes[:, 0]) >= 0)


def _write_midi(path, tracks, tempo=500000):
    midi = mido.MidiFile(ticks_per_beat=480)
    for notes in tracks:
        track = mido.MidiTrack()
        track.append(mido.MetaMessage('set_tempo', tempo=tempo, time=0))
        events = sorted([(round(on * 960), 1, p) for p, on, off in notes] + [(round(off * 960), 0, p) for p, on, off in notes])
        last = 0
        for tick, kind, pitch in events:
            track.append(mido.Message('note_on', note=pitch, velocity=80 if kind else 0, time=tick - last))
            last = tick
        midi.tracks.append(track)
    midi.save(path)


def test_hand_labels_follow_the_score_staves_through_the_beats(tmp_path):
    # Score at 120 BPM (beats 0.5 s apart); the performance plays it twice as slowly, with one wrong note.
    piece = tmp_path / 'P'
    piece.mkdir()
    _write_midi(piece / 'midi_score.mid', [[(72, 0.0, 0.5), (74, 0.5, 1.0)], [(48, 0.0, 1.0), (72, 1.0, 1.5)]])
    (piece / 'midi_score_annotations.txt').write_text('0.0\t0.0\tdb,4/4,0\n0.5\t0.5\tb\n1.0\t1.0\tb\n1.5\t1.5\tb\n')
    (piece / 'X_annotations.txt').write_text('0.0\t0.0\tdb,4/4,0\n1.0\t1.0\tb\n2.0\t2.0\tb\n3.0\t3.0\tb\n')
    performed = np.array([[0.0, 1.0, 72, 80], [0.02, 2.0, 48, 80], [1.05, 2.0, 74, 80], [2.0, 3.0, 72, 80], [2.5, 2.6, 90, 80]])
    labels = hand_labels(str(tmp_path), 'P', 'X', performed)
    # The second 72 belongs to the left hand's track; 90 is in neither.
    assert labels.tolist() == [0.0, 1.0, 0.0, 1.0, UNKNOWN]


def test_hand_features_of_a_chord():
    notes = np.array([[0.0, 0.5, 48, 127], [0.01, 0.5, 60, 64], [0.02, 0.5, 72, 64], [3.0, 3.5, 84, 64]])
    x = note_features(notes)
    assert x[5, 0] == pytest.approx(np.log(3)) and x[5, 3] == 0
    assert x[6].tolist()[:3] == [0.0, 0.5, 1.0]
    assert x[7, 2] == pytest.approx(1.0) and x[8, 0] == pytest.approx(1.0)
    assert x[9, 1] == pytest.approx(0.0) and x[9, 3] == 0  # the middle of its neighbourhood; alone


def test_the_dev_pieces_are_the_evaluations_and_never_trained_on():
    if not ASAP.is_dir():
        pytest.skip('ASAP is not here')
    splits = split_pieces(str(ASAP))
    assert not set(splits['dev']) & (set(splits['train']) | set(splits['val']))
    assert len(splits['dev']) == 26  # scripts/eval-notation.ts: "all 26"


@pytest.mark.parametrize('script', ['train.py', 'hands.py'])
def test_a_tiny_training_run_exports_a_working_onnx_and_card(tmp_path, script):
    if not ASAP.is_dir():
        pytest.skip('ASAP is not here')
    # The metre model averages its weights (--ema): validation then scores the average beside the live weights.
    extra = ['--ema', '0.5'] if script == 'train.py' else []
    subprocess.run([sys.executable, str(NOTATION / script), '--limit', '2', '--steps', '2', '--eval-every', '2', '--out', str(tmp_path), *extra],
                   check=True, capture_output=True)
    card_path = next(tmp_path.glob('*.card.json'))
    card = json.loads(card_path.read_text())
    assert card['metrics']['dev']['performances'] == 2
    import onnxruntime as ort
    session = ort.InferenceSession(str(tmp_path / card['onnx']))
    n = 300
    out = session.run(None, {card['input']['name']: np.zeros((1, card['input']['featureCount'], n), np.float32)})[0]
    assert out.shape[-1] == n
    if script == 'train.py':
        assert card['input']['frameRateHz'] == FRAME_RATE_HZ and out.shape == (1, 6, n)
        assert set(card['history'][-1]['ema']) >= {'beatF', 'downbeatF', 'metreAccuracy'}
