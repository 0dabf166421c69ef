"""The Salamander renderer on a tiny fake sample bank of sine tones written here (named and laid out like the npm
packages, so build_bank's parsing and ffmpeg decoding run as for the real samples); the real bank only if cached."""
import wave
from pathlib import Path

import numpy as np
import pytest

import salamander
from midi_io import Note, Pedal

RATE = salamander.SAMPLE_RATE_HZ
FAKE_KEYS = (57, 60, 63)                       # A3, C4, D#4: a minor third apart, as in Salamander
FAKE_LAYER_LEVELS = {1: 0.1, 2: 0.3, 3: 0.9}   # three velocity layers, louder upwards
RELEASE_HZ = 3000.0                            # the fake release samples are a 3 kHz burst: easy to find
LEAD_SILENCE_S = 0.02
NAMES = {57: 'A3', 60: 'C4', 63: 'D#4'}


def _hz(pitch: float) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)


def _write(path: Path, samples: np.ndarray, rate: int) -> None:
    """A 16-bit WAV under an .ogg name: ffmpeg probes the content, as for the real OGG files."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())


def make_fake_packages(root: Path, seconds: float = 3.0, rate: int = 48_000) -> Path:
    """packages/piano-velocityN/audio/<Key>vN.ogg: constant sines (after LEAD_SILENCE_S of silence) at the key's
    frequency; packages/piano-release/audio/relK.ogg: 0.2 s bursts at RELEASE_HZ."""
    t = np.arange(round(seconds * rate)) / rate
    for layer, level in FAKE_LAYER_LEVELS.items():
        for key in FAKE_KEYS:
            tone = level * np.sin(2 * np.pi * _hz(key) * t)
            tone[t < LEAD_SILENCE_S] = 0
            _write(root / f'piano-velocity{layer}' / 'audio' / f'{NAMES[key]}v{layer}.ogg', tone, rate)
    burst_t = t[: round(0.2 * rate)]
    for key in range(55, 66):
        _write(root / 'piano-release' / 'audio' / f'rel{key - 20}.ogg', 0.5 * np.sin(2 * np.pi * RELEASE_HZ * burst_t), rate)
    return root


def make_fake_cache(root: Path) -> Path:
    """A cache directory as salamander.load_bank expects it (cache/bank/bank.npy + bank.json), from fake samples."""
    salamander.build_bank(make_fake_packages(root / 'packages'), root / 'bank')
    return root


@pytest.fixture(scope='module')
def bank(tmp_path_factory):
    return salamander.SampleBank.load(make_fake_cache(tmp_path_factory.mktemp('salamander')) / 'bank')


def _peak_hz(x: np.ndarray) -> float:
    """Frequency of the strongest FFT bin, refined by parabolic interpolation."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    k = int(np.argmax(spectrum[1:-1])) + 1
    a, b, c = np.log(spectrum[k - 1:k + 2] + 1e-12)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * RATE / x.size


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def _release_part(bank, notes, pedals, seconds):
    """What the release samples add: the rendering minus the same without them (the rest is identical)."""
    silent = {**salamander.DEFAULT_SETTINGS, 'release_gain_db': -300.0}
    return (salamander.render_notes(notes, pedals, seconds, bank=bank, settings=salamander.DEFAULT_SETTINGS)
            - salamander.render_notes(notes, pedals, seconds, bank=bank, settings=silent))


def _starts(part: np.ndarray) -> list[float]:
    """Where release samples begin, in seconds (rising edges of a non-zero stretch)."""
    active = np.abs(part) > 1e-6
    edges = np.flatnonzero(active[1:] & ~active[:-1]) + 1
    return [round(e / RATE, 2) for e in ([0] if active[0] else []) + list(edges)
            if not active[max(0, e - 400):e].any()]


def test_file_names_parse_to_pitch_and_layer():
    assert salamander.note_file_pitch('A0v1.ogg') == (21, 1)
    assert salamander.note_file_pitch('C8v16.ogg') == (108, 16)
    assert salamander.note_file_pitch('D#4v3.ogg') == (63, 3)
    assert salamander.note_file_pitch('F#1v12.ogg') == (30, 12)
    assert salamander.note_file_pitch('rel3.ogg') is None


def test_bank_is_resampled_to_16k_and_trimmed_to_the_attack(bank):
    assert bank.rate == RATE
    assert bank.layer_numbers == [1, 2, 3]
    assert sorted(bank.layers[2]) == list(FAKE_KEYS)
    assert sorted(bank.releases) == list(range(55, 66))
    sample = np.asarray(bank.layers[3][60], dtype=np.float32)
    attack = int(np.argmax(np.abs(sample) > 0.02 * np.abs(sample).max()))
    # 20 ms of leading silence cut: the attack now 1 ms (16 samples) in, give or take the resampler's ramp.
    assert abs(attack - round(salamander.ATTACK_LEAD_S * RATE)) <= 3
    assert abs(sample.size - (3.0 - LEAD_SILENCE_S) * RATE) < 0.01 * RATE
    assert abs(_peak_hz(sample[:RATE]) - _hz(60)) < 0.5


@pytest.mark.parametrize('pitch', [58, 59, 60, 61, 62, 64])
def test_pitch_is_shifted_from_the_nearest_sampled_key(bank, pitch):
    audio = salamander.render_notes([Note(pitch, 0.0, 1.5, 100)], [], 1.5, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    assert abs(_peak_hz(audio[800:RATE + 800]) / _hz(pitch) - 1) < 0.002  # < 3.5 cents
    assert bank.nearest(2, pitch) == min(FAKE_KEYS, key=lambda k: (abs(k - pitch), k))


def test_tuning_offset_detunes_every_note(bank):
    settings = {**salamander.DEFAULT_SETTINGS, 'tuning_cents': 10.0}
    audio = salamander.render_notes([Note(60, 0.0, 1.5, 100)], [], 1.5, bank=bank, settings=settings)
    assert abs(1200 * np.log2(_peak_hz(audio[800:RATE + 800]) / _hz(60)) - 10.0) < 2.0


def test_velocity_chooses_and_crossfades_layers(bank):
    layers = bank.layer_numbers
    assert salamander.layer_weights(1, layers) == [(1, 1.0)]
    assert salamander.layer_weights(127, layers) == [(3, 1.0)]
    mixed = salamander.layer_weights(32, layers)
    assert [l for l, _ in mixed] == [1, 2] and abs(sum(w for _, w in mixed) - 1) < 1e-9

    def level(velocity):
        audio = salamander.render_notes([Note(60, 0.0, 1.0, velocity)], [], 1.0, bank=bank, settings=salamander.DEFAULT_SETTINGS)
        return _rms(audio[800:8000]) * np.sqrt(2)

    assert abs(level(1) - FAKE_LAYER_LEVELS[1]) < 0.01
    assert abs(level(127) - FAKE_LAYER_LEVELS[3]) < 0.02
    assert FAKE_LAYER_LEVELS[1] < level(32) < FAKE_LAYER_LEVELS[2] < level(96) < FAKE_LAYER_LEVELS[3]


def test_key_release_damps_the_note_and_plays_the_release_sample(bank):
    audio = salamander.render_notes([Note(60, 0.0, 0.5, 100)], [], 2.0, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    tau = salamander.damper_time_constant(60)
    assert _rms(audio[int(0.2 * RATE):int(0.45 * RATE)]) > 0.1
    assert _rms(audio[int((0.5 + 6 * tau) * RATE):]) < 1e-3                # damped to silence
    part = _release_part(bank, [Note(60, 0.0, 0.5, 100)], [], 2.0)
    assert _starts(part) == [0.5]                                         # the damper noise at the key release
    assert abs(_peak_hz(part[int(0.5 * RATE):int(0.7 * RATE)]) - RELEASE_HZ) < 5


def test_sustain_pedal_holds_the_note_until_it_lifts(bank):
    note = [Note(60, 0.0, 0.5, 100)]
    pedals = [Pedal(0.2, 127), Pedal(1.5, 0)]
    held = salamander.render_notes(note, pedals, 2.5, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    assert abs(_rms(held[int(1.0 * RATE):int(1.4 * RATE)]) / _rms(held[int(0.2 * RATE):int(0.45 * RATE)]) - 1) < 0.05
    assert _rms(held[int(2.2 * RATE):]) < 1e-3
    assert _starts(_release_part(bank, note, pedals, 2.5)) == [1.5]  # the dampers fall when the pedal lifts
    # A pedal pressed only after the key is up does not catch the note.
    late = salamander.render_notes(note, [Pedal(0.8, 127)], 2.5, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    unpedalled = salamander.render_notes(note, [], 2.5, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    assert np.array_equal(late, unpedalled) and not np.array_equal(held, unpedalled)


def test_restrike_cuts_the_earlier_note_of_the_key(bank):
    period = 1 / _hz(60)
    again = round(0.5 / period) * period  # in phase with the first strike: two voices would add to twice the level
    notes = [Note(60, 0.0, 1.0, 127), Note(60, again, 1.5, 127)]
    audio = salamander.render_notes(notes, [], 2.5, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    single = salamander.render_notes(notes[:1], [], 2.5, bank=bank, settings=salamander.DEFAULT_SETTINGS)
    window = slice(int(0.7 * RATE), int(0.95 * RATE))
    assert abs(_rms(audio[window]) / _rms(single[window]) - 1) < 0.05
    # The cut note gets no release sample (the damper does not fall); the second gets one at its key release.
    assert _starts(_release_part(bank, notes, [], 2.5)) == [1.5]


def test_output_length_and_determinism(bank):
    notes = [Note(57 + i % 8, 0.1 * i, 0.1 * i + 0.3, 20 + 10 * i) for i in range(10)]
    a = salamander.render_notes(notes, [Pedal(0.0, 100), Pedal(0.6, 0)], 1.25, np.random.default_rng(5), bank)
    b = salamander.render_notes(notes, [Pedal(0.0, 100), Pedal(0.6, 0)], 1.25, np.random.default_rng(5), bank)
    c = salamander.render_notes(notes, [Pedal(0.0, 100), Pedal(0.6, 0)], 1.25, np.random.default_rng(6), bank)
    assert a.dtype == np.float32 and a.size == round(1.25 * RATE)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert salamander.draw_settings(np.random.default_rng(5)) == salamander.draw_settings(np.random.default_rng(5))


@pytest.mark.skipif(not salamander.is_cached(), reason='Salamander samples not downloaded (python training/salamander.py '
                    'fetches them into training/work/cache/salamander); only the fake bank is tested')
def test_the_real_salamander_bank():
    real = salamander.load_bank(download=False)
    assert len(real.layers) == 16 and all(len(keys) == 30 for keys in real.layers.values())
    assert sorted(real.releases) == list(range(21, 109))
    for pitch in (69, 70, 48):  # A4 as sampled, B♭4 shifted up from it, C3 as sampled
        audio = real.rate and salamander.render_notes([Note(pitch, 0.0, 2.0, 80)], [], 2.0, bank=real,
                                                      settings=salamander.DEFAULT_SETTINGS)
        spectrum_peak = _peak_hz(audio[1600:1600 + RATE])
        # The strongest partial of a piano note is the fundamental or a low harmonic of it.
        harmonic = spectrum_peak / _hz(pitch)
        assert abs(harmonic - round(harmonic)) < 0.02 and 1 <= round(harmonic) <= 4, (pitch, spectrum_peak)
    loud = salamander.render_notes([Note(60, 0.0, 1.0, 120)], [], 1.0, bank=real, settings=salamander.DEFAULT_SETTINGS)
    soft = salamander.render_notes([Note(60, 0.0, 1.0, 20)], [], 1.0, bank=real, settings=salamander.DEFAULT_SETTINGS)
    assert _rms(loud) > 3 * _rms(soft)
    onset = int(np.argmax(np.abs(loud) > 0.05 * np.abs(loud).max()))
    assert onset < 0.01 * RATE  # the hammer is heard within 10 ms of the note's start
