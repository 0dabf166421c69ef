"""The maps-synth data (../shared/data/maps-synth: 121 classical pieces played through six sampled concert pianos)
laid out like a render (`<split>/audio`, `<split>/notes`, `<split>/ref`), read in place: the audio is linked, never
copied.

The split is by instrument AND composition, so the dev split measures what a user's unseen piano playing unseen
music looks like:
  dev    every piece played on the held-out instrument (default AkPnCGdD, the "Concert Grand D": a concert grand,
         like most real recordings), reported only;
  val    the other instruments' renditions of the dev compositions: never trained on; they choose the epoch and
         the threshold, nothing else;
  train  everything else.

Offset convention: maps-synth labels end at the MIDI note-off (key release, no sustain-pedal extension; its
README), and so do `notes/*.json` and `ref/*.txt` here.

    python training/maps.py --out training/work/maps [--dev-instrument AkPnCGdD]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from midi_io import Note, note_list_text
from splits import DEV, TRAIN, VALIDATION

DEFAULT_MAPS_DIR = Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'maps-synth'
DEFAULT_DEV_INSTRUMENT = 'AkPnCGdD'
INSTRUMENTS = ('AkPnBcht', 'AkPnBsdf', 'AkPnCGdD', 'AkPnStgb', 'SptkBGAm', 'SptkBGCl')


def parse_name(stem: str) -> tuple[str, str]:
    """`MAPS_MUS-chpn-p7_SptkBGCl` → (`chpn-p7`, `SptkBGCl`)."""
    body = stem.removeprefix('MAPS_MUS-')
    composition, instrument = body.rsplit('_', 1)
    return composition, instrument


def read_labels(path: Path) -> list[Note]:
    """A maps-synth label file: `onset offset note velocity` per line after a `#` header."""
    notes: list[Note] = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith('#'):
            continue
        onset, offset, pitch, velocity = (float(x) for x in line.split())
        notes.append(Note(int(round(pitch)), onset, offset, max(1, int(round(velocity)))))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return notes


def split_items(stems: list[str], dev_instrument: str) -> dict[str, str]:
    """Each item's split (see the module doc)."""
    dev_compositions = {parse_name(s)[0] for s in stems if parse_name(s)[1] == dev_instrument}
    splits = {}
    for stem in stems:
        composition, instrument = parse_name(stem)
        if instrument == dev_instrument:
            splits[stem] = DEV
        elif composition in dev_compositions:
            splits[stem] = VALIDATION
        else:
            splits[stem] = TRAIN
    return splits


def prepare(maps_dir: Path, out: Path, dev_instrument: str, limit: int = 0) -> dict:
    """Lays the data out under `out`; `limit` > 0 keeps only the first that many items of each split (smoke runs)."""
    stems = sorted(p.stem for p in (maps_dir / 'audio').glob('*.flac'))
    if not stems:
        raise FileNotFoundError(f'no maps-synth audio under {maps_dir / "audio"}')
    splits = split_items(stems, dev_instrument)
    if limit > 0:
        kept = [s for split in (TRAIN, VALIDATION, DEV) for s in [t for t in stems if splits[t] == split][:limit]]
        stems = sorted(kept)
    items = []
    for split in (TRAIN, VALIDATION, DEV):
        for sub in ('audio', 'notes', 'ref'):
            (out / split / sub).mkdir(parents=True, exist_ok=True)
    for stem in stems:
        split_dir = out / splits[stem]
        name = 'maps-' + stem.removeprefix('MAPS_MUS-')
        link = split_dir / 'audio' / f'{name}.flac'
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink((maps_dir / 'audio' / f'{stem}.flac').resolve(), link)
        notes = read_labels(maps_dir / 'labels' / f'{stem}.tsv')
        (split_dir / 'notes' / f'{name}.json').write_text(json.dumps([[n.pitch, n.start, n.end, n.velocity] for n in notes]))
        (split_dir / 'ref' / f'{name}.txt').write_text(note_list_text(notes))
        composition, instrument = parse_name(stem)
        items.append({'name': name, 'split': splits[stem], 'source': f'maps-synth/{stem}', 'composition': composition,
                      'instrument': instrument, 'note_count': len(notes), 'render': {'renderer': f'maps:{instrument}'}})
    manifest = {'source': 'maps-synth', 'devInstrument': dev_instrument, 'items': items,
                'offsetConvention': 'key release (MIDI note-off), no sustain-pedal extension'}
    (out / 'manifest.json').write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, type=Path)
    parser.add_argument('--maps', type=Path, default=DEFAULT_MAPS_DIR)
    parser.add_argument('--dev-instrument', default=DEFAULT_DEV_INSTRUMENT, choices=INSTRUMENTS)
    parser.add_argument('--limit', type=int, default=0, help='keep the first N items of each split (0: all)')
    args = parser.parse_args(argv)
    manifest = prepare(args.maps, args.out, args.dev_instrument, args.limit)
    counts = {s: sum(1 for it in manifest['items'] if it['split'] == s) for s in (TRAIN, VALIDATION, DEV)}
    notes = {s: sum(it['note_count'] for it in manifest['items'] if it['split'] == s) for s in (TRAIN, VALIDATION, DEV)}
    print(f'maps: {counts} items, {notes} notes -> {args.out} (dev instrument {args.dev_instrument})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
