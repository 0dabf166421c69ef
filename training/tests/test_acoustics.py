"""The acoustics chain: rooms with the RT60 asked for, onsets that stay put, SNR as asked, noise colours, codecs
re-aligned to the sample, and every choice reproducible from its seed and JSON-able."""
import json
import shutil

import numpy as np
import pytest

import acoustics

RATE = acoustics.SAMPLE_RATE_HZ


def _clicks(seconds: float = 3.0, every: float = 0.5, seed: int = 0) -> np.ndarray:
    """Decaying tone bursts (piano-like onsets) at known sample positions, plus a little noise."""
    rng = np.random.default_rng(seed)
    x = np.zeros(round(seconds * RATE), dtype=np.float32)
    t = np.arange(round(0.3 * RATE)) / RATE
    for k, start in enumerate(range(round(0.1 * RATE), x.size - t.size, round(every * RATE))):
        x[start:start + t.size] += np.sin(2 * np.pi * (220 + 110 * k) * t) * np.exp(-t / 0.08)
    return x + 0.001 * rng.standard_normal(x.size).astype(np.float32)


@pytest.fixture(scope='module')
def rooms():
    rng = np.random.default_rng(3)
    return {rt60: acoustics.RirBank.simulate(rng, rt60) for rt60 in (0.3, 1.2)}


def test_simulated_rooms_have_roughly_the_rt60_asked_for(rooms):
    import pyroomacoustics as pra
    for rt60, (ir, room) in rooms.items():
        measured = pra.experimental.measure_rt60(ir, fs=RATE, decay_db=30)
        assert 0.6 * rt60 < measured < 1.6 * rt60, (rt60, measured, room)
        assert ir[0] == 1.0 and np.argmax(np.abs(ir)) == 0  # starts at its direct sound
        json.dumps(room)
    assert rooms[1.2][1]['rt60_measured_s'] > 2 * rooms[0.3][1]['rt60_measured_s']


def test_room_keeps_the_onsets_in_place(rooms):
    x = np.zeros(RATE, dtype=np.float32)
    x[[4000, 9000]] = 1.0
    for ir, _ in rooms.values():
        y = acoustics.apply_room(x, ir, wet_db=0.0)
        assert y.size == x.size
        assert np.abs(y[:4000]).max() < 1e-6                # nothing before the first click
        assert abs(y[4000] - 1.0) < 1e-6                    # the direct sound where the click was
    dry = acoustics.apply_room(x, rooms[1.2][0], wet_db=-12.0)
    wet = acoustics.apply_room(x, rooms[1.2][0], wet_db=0.0)
    assert abs(np.sum(wet[4100:9000] ** 2) / np.sum(dry[4100:9000] ** 2) - 10 ** 1.2) < 0.01  # -12 dB on the reverberation
    assert abs(dry[4000] - 1.0) < 1e-6  # not on the direct sound


def test_rir_bank_is_cached_and_reproducible(tmp_path):
    first = acoustics.RirBank.load_or_build(2, 7, tmp_path)
    assert (tmp_path / 'rirs-2-7.npz').exists()
    again = acoustics.RirBank.load_or_build(2, 7, tmp_path)
    assert again.rooms == first.rooms and all(np.array_equal(a, b) for a, b in zip(first.irs, again.irs))
    assert first.rooms[0]['rt60_target_s'] < first.rooms[1]['rt60_target_s']  # spread over the range


def test_microphone_response_and_zero_phase():
    spec = {'tilt_db_per_octave': -1.0, 'low_cut_hz': 100.0, 'high_cut_hz': 4000.0, 'bands': [[1000.0, 6.0, 1.0]]}
    f = np.array([30.0, 1000.0, 2000.0, 7000.0])
    db = 20 * np.log10(acoustics.mic_response(spec, f))
    assert db[0] < -9                              # below the low cut
    assert abs(db[1] - 6.0) < 0.2                  # the band at 1 kHz, no tilt there
    assert abs(db[2] - (-1.0 - 3.01 * 0)) < 1.5    # one octave up: the tilt, the band's skirt, the cut's start
    assert db[3] < -9                              # above the high cut
    x = _clicks()
    y = acoustics.apply_mic(x, spec)
    assert y.size == x.size and acoustics.best_lag(x, y) == 0
    tone = np.sin(2 * np.pi * 1000.0 * np.arange(RATE) / RATE).astype(np.float32)
    assert abs(20 * np.log10(np.std(acoustics.apply_mic(tone, spec)) / np.std(tone)) - db[1]) < 0.1


@pytest.mark.parametrize('kind', acoustics.NOISE_KINDS)
@pytest.mark.parametrize('snr_db', [10.0, 25.0, 40.0])
def test_noise_is_added_at_the_snr_asked_for(kind, snr_db):
    x = _clicks()
    y = acoustics.add_noise(x, {'kind': kind, 'snr_db': snr_db, 'seed': 1, 'hum_hz': 60.0})
    measured = 10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.sum((y - x).astype(np.float64) ** 2))
    assert abs(measured - snr_db) < 0.05


def test_noise_colours():
    n = 16 * RATE

    def band_density(x, low, high):
        p = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(x.size, 1 / RATE)
        return float(np.mean(p[(f >= low) & (f < high)]))

    rng = np.random.default_rng(0)
    # Power density four octaves apart (250-500 Hz vs 4-8 kHz): white 0 dB, pink -12 dB, brown -24 dB.
    for kind, expected in (('white', 0.0), ('pink', -12.0), ('brown', -24.0)):
        x = acoustics.noise(kind, n, rng)
        assert abs(np.sqrt(np.mean(x.astype(np.float64) ** 2)) - 1) < 1e-3
        ratio = 10 * np.log10(band_density(x, 4000, 7900) / band_density(x, 250, 500))
        assert abs(ratio - expected) < 1.5, (kind, ratio)
    hum = acoustics.noise('hum', n, rng, hum_hz=50.0)
    f = np.fft.rfftfreq(n, 1 / RATE)
    assert abs(f[np.argmax(np.abs(np.fft.rfft(hum)))] - 50.0) < 0.5


def test_best_lag_finds_a_known_shift():
    x = _clicks()
    assert acoustics.best_lag(x, np.concatenate([np.zeros(123, np.float32), x])) == 123
    assert acoustics.best_lag(x, x[77:]) == -77


@pytest.mark.skipif(shutil.which('ffmpeg') is None, reason='ffmpeg is not installed')
@pytest.mark.parametrize('codec,kbps', [('mp3', 64), ('mp3', 192), ('aac', 96), ('opus', 32)])
def test_codec_round_trip_is_sample_aligned(codec, kbps):
    x = acoustics.set_peak(_clicks(), -3.0)
    y, lag = acoustics.codec_round_trip(x, codec, kbps)
    assert y.size == x.size and abs(lag) <= acoustics.MAX_CODEC_LAG
    assert acoustics.best_lag(x, y) == 0            # exactly aligned after compensation
    assert np.corrcoef(x, y)[0, 1] > 0.9            # and still the same signal
    # Onsets where they were: the first burst starts at 0.1 s to the sample (within the codec's pre-echo).
    onset = int(np.argmax(np.abs(y) > 0.1 * np.abs(y).max()))
    assert abs(onset - round(0.1 * RATE)) <= 16


def test_chain_is_reproducible_and_json_able(tmp_path):
    bank = acoustics.RirBank.load_or_build(2, 7, tmp_path)
    x = _clicks()
    for seed in range(6):
        chain = acoustics.draw_chain(np.random.default_rng(seed), bank)
        assert chain == acoustics.draw_chain(np.random.default_rng(seed), bank)
        assert json.loads(json.dumps(chain)) == chain
        y = acoustics.apply_chain(x, dict(chain, codec=None), bank)
        assert np.array_equal(y, acoustics.apply_chain(x, dict(chain, codec=None), bank))
        assert y.size == x.size and np.abs(y).max() <= 0.99
        assert abs(20 * np.log10(np.abs(y).max()) - chain['peak_dbfs']) < 0.01
    kinds = [acoustics.draw_chain(np.random.default_rng(s), bank) for s in range(200)]
    assert 0.6 < np.mean([c['room'] is not None for c in kinds]) < 0.9
    assert {c['noise']['kind'] for c in kinds if c['noise']} == set(acoustics.NOISE_KINDS)
    assert {c['codec']['codec'] for c in kinds if c['codec']} == set(acoustics.CODECS)
    rt60s = [c['room']['rt60_target_s'] for c in kinds if c['room']]
    assert all(acoustics.RT60_RANGE_S[0] <= r <= acoustics.RT60_RANGE_S[1] for r in rt60s)
    snrs = [c['noise']['snr_db'] for c in kinds if c['noise']]
    assert min(snrs) >= 10 and max(snrs) <= 40


def test_set_peak():
    y = acoustics.set_peak(_clicks(), -12.0)
    assert abs(np.abs(y).max() - 10 ** (-12 / 20)) < 1e-6
