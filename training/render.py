"""Step 1 of the pipeline: choose excerpts (POP909 songs + procedural pieces), render them to 16 kHz mono WAV with
fluidsynth over several piano-like General MIDI programs and two soundfonts, and augment them (EQ, reverb, detune,
noise, level) so the model learns notes rather than one synthesiser's timbre.

Writes, under --out:
  <split>/audio/<name>.wav   the rendered audio (split = train | val | dev)
  <split>/notes/<name>.json  the notes that were rendered: [[pitch, start_s, end_s, velocity], ...] (the labels)
  <split>/ref/<name>.txt     the same notes as a mir_eval note list (`onset offset frequency_hz`) for `npm run eval`
  manifest.json              every item with its source, excerpt, program, soundfont and augmentation
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from midi_io import Note, excerpt, note_list_text, read_midi, sustained, write_midi
from procedural import coverage_piece, generate_piece
from splits import DEV, TRAIN, VALIDATION, split_of

SAMPLE_RATE_HZ = 16_000
SOUNDFONTS = {
    'FluidR3_GM': '/usr/share/sounds/sf2/FluidR3_GM.sf2',
    'TimGM6mb': '/usr/share/sounds/sf2/TimGM6mb.sf2',
}
# General MIDI programs and how often each is drawn: mostly acoustic pianos, some electric, a little harpsichord and
# clavinet (plucked, very different attacks: kept rare so they widen the timbre without dominating it).
PROGRAM_WEIGHTS = {0: 30, 1: 14, 2: 10, 3: 6, 4: 14, 5: 14, 6: 6, 7: 6}
DEFAULT_SONG_DIR = '/work/shared/data/pop909-train'


def choose_rendering(rng: random.Random, soundfonts: list[str]) -> dict:
    """The random synthesis and augmentation settings of one item."""
    programs = list(PROGRAM_WEIGHTS)
    return {
        'program': rng.choices(programs, weights=[PROGRAM_WEIGHTS[p] for p in programs])[0],
        'soundfont': rng.choices(soundfonts, weights=[7 if s == 'FluidR3_GM' else 3 for s in soundfonts])[0],
        'synth_gain': round(rng.uniform(0.3, 0.9), 3),
        'synth_reverb': rng.random() < 0.5,
        'eq': [round(rng.uniform(150, 5000)), round(rng.uniform(0.5, 2.0), 2), round(rng.uniform(-9, 9), 1)]
        if rng.random() < 0.6 else None,
        'reverb': round(rng.uniform(10, 60)) if rng.random() < 0.3 else None,
        'detune_cents': round(rng.uniform(-20, 20)) if rng.random() < 0.3 else 0,
        'noise_snr_db': round(rng.uniform(15, 45), 1) if rng.random() < 0.4 else None,
        'peak_dbfs': round(rng.uniform(-24, -1), 1),
    }


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), 'rb') as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return data.astype(np.float32) / 32768.0


def _write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        w.writeframes(pcm.tobytes())


def render_item(notes: list[Note], pedals, settings: dict, wav_path: Path, seed: int) -> None:
    """Renders notes with fluidsynth, then applies the sox chain (mono, EQ, reverb, detune) and noise and level."""
    with tempfile.TemporaryDirectory(prefix='ns-render-') as tmp:
        midi_path = Path(tmp) / 'in.mid'
        raw_path = Path(tmp) / 'raw.wav'
        sox_path = Path(tmp) / 'sox.wav'
        write_midi(midi_path, notes, pedals, program=settings['program'])
        synth = ['fluidsynth', '-ni', '-q', '-F', str(raw_path), '-r', str(SAMPLE_RATE_HZ), '-g', str(settings['synth_gain']),
                 '-R', '1' if settings['synth_reverb'] else '0', '-C', '0',
                 SOUNDFONTS[settings['soundfont']], str(midi_path)]
        subprocess.run(synth, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        chain = ['remix', '-']
        if settings['eq']:
            chain += ['equalizer', *map(str, settings['eq'][:1]), f"{settings['eq'][1]}q", str(settings['eq'][2])]
        if settings['reverb']:
            chain += ['reverb', str(settings['reverb'])]
        if settings['detune_cents']:
            chain += ['pitch', str(settings['detune_cents'])]
        chain += ['rate', str(SAMPLE_RATE_HZ)]
        subprocess.run(['sox', '-q', str(raw_path), '-b', '16', str(sox_path), *chain], check=True)
        samples = _read_wav(sox_path)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > 0:
        samples = samples / peak
    if settings['noise_snr_db'] is not None:
        rng = np.random.default_rng(seed)
        signal_rms = float(np.sqrt(np.mean(samples ** 2))) or 1e-3
        noise = rng.standard_normal(samples.size).astype(np.float32)
        samples = samples + noise * signal_rms * 10 ** (-settings['noise_snr_db'] / 20)
        samples = samples / max(1e-9, float(np.max(np.abs(samples))))
    _write_wav(wav_path, samples * 10 ** (settings['peak_dbfs'] / 20))


def plan(args: argparse.Namespace) -> list[dict]:
    """Which items to render: per split, the first N songs (in name order) and N procedural pieces."""
    songs = sorted(f for f in os.listdir(args.songs) if f.endswith('.mid'))
    wanted = {TRAIN: args.train_songs, VALIDATION: args.val_songs, DEV: args.dev_songs}
    procedural = {TRAIN: args.train_procedural, VALIDATION: args.val_procedural, DEV: args.dev_procedural}
    soundfonts = args.soundfonts.split(',')
    items: list[dict] = []
    for split in (TRAIN, VALIDATION, DEV):
        chosen = [s for s in songs if split_of(s) == split][: wanted[split]]
        for song in chosen:
            seed = int(song.split('.')[0]) * 7919 + args.seed
            items.append({'name': f'pop{song[:-4]}', 'split': split, 'source': f'{args.songs}/{song}', 'seed': seed})
        base = {TRAIN: 0, VALIDATION: 100_000, DEV: 200_000}[split]
        for i in range(procedural[split]):
            items.append({'name': f'proc{base + i:06d}', 'split': split, 'source': 'procedural', 'seed': base + i + args.seed})
    for item in items:
        rng = random.Random(item['seed'])
        item['render'] = choose_rendering(rng, soundfonts)
    return items


def write_reference(split_dir: Path, name: str, notes: list[Note], pedals: list, seconds: float) -> None:
    """The reference note list for `npm run eval`: onsets as written, offsets as heard (held by the sustain pedal)."""
    (split_dir / 'ref' / f'{name}.txt').write_text(note_list_text(sustained(notes, pedals, seconds)))


def build_item(item: dict, out: Path, seconds: float) -> dict:
    rng = random.Random(item['seed'] + 1)
    if item['source'] == 'procedural':
        seed = item['seed']
        notes = coverage_piece(seed, seconds) if seed % 10 == 0 else generate_piece(seed, seconds)
        pedals: list = []
        item['excerpt_start_s'] = 0.0
    else:
        all_notes, all_pedals = read_midi(item['source'])
        first, last = all_notes[0].start, all_notes[-1].start
        start = round(rng.uniform(first, max(first, last - seconds)), 3)
        notes, pedals = excerpt(all_notes, all_pedals, start, seconds)
        item['excerpt_start_s'] = start
    split_dir = out / item['split']
    wav = split_dir / 'audio' / f"{item['name']}.wav"
    render_item(notes, pedals, item['render'], wav, item['seed'])
    (split_dir / 'notes' / f"{item['name']}.json").write_text(
        json.dumps([[n.pitch, n.start, n.end, n.velocity] for n in notes]))
    write_reference(split_dir, item['name'], notes, pedals, seconds)
    item['note_count'] = len(notes)
    return item


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, type=Path)
    parser.add_argument('--songs', default=DEFAULT_SONG_DIR)
    parser.add_argument('--train-songs', type=int, default=300)
    parser.add_argument('--val-songs', type=int, default=32)
    parser.add_argument('--dev-songs', type=int, default=40)
    parser.add_argument('--train-procedural', type=int, default=120)
    parser.add_argument('--val-procedural', type=int, default=10)
    parser.add_argument('--dev-procedural', type=int, default=10)
    parser.add_argument('--seconds', type=float, default=20.0, help='excerpt length, s')
    parser.add_argument('--soundfonts', default='FluidR3_GM,TimGM6mb')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--jobs', type=int, default=2)
    args = parser.parse_args(argv)
    for tool in ('fluidsynth', 'sox'):
        if shutil.which(tool) is None:
            print(f'render: {tool} is not installed', file=sys.stderr)
            return 2
    items = plan(args)
    for split in (TRAIN, VALIDATION, DEV):
        for sub in ('audio', 'notes', 'ref'):
            (args.out / split / sub).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = list(pool.map(lambda it: build_item(it, args.out, args.seconds), items))
    (args.out / 'manifest.json').write_text(json.dumps({'seconds': args.seconds, 'items': done}, indent=1))
    counts = {s: sum(1 for it in done if it['split'] == s) for s in (TRAIN, VALIDATION, DEV)}
    notes = {s: sum(it['note_count'] for it in done if it['split'] == s) for s in (TRAIN, VALIDATION, DEV)}
    print(f'render: {counts} items, {notes} notes -> {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
