"""Real-world recording conditions for rendered training audio: a room, a microphone, background noise, a level and a
lossy codec, each drawn from a seeded generator and described by a JSON-able dict (kept in the render manifest).

All stages take and return float32 mono at 16 kHz of the same length, and keep the notes where they were: the room
is applied relative to its direct sound (the propagation delay to the microphone is removed), the microphone EQ is
zero-phase, and a codec round trip is re-aligned by cross-correlation (encoder delay and priming compensated), so the
labels of the dry rendering stay exact.

    bank = RirBank.load_or_build(count=48, seed=0)
    chain = draw_chain(rng, bank)             # {'room': {...} | None, 'mic': ..., 'noise': ..., 'level': ..., 'codec': ...}
    wet = apply_chain(dry, chain, bank)

Room impulse responses are simulated with pyroomacoustics (random shoebox rooms, source and microphone positions,
RT60 0.2–1.5 s; image sources to order 3 plus ray tracing for the diffuse tail) once, into a cached bank
(`training/work/cache/rir/`): a 1.5 s room takes ~2 s to simulate on one core.
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

SAMPLE_RATE_HZ = 16_000
DEFAULT_RIR_CACHE = Path(__file__).resolve().parent / 'work' / 'cache' / 'rir'
RT60_RANGE_S = (0.2, 1.5)
SNR_RANGE_DB = (10.0, 40.0)
NOISE_KINDS = ('white', 'pink', 'brown', 'hum')
# Codecs as users upload them: encoded at the rate of a typical file (44.1/48 kHz), decoded, resampled back to 16 kHz.
CODECS = {
    'mp3': {'encoder': 'libmp3lame', 'suffix': 'mp3', 'rate': 44_100, 'kbps': (64, 192)},
    'aac': {'encoder': 'aac', 'suffix': 'm4a', 'rate': 44_100, 'kbps': (64, 192)},
    'opus': {'encoder': 'libopus', 'suffix': 'opus', 'rate': 48_000, 'kbps': (24, 128)},
}
# The direct sound of a simulated IR spans pyroomacoustics' fractional-delay filter (81 taps: 40 after the peak);
# the wet/dry balance scales what comes after it.
DIRECT_SAMPLES = 41
MAX_CODEC_LAG = 4096  # samples searched either way when re-aligning a decoded signal (encoder delays are < 3000)
# How often each stage is drawn within an applied chain.
STAGE_PROBABILITY = {'room': 0.75, 'mic': 0.7, 'noise': 0.6, 'codec': 0.5}


class AcousticsError(RuntimeError):
    """A stage could not be applied (e.g. ffmpeg failed)."""


# ---------------------------------------------------------------------------------------------------------------
# Rooms

@dataclass
class RirBank:
    """Simulated impulse responses at 16 kHz, each starting at its direct sound, with the room that made it."""

    irs: list[np.ndarray]
    rooms: list[dict]

    @staticmethod
    def simulate(rng: np.random.Generator, rt60: float, rate: int = SAMPLE_RATE_HZ) -> tuple[np.ndarray, dict]:
        """One random shoebox room with reverberation time ~rt60: its impulse response (direct sound at index 0,
        peak 1) and a description."""
        import pyroomacoustics as pra  # slow to import; only needed when a bank is built

        while True:
            dims = [float(rng.uniform(4, 16)), float(rng.uniform(3, 11)), float(rng.uniform(2.5, 5))]
            try:
                absorption, _ = pra.inverse_sabine(rt60, dims)
            except ValueError:  # the room is too large to be that dry: draw another
                continue
            if 0 < absorption < 1:
                break
        margin = 0.5
        source = [float(rng.uniform(margin, d - margin)) for d in dims[:2]] + [float(rng.uniform(0.8, 1.4))]
        while True:
            mic = [float(rng.uniform(margin, d - margin)) for d in dims[:2]] + [float(rng.uniform(0.8, 2.2))]
            distance = float(np.linalg.norm(np.subtract(mic, source)))
            if 0.5 <= distance <= 8:
                break
        room = pra.ShoeBox(dims, fs=rate, materials=pra.Material(float(absorption)), max_order=3,
                           ray_tracing=True, air_absorption=True)
        room.set_ray_tracing(receiver_radius=0.5, n_rays=5000, energy_thres=1e-5)
        room.add_source(source)
        room.add_microphone(mic)
        room.compute_rir()
        ir = np.asarray(room.rir[0][0], dtype=np.float64)
        direct = int(np.argmax(np.abs(ir)))  # the direct path is the strongest arrival at these distances
        ir = ir[direct:] / ir[direct]
        measured = float(pra.experimental.measure_rt60(ir, fs=rate, decay_db=30))
        return ir.astype(np.float32), {'rt60_target_s': round(rt60, 3), 'rt60_measured_s': round(measured, 3),
                                       'dims_m': [round(d, 2) for d in dims], 'source_m': [round(v, 2) for v in source],
                                       'mic_m': [round(v, 2) for v in mic], 'distance_m': round(distance, 2),
                                       'absorption': round(float(absorption), 4)}

    @classmethod
    def build(cls, count: int, seed: int) -> 'RirBank':
        rng = np.random.default_rng(seed)
        irs, rooms = [], []
        for i in range(count):
            # RT60 spread evenly over the range (jittered), so a small bank still covers dry to very live rooms.
            low, high = RT60_RANGE_S
            rt60 = low + (high - low) * (i + float(rng.uniform(0, 1))) / count
            ir, room = cls.simulate(rng, rt60)
            irs.append(ir)
            rooms.append(room)
        return cls(irs, rooms)

    @classmethod
    def load_or_build(cls, count: int = 48, seed: int = 0, cache: Path = DEFAULT_RIR_CACHE) -> 'RirBank':
        path = cache / f'rirs-{count}-{seed}.npz'
        if path.exists():
            data = np.load(path)
            rooms = json.loads(str(data['rooms']))
            return cls([data[f'ir{i}'] for i in range(len(rooms))], rooms)
        bank = cls.build(count, seed)
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix('.partial.npz')
        np.savez(partial, rooms=json.dumps(bank.rooms), **{f'ir{i}': ir for i, ir in enumerate(bank.irs)})
        partial.rename(path)
        return bank


def apply_room(signal: np.ndarray, ir: np.ndarray, wet_db: float = 0.0) -> np.ndarray:
    """The signal as heard in the room: convolved with an impulse response that starts at its direct sound (so the
    onsets do not move), the reverberant part scaled by wet_db, cut to the input's length."""
    ir = ir.astype(np.float64).copy()
    ir[DIRECT_SAMPLES:] *= 10 ** (wet_db / 20)
    return fftconvolve(signal.astype(np.float64), ir)[:signal.size].astype(np.float32)


# ---------------------------------------------------------------------------------------------------------------
# Microphone colouring

def mic_response(spec: dict, freqs: np.ndarray) -> np.ndarray:
    """The magnitude response of a microphone description at freqs (Hz): a spectral tilt (dB per octave about 1 kHz),
    2nd-order Butterworth-shaped low and high cuts, and peaking bands (Gaussian in log frequency)."""
    f = np.maximum(freqs, 1.0)
    db = spec['tilt_db_per_octave'] * np.log2(f / 1000.0)
    for centre, gain_db, octaves in spec['bands']:
        db = db + gain_db * np.exp(-0.5 * (np.log2(f / centre) / (octaves / 2.355)) ** 2)
    gain = 10 ** (db / 20)
    gain = gain / np.sqrt(1 + (spec['low_cut_hz'] / f) ** 4)
    gain = gain / np.sqrt(1 + (f / spec['high_cut_hz']) ** 4)
    return gain


def apply_mic(signal: np.ndarray, spec: dict, rate: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Zero-phase EQ by the response of mic_response (applied in the frequency domain: no delay)."""
    n = signal.size
    spectrum = np.fft.rfft(signal.astype(np.float64))
    spectrum *= mic_response(spec, np.fft.rfftfreq(n, 1 / rate))
    return np.fft.irfft(spectrum, n).astype(np.float32)


def draw_mic(rng: np.random.Generator) -> dict:
    bands = [[round(float(np.exp(rng.uniform(np.log(200), np.log(6000)))), 1), round(float(rng.uniform(-6, 6)), 1),
              round(float(rng.uniform(0.5, 2.5)), 2)] for _ in range(int(rng.integers(0, 3)))]
    return {'tilt_db_per_octave': round(float(rng.uniform(-2, 1.5)), 2),
            'low_cut_hz': round(float(np.exp(rng.uniform(np.log(20), np.log(180)))), 1),
            'high_cut_hz': round(float(rng.uniform(3500, 8000)), 1),
            'bands': bands}


# ---------------------------------------------------------------------------------------------------------------
# Background noise

def noise(kind: str, n: int, rng: np.random.Generator, rate: int = SAMPLE_RATE_HZ, hum_hz: float = 50.0) -> np.ndarray:
    """Unit-RMS noise: white, pink (power ∝ 1/f), brown (∝ 1/f²) or mains hum (hum_hz and its first harmonics,
    with random amplitudes and phases, plus a little white hiss)."""
    if kind == 'hum':
        t = np.arange(n) / rate
        out = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * hum_hz * k * t + rng.uniform(0, 2 * np.pi))
                  for k in range(1, 8))
        out = out + 0.02 * rng.standard_normal(n)
    else:
        white = rng.standard_normal(n)
        if kind == 'white':
            out = white
        else:
            exponent = {'pink': 0.5, 'brown': 1.0}[kind]  # amplitude ∝ f^-exponent
            spectrum = np.fft.rfft(white)
            f = np.fft.rfftfreq(n, 1 / rate)
            spectrum *= 1.0 / np.maximum(f, 20.0) ** exponent  # flat below 20 Hz: no DC drift
            out = np.fft.irfft(spectrum, n)
    out = np.asarray(out, dtype=np.float64)
    return (out / (np.sqrt(np.mean(out ** 2)) or 1.0)).astype(np.float32)


def add_noise(signal: np.ndarray, spec: dict, rate: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """signal + noise of spec['kind'] at spec['snr_db'] below the signal's RMS (over the whole excerpt)."""
    rng = np.random.default_rng(spec['seed'])
    signal_rms = float(np.sqrt(np.mean(signal.astype(np.float64) ** 2))) or 1e-4
    n = noise(spec['kind'], signal.size, rng, rate, spec.get('hum_hz', 50.0))
    return (signal + n * signal_rms * 10 ** (-spec['snr_db'] / 20)).astype(np.float32)


def draw_noise(rng: np.random.Generator) -> dict:
    kind = str(rng.choice(NOISE_KINDS, p=[0.3, 0.35, 0.2, 0.15]))
    spec = {'kind': kind, 'snr_db': round(float(rng.uniform(*SNR_RANGE_DB)), 1), 'seed': int(rng.integers(2 ** 31))}
    if kind == 'hum':
        spec['hum_hz'] = float(rng.choice([50.0, 60.0]))
    return spec


# ---------------------------------------------------------------------------------------------------------------
# Level and codecs

def set_peak(signal: np.ndarray, peak_dbfs: float) -> np.ndarray:
    peak = float(np.max(np.abs(signal))) if signal.size else 0.0
    return (signal * (10 ** (peak_dbfs / 20) / peak)).astype(np.float32) if peak > 0 else signal.astype(np.float32)


def best_lag(reference: np.ndarray, delayed: np.ndarray, max_lag: int = MAX_CODEC_LAG) -> int:
    """The lag L (samples) that best aligns delayed[i + L] with reference[i], by cross-correlation in ±max_lag."""
    n = min(reference.size, delayed.size)
    size = 1 << int(np.ceil(np.log2(2 * n + 1)))
    corr = np.fft.irfft(np.fft.rfft(delayed[:n], size) * np.conj(np.fft.rfft(reference[:n], size)), size)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    values = np.concatenate([corr[:max_lag + 1], corr[-max_lag:]])
    return int(lags[int(np.argmax(values))])


def codec_round_trip(signal: np.ndarray, codec: str, kbps: int, rate: int = SAMPLE_RATE_HZ) -> tuple[np.ndarray, int]:
    """The signal after encoding with ffmpeg (codec of CODECS at kbps, at the codec's usual rate) and decoding back to
    `rate`, re-aligned sample-exactly to the input (returns the audio and the lag that was removed)."""
    info = CODECS[codec]
    with tempfile.TemporaryDirectory(prefix='ns-codec-') as tmp:
        encoded = Path(tmp) / f'x.{info["suffix"]}'
        encode = ['ffmpeg', '-v', 'error', '-nostdin', '-y', '-f', 'f32le', '-ar', str(rate), '-ac', '1', '-i', '-',
                  '-ar', str(info['rate']), '-c:a', info['encoder'], '-b:a', f'{kbps}k', str(encoded)]
        result = subprocess.run(encode, input=np.ascontiguousarray(signal, dtype=np.float32).tobytes(), capture_output=True)
        if result.returncode != 0:
            raise AcousticsError(f'ffmpeg {codec} encode failed: {result.stderr.decode(errors="replace")[-300:]}')
        result = subprocess.run(['ffmpeg', '-v', 'error', '-nostdin', '-i', str(encoded), '-ac', '1', '-ar', str(rate),
                                 '-f', 'f32le', '-'], capture_output=True)
        if result.returncode != 0:
            raise AcousticsError(f'ffmpeg {codec} decode failed: {result.stderr.decode(errors="replace")[-300:]}')
    decoded = np.frombuffer(result.stdout, dtype=np.float32)
    lag = best_lag(signal, decoded)
    out = np.zeros(signal.size, dtype=np.float32)
    src = decoded[max(0, lag):]
    dst = out[max(0, -lag):]
    k = min(src.size, dst.size)
    dst[:k] = src[:k]
    return out, lag


def draw_codec(rng: np.random.Generator) -> dict:
    codec = str(rng.choice(list(CODECS), p=[0.5, 0.3, 0.2]))
    low, high = CODECS[codec]['kbps']
    return {'codec': codec, 'kbps': int(rng.choice([k for k in (24, 32, 48, 64, 96, 128, 160, 192) if low <= k <= high]))}


# ---------------------------------------------------------------------------------------------------------------
# The chain

def draw_chain(rng: np.random.Generator, bank: RirBank | None) -> dict:
    """One random recording condition (every stage may be None = not applied)."""
    chain: dict = {'room': None, 'mic': None, 'noise': None, 'codec': None}
    if bank is not None and bank.irs and rng.random() < STAGE_PROBABILITY['room']:
        index = int(rng.integers(len(bank.irs)))
        chain['room'] = {'ir': index, 'wet_db': round(float(rng.uniform(-9, 3)), 1), **bank.rooms[index]}
    if rng.random() < STAGE_PROBABILITY['mic']:
        chain['mic'] = draw_mic(rng)
    if rng.random() < STAGE_PROBABILITY['noise']:
        chain['noise'] = draw_noise(rng)
    chain['peak_dbfs'] = round(float(rng.uniform(-24, -1)), 1)
    if rng.random() < STAGE_PROBABILITY['codec']:
        chain['codec'] = draw_codec(rng)
    return chain


def apply_chain(signal: np.ndarray, chain: dict, bank: RirBank | None = None) -> np.ndarray:
    """room → microphone → noise → level → codec, as described by draw_chain; never clips (peak kept ≤ 0.99).
    A codec's measured lag is written back into chain['codec']['lag_samples']."""
    out = signal.astype(np.float32)
    if chain.get('room'):
        if bank is None:
            raise AcousticsError('the chain has a room but no impulse-response bank was given')
        out = apply_room(out, bank.irs[chain['room']['ir']], chain['room']['wet_db'])
    if chain.get('mic'):
        out = apply_mic(out, chain['mic'])
    if chain.get('noise'):
        out = add_noise(out, chain['noise'])
    out = set_peak(out, chain.get('peak_dbfs', -3.0))
    if chain.get('codec'):
        out, lag = codec_round_trip(out, chain['codec']['codec'], chain['codec']['kbps'])
        chain['codec']['lag_samples'] = lag
        peak = float(np.max(np.abs(out))) if out.size else 0.0
        if peak > 0.99:
            out = out * (0.99 / peak)
    return out
