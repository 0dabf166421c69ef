"""Render real performances (ASAP) and POP909 songs through real piano timbres (the Salamander Grand Piano samples, or
Debian's piano soundfonts) and real recording conditions (training/acoustics.py), into the same work layout as
training/render.py, so features, labels and training read it unchanged:

  <out>/<split>/audio/<name>.wav   16-bit 16 kHz mono                      (split = train | val | dev)
  <out>/<split>/notes/<name>.json  [[pitch, start_s, end_s, velocity], ...]  the labels
  <out>/<split>/ref/<name>.txt     mir_eval note list `onset offset frequency_hz` for `npm run eval`
  <out>/manifest.json              every item: source, piece, excerpt start, renderer settings, acoustics chain

Offset convention (the same as render.py):
  notes/*.json ends = KEY RELEASE (the MIDI note-off), cut at the excerpt's end;
  ref/*.txt    ends = the note AS HEARD: held by the sustain pedal until it lifts, cut by a re-strike of the key, never
                      past the excerpt (midi_io.sustained, the MAESTRO / Onsets and Frames convention). The renderers
                      sound each note until exactly that time, then damp it.

Sources and splits:
  (a) ASAP Disklavier performances (`../shared/data/asap/<Composer>/<Work>/<Movement>/<Performer>.mid`; the
      `midi_score.mid` files are scores, not performances, and are skipped). Whole PIECES (the folder) are held out by
      a fixed hash of the piece path (`asap_split_of`): ~15 % dev, ~10 % val, the rest train, so no performance of a
      dev piece is ever trained on. Excerpts are taken round-robin over pieces (one performance of every piece before a
      second of any).
  (b) POP909 songs, split by training/splits.py's hash of the file name (the same songs are dev as in render.py).
Each item is one excerpt of --seconds at a seeded random start; notes already sounding at the start are dropped (their
onsets are not in the audio). The acoustics chain is applied with probability --acoustics; otherwise only the level.

  nice -n 5 .venv/bin/python training/render_real.py --out training/work/real --renderer salamander --jobs 2

Piano soundfonts (--renderer soundfont): Debian's, through fluidsynth or timidity, table at PIANO_SOUNDFONTS. MuseScore's
own soundfonts (its Debian packages and its npm package) are held out for evaluation and must never be added.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

import acoustics
import salamander
from midi_io import Note, Pedal, excerpt, note_list_text, read_midi, sustained, write_midi
from splits import DEV, TRAIN, VALIDATION, split_of

SAMPLE_RATE_HZ = 16_000
DEFAULT_ASAP_DIR = '/work/shared/data/asap'
DEFAULT_SONG_DIR = '/work/shared/data/pop909-train'
SPLITS = (TRAIN, VALIDATION, DEV)

# Piano timbres from Debian packages (--renderer soundfont): name → (engine, file, [(bank, program, preset), ...]).
# Presets read from each file's preset headers (sf2/sf3 `phdr`) and timidity's freepats.cfg. Entries whose file is
# missing are skipped. Similarity to the soundfonts render.py already uses (max of the normalised cross-correlation
# of one rendered C4, 1 = the same recording): FluidR3Mono's grands 0.79-0.87 to FluidR3_GM (it is FluidR3 made
# mono and compressed); sf_GMbank's Piano 1 0.90 to TimGM6mb (shared samples), its bank-127 Acou Piano 3 only 0.41.
#
# | package                  | file                                     | engine     | presets used                          |
# |--------------------------|------------------------------------------|------------|---------------------------------------|
# | fluidr3mono-gm-soundfont | /usr/share/sounds/sf3/FluidR3Mono_GM.sf3 | fluidsynth | 0:0 Yamaha Grand, 0:1 Bright Yamaha   |
# |                          |                                          |            | Grand, 8:0 Mellow Yamaha Grand        |
# | csound-soundfont         | /usr/share/sounds/sf2/sf_GMbank.sf2      | fluidsynth | 0:0 Piano 1, 0:1 Piano 2, 0:2 Piano 3,|
# |                          |                                          |            | 127:2 Acou Piano 3                    |
# | freepats (GUS patches)   | /etc/timidity/freepats.cfg               | timidity   | 0:0 Acoustic Grand, 0:1 Acoustic Brite|
#
# freepats is a GUS patch set that fluidsynth cannot read; TiMidity++ (package `timidity`) renders it, with
# --preserve-silence (otherwise it drops the silence before the first note and every onset moves).
# NEVER add MuseScore's own soundfonts (its Debian soundfont packages under /usr/share/sounds/sf3, its npm package, nor
# the default-GM.sf3 link, which may point at one): they are held out for evaluation (a test checks this table).
PIANO_SOUNDFONTS: dict[str, tuple[str, str, list[tuple[int, int, str]]]] = {
    'FluidR3Mono': ('fluidsynth', '/usr/share/sounds/sf3/FluidR3Mono_GM.sf3',
                    [(0, 0, 'Yamaha Grand Piano'), (0, 1, 'Bright Yamaha Grand'), (8, 0, 'Mellow Yamaha Grand')]),
    'sf_GMbank': ('fluidsynth', '/usr/share/sounds/sf2/sf_GMbank.sf2',
                  [(0, 0, 'Piano 1'), (0, 1, 'Piano 2'), (0, 2, 'Piano 3'), (127, 2, 'Acou Piano 3')]),
    'freepats': ('timidity', '/etc/timidity/freepats.cfg',
                 [(0, 0, 'Acoustic Grand Piano'), (0, 1, 'Acoustic Brite Piano')]),
}
_ENGINES = {'fluidsynth': 'fluidsynth', 'timidity': 'timidity'}


def asap_split_of(piece: str) -> str:
    """'dev' (~15 %), 'val' (~10 %) or 'train' for an ASAP piece path relative to the data set
    ('Chopin/Ballades/1'), from the SHA-256 of that path: fixed, whatever the sizes asked for."""
    bucket = int(hashlib.sha256(piece.encode('utf-8')).hexdigest()[:8], 16) % 20
    if bucket < 3:
        return DEV
    if bucket < 5:
        return VALIDATION
    return TRAIN


def _safe(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9_-]+', '_', text).strip('_')


def _seed_of(name: str, seed: int) -> int:
    return int(hashlib.sha256(name.encode('utf-8')).hexdigest()[:8], 16) + seed


def asap_performances(root: Path) -> dict[str, list[Path]]:
    """piece path (relative, '/'-separated) → its performance MIDI files, sorted."""
    pieces: dict[str, list[Path]] = {}
    for path in sorted(root.rglob('*.mid')):
        if path.name == 'midi_score.mid':
            continue
        pieces.setdefault(path.parent.relative_to(root).as_posix(), []).append(path)
    return pieces


def plan(args: argparse.Namespace) -> list[dict]:
    """The items to render, per split: ASAP excerpts round-robin over that split's pieces, then POP909 songs."""
    items: list[dict] = []
    wanted_asap = {TRAIN: args.asap_train, VALIDATION: args.asap_val, DEV: args.asap_dev}
    wanted_pop = {TRAIN: args.pop_train, VALIDATION: args.pop_val, DEV: args.pop_dev}
    asap_root = Path(args.asap)
    pieces = asap_performances(asap_root) if any(wanted_asap.values()) and asap_root.is_dir() else {}
    for split in SPLITS:
        # Pieces in a fixed pseudo-random order (by hash), so a small budget still spans composers.
        mine = sorted((p for p in pieces if asap_split_of(p) == split), key=lambda p: hashlib.sha256(p.encode()).hexdigest())
        chosen: list[tuple[str, Path]] = []
        rank = 0
        while len(chosen) < wanted_asap[split] and any(rank < len(pieces[p]) for p in mine):
            for piece in mine:
                if rank < len(pieces[piece]) and len(chosen) < wanted_asap[split]:
                    chosen.append((piece, pieces[piece][rank]))
            rank += 1
        for piece, path in chosen:
            name = 'asap-' + _safe(f'{piece}/{path.stem}')
            items.append({'name': name, 'split': split, 'source': str(path), 'piece': piece, 'corpus': 'asap',
                          'seed': _seed_of(name, args.seed)})
    songs_dir = Path(args.songs)
    songs = sorted(f for f in os.listdir(songs_dir) if f.endswith('.mid')) if songs_dir.is_dir() else []
    # A fixed shuffle, so these are not the same first songs that render.py takes in name order.
    songs.sort(key=lambda s: hashlib.sha256(f'real:{s}'.encode()).hexdigest())
    for split in SPLITS:
        for song in [s for s in songs if split_of(s) == split][: wanted_pop[split]]:
            name = f'pop{song[:-4]}'
            items.append({'name': name, 'split': split, 'source': str(songs_dir / song), 'piece': song, 'corpus': 'pop909',
                          'seed': _seed_of(name, args.seed)})
    return items


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        w.writeframes(pcm.tobytes())


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), 'rb') as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        channels = w.getnchannels()
    return (data.reshape(-1, channels).mean(axis=1) if channels > 1 else data).astype(np.float32) / 32768.0


def available_soundfonts(table: dict | None = None, names: list[str] | None = None) -> dict:
    """The entries of the table (PIANO_SOUNDFONTS by default) whose file and engine are installed."""
    table = PIANO_SOUNDFONTS if table is None else table
    return {k: v for k, v in table.items() if (names is None or k in names) and Path(v[1]).exists()
            and shutil.which(_ENGINES[v[0]]) is not None}


def write_midi_with_bank(path: Path, notes: list[Note], pedals: list[Pedal], bank: int, program: int) -> None:
    """midi_io.write_midi plus a bank select (controller 0) just before its program change."""
    import mido
    write_midi(path, notes, pedals, program=program)
    if bank:
        midi = mido.MidiFile(str(path))
        track = midi.tracks[0]
        at = next(i for i, m in enumerate(track) if m.type == 'program_change')
        track.insert(at, mido.Message('control_change', control=0, value=bank, channel=0, time=0))
        midi.save(str(path))


def render_soundfont(notes: list[Note], pedals: list[Pedal], seconds: float, rng: np.random.Generator,
                     table: dict | None = None) -> tuple[np.ndarray, dict]:
    """A drawn preset of an installed piano soundfont (fluidsynth or timidity; their reverb and chorus off: rooms
    come from acoustics), `seconds` of float32 16 kHz mono, and the settings drawn."""
    available = available_soundfonts(table)
    if not available:
        raise RuntimeError('no piano soundfont of PIANO_SOUNDFONTS is installed')
    name = sorted(available)[int(rng.integers(len(available)))]
    engine, path, presets = available[name]
    bank, program, preset = presets[int(rng.integers(len(presets)))]
    settings = {'renderer': 'soundfont', 'soundfont': name, 'engine': engine, 'bank': bank, 'program': program,
                'preset': preset, 'gain': round(float(rng.uniform(0.3, 0.8)), 3)}
    with tempfile.TemporaryDirectory(prefix='ns-real-') as tmp:
        midi_path, raw_path = Path(tmp) / 'in.mid', Path(tmp) / 'raw.wav'
        write_midi_with_bank(midi_path, notes, pedals, bank, program)
        if engine == 'fluidsynth':
            # Dynamic sample loading: only the presets played are decoded (an sf3 load drops from ~2 s to 0.2 s CPU).
            command = ['fluidsynth', '-ni', '-q', '-o', 'synth.dynamic-sample-loading=1', '-F', str(raw_path),
                       '-r', str(SAMPLE_RATE_HZ), '-g', str(settings['gain']), '-R', '0', '-C', '0', path, str(midi_path)]
        else:
            command = ['timidity', '-c', path, '-Ow', '--output-mono', '-s', str(SAMPLE_RATE_HZ), '--preserve-silence',
                       '-EFreverb=0', '-EFchorus=0', '-A', str(round(100 * settings['gain'])), '-o', str(raw_path), str(midi_path)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        audio = read_wav(raw_path)
    total = round(seconds * SAMPLE_RATE_HZ)
    return np.pad(audio[:total], (0, max(0, total - audio.size))).astype(np.float32), settings


# Per-process state: the sample bank and the impulse responses, loaded once in the parent and shared with forked
# workers (the bank is a read-only memory map).
_STATE: dict = {}


def build_item(item: dict) -> dict:
    args = _STATE['args']
    seconds = args.seconds
    rng = random.Random(item['seed'])
    all_notes, all_pedals = read_midi(item['source'])
    if all_notes:
        first, last = all_notes[0].start, all_notes[-1].start
        start = round(rng.uniform(first, max(first, last - seconds)), 3)
    else:
        start = 0.0
    notes, pedals = excerpt(all_notes, all_pedals, start, seconds)
    item['excerpt_start_s'] = start
    np_rng = np.random.default_rng(item['seed'])
    if args.renderer == 'salamander':
        settings = {'renderer': 'salamander', 'soundfont': 'Salamander', 'program': 0, **salamander.draw_settings(np_rng)}
        audio = salamander.render_notes(notes, pedals, seconds, np_rng, _STATE['bank'], settings)
    else:
        audio, settings = render_soundfont(notes, pedals, seconds, np_rng)
    item['render'] = settings
    if np_rng.random() < args.acoustics:
        chain = acoustics.draw_chain(np_rng, _STATE['rirs'])
        audio = acoustics.apply_chain(audio, chain, _STATE['rirs'])
        item['acoustics'] = chain
    else:
        item['acoustics'] = None
        settings['peak_dbfs'] = round(float(np_rng.uniform(-24, -1)), 1)
        audio = acoustics.set_peak(audio, settings['peak_dbfs'])
    split_dir = Path(args.out) / item['split']
    write_wav(split_dir / 'audio' / f"{item['name']}.wav", audio)
    (split_dir / 'notes' / f"{item['name']}.json").write_text(json.dumps([[n.pitch, n.start, n.end, n.velocity] for n in notes]))
    (split_dir / 'ref' / f"{item['name']}.txt").write_text(note_list_text(sustained(notes, pedals, seconds)))
    item['note_count'] = len(notes)
    return item


def _cpu_seconds() -> float:
    """CPU time of this process and of the tools it ran (ffmpeg, fluidsynth)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed_build(item: dict) -> tuple[dict, float]:
    started = _cpu_seconds()
    done = build_item(item)
    return done, _cpu_seconds() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, type=Path)
    parser.add_argument('--renderer', choices=('salamander', 'soundfont'), default='salamander')
    parser.add_argument('--asap', default=DEFAULT_ASAP_DIR)
    parser.add_argument('--songs', default=DEFAULT_SONG_DIR)
    parser.add_argument('--asap-train', type=int, default=250)
    parser.add_argument('--asap-val', type=int, default=20)
    parser.add_argument('--asap-dev', type=int, default=30)
    parser.add_argument('--pop-train', type=int, default=150)
    parser.add_argument('--pop-val', type=int, default=10)
    parser.add_argument('--pop-dev', type=int, default=20)
    parser.add_argument('--seconds', type=float, default=20.0, help='excerpt length, s')
    parser.add_argument('--acoustics', type=float, default=0.7, help='probability of the acoustics chain per item')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--salamander-cache', type=Path, default=salamander.DEFAULT_CACHE)
    parser.add_argument('--rir-cache', type=Path, default=acoustics.DEFAULT_RIR_CACHE)
    parser.add_argument('--rir-count', type=int, default=48, help='simulated rooms in the impulse-response bank')
    args = parser.parse_args(argv)
    if shutil.which('ffmpeg') is None:
        print('render_real: ffmpeg is not installed', file=sys.stderr)
        return 2
    if args.renderer == 'soundfont' and not available_soundfonts():
        print('render_real: no piano soundfont of PIANO_SOUNDFONTS is installed (apt-get install fluidsynth timidity '
              'fluidr3mono-gm-soundfont csound-soundfont freepats)', file=sys.stderr)
        return 2
    items = plan(args)
    _STATE['args'] = args
    if args.renderer == 'salamander':
        _STATE['bank'] = salamander.load_bank(args.salamander_cache)
    _STATE['rirs'] = acoustics.RirBank.load_or_build(args.rir_count, args.seed, args.rir_cache) if args.acoustics > 0 else None
    for split in SPLITS:
        for sub in ('audio', 'notes', 'ref'):
            (args.out / split / sub).mkdir(parents=True, exist_ok=True)
    started = time.time()
    if args.jobs <= 1:
        results = [_timed_build(item) for item in items]
    else:
        with multiprocessing.get_context('fork').Pool(args.jobs) as pool:
            results = pool.map(_timed_build, items, chunksize=1)
    done = [item for item, _ in results]
    cpu = sum(c for _, c in results)
    (args.out / 'manifest.json').write_text(json.dumps({
        'seconds': args.seconds, 'renderer': args.renderer, 'acoustics_probability': args.acoustics, 'seed': args.seed,
        'offsets': {'notes': 'key release (MIDI note-off)', 'ref': 'as heard: held by the sustain pedal (midi_io.sustained)'},
        'items': done}, indent=1))
    counts = {s: sum(1 for it in done if it['split'] == s) for s in SPLITS}
    notes = {s: sum(it['note_count'] for it in done if it['split'] == s) for s in SPLITS}
    audio_s = len(done) * args.seconds
    print(f'render_real: {counts} items, {notes} notes -> {args.out} '
          f'({audio_s:.0f} s of audio in {time.time() - started:.0f} s wall, {cpu:.0f} s CPU in the renderers: '
          f'{audio_s / max(cpu, 1e-9):.1f} s of audio per CPU second)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
