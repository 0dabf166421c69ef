"""Rewrites the reference note lists (WORK/<split>/ref/*.txt) of an existing render from its manifest, without
rendering again: for when the reference convention changes (e.g. offsets held by the sustain pedal).

    python training/references.py --work training/work/run
    python training/references.py --work training/work/real --key-releases   # also <split>/ref-keys/*.txt

`--key-releases` writes a second set of references from `notes/*.json`, whose ends are the key releases (no pedal
extension), the convention of maps-synth and MAPS: scoring a render against both shows what the sustain pedal
does to the "with offsets" metric.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from midi_io import Note, excerpt, note_list_text, read_midi
from render import write_reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path)
    parser.add_argument('--key-releases', action='store_true', help='only write <split>/ref-keys/*.txt from notes/*.json')
    args = parser.parse_args(argv)
    if args.key_releases:
        written = 0
        for notes_path in sorted(args.work.glob('*/notes/*.json')):
            target = notes_path.parent.parent / 'ref-keys' / f'{notes_path.stem}.txt'
            target.parent.mkdir(exist_ok=True)
            rows = json.loads(notes_path.read_text())
            target.write_text(note_list_text([Note(int(p), float(s), float(e), int(v)) for p, s, e, v in rows]))
            written += 1
        print(f'references: wrote {written} key-release note lists under {args.work}/*/ref-keys')
        return 0
    manifest = json.loads((args.work / 'manifest.json').read_text())
    seconds = float(manifest['seconds'])
    written = 0
    for item in manifest['items']:
        split_dir = args.work / item['split']
        if item['source'] == 'procedural':
            # Procedural pieces have no pedal: their notes file is the reference.
            rows = json.loads((split_dir / 'notes' / f"{item['name']}.json").read_text())
            notes, pedals = [Note(int(p), float(s), float(e), int(v)) for p, s, e, v in rows], []
        else:
            notes, pedals = excerpt(*read_midi(item['source']), item['excerpt_start_s'], seconds)
        write_reference(split_dir, item['name'], notes, pedals, seconds)
        written += 1
    print(f'references: rewrote {written} note lists under {args.work}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
