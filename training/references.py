"""Rewrites the reference note lists (WORK/<split>/ref/*.txt) of an existing render from its manifest, without
rendering again: for when the reference convention changes (e.g. offsets held by the sustain pedal).

    python training/references.py --work training/work/run
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from midi_io import Note, excerpt, read_midi
from render import write_reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work', required=True, type=Path)
    args = parser.parse_args(argv)
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
