import numpy as np

from labels import SPECTROGRAM_FLOOR, build_labels, cut_windows


def test_each_note_goes_to_the_nearest_onset_within_tolerance():
    # onsets at 0.10 s, 0.14 s and 1.00 s (100 frames per second)
    onsets = [10, 14, 100]
    notes = [
        (60, 0.11, 0.5, 100),   # nearest 0.10 s → window 0, key 39
        (64, 0.135, 0.5, 64),   # nearest 0.14 s → window 1, key 43
        (21, 0.98, 1.5, 127),   # A0, 20 ms early → window 2, key 0
        (108, 0.50, 0.6, 50),   # C8, 360 ms from any onset → missed
        (20, 0.10, 0.2, 90),    # below A0: not a piano key, not counted
    ]
    labels = build_labels(onsets, notes, frame_rate_hz=100.0, tolerance_s=0.05)
    assert labels.onset.shape == (3, 88)
    assert [tuple(np.flatnonzero(row)) for row in labels.onset] == [(39,), (43,), (0,)]
    assert labels.velocity[0, 39] == np.float32(100 / 127)
    assert labels.velocity[1, 43] == np.float32(64 / 127)
    assert labels.velocity[2, 0] == np.float32(1.0)
    assert labels.velocity.sum() == np.float32(100 / 127) + np.float32(64 / 127) + np.float32(1.0)
    assert (labels.matched_notes, labels.total_notes) == (3, 4)
    np.testing.assert_allclose(labels.offsets_s, [0.01, -0.005, -0.02], atol=1e-6)


def test_a_tie_goes_to_the_earlier_onset_and_the_louder_velocity_wins():
    labels = build_labels([10, 20], [(60, 0.15, 0.3, 40), (60, 0.15, 0.3, 90)], frame_rate_hz=100.0, tolerance_s=0.05)
    assert labels.onset[:, 39].tolist() == [1, 0]
    assert labels.velocity[0, 39] == np.float32(90 / 127)


def test_no_onsets_means_every_note_is_missed():
    labels = build_labels([], [(60, 0.1, 0.2, 80)])
    assert labels.onset.shape == (0, 88)
    assert (labels.matched_notes, labels.total_notes) == (0, 1)


def test_windows_span_four_frames_before_to_eight_after_and_pad_with_silence():
    spectrogram = np.arange(20 * 3, dtype=np.float32).reshape(20, 3)  # frame f, bin b = 3f + b
    windows = cut_windows(spectrogram, [0, 10, 19])
    assert windows.shape == (3, 13, 3)
    assert windows[1, :, 0].tolist() == [3.0 * f for f in range(6, 19)]
    assert windows[0, :4].tolist() == [[float(np.float32(SPECTROGRAM_FLOOR))] * 3] * 4
    assert windows[0, 4].tolist() == [0.0, 1.0, 2.0]
    assert windows[2, 4].tolist() == [57.0, 58.0, 59.0]
    assert windows[2, 5:].tolist() == [[float(np.float32(SPECTROGRAM_FLOOR))] * 3] * 8


def test_sustained_offsets_follow_the_pedal_and_stop_at_a_restrike():
    from midi_io import Note, Pedal, sustained

    notes = [Note(60, 0.0, 0.5, 80), Note(64, 0.2, 0.4, 80), Note(60, 1.5, 1.8, 80), Note(67, 3.0, 3.2, 80)]
    pedals = [Pedal(0.1, 127), Pedal(2.0, 0), Pedal(2.9, 100)]
    heard = {(n.pitch, n.start): n.end for n in sustained(notes, pedals, end=4.0)}
    assert heard[(60, 0.0)] == 1.5   # held by the pedal until the same key is struck again
    assert heard[(64, 0.2)] == 2.0   # held until the pedal is lifted
    assert heard[(60, 1.5)] == 2.0
    assert heard[(67, 3.0)] == 4.0   # pedal never lifted: held to the end of the excerpt
    assert sustained([Note(60, 0.0, 0.5, 80)], [])[0].end == 0.5  # no pedal, no change
