"""MV2H evaluation of the notation stage on ASAP (run by scripts/eval-notation.ts in its own venv).

Two subcommands:
  prepare  choose the held-out dev pieces, cut the first bars of one performance of each, and write for each excerpt
           the performed notes (JSON, the engine's input), the same notes as a MIDI file (MuseScore's input) and the
           reference score excerpt in MV2H's text format.
  score    convert each excerpt's MusicXML outputs (ours, MuseScore's) to MV2H's text format and score them against
           the reference with pyMV2H in non-aligned mode.

pyMV2H 1.1.0 faults, worked around here (each stated in docs/notation.md):
  - its harmony score reads the transcription's keys where it means the reference's (any key scores 1.0): we score
    keys with its own per-key rule (1 / 0.5 fifth / 0.3 relative / 0.2 parallel) over the reference's keys;
  - its MIDI converter keeps one time signature and one tempo per file and writes compound metres as "2.0,3", which
    its own reader refuses: we write MV2H files ourselves, with every time-signature change and the tempo map;
  - its non-aligned mode tries every tied DTW alignment (millions on dense bars): we score at most --max-alignments;
  - its metre groupings (`meter._get_groupings`) differ from the reference implementation's (MV2H, Java,
    `Meter.getGroupings`): a grouping level that does not start on the first tatum never starts at all (a pickup of
    a beat and a half loses every beat and bar), and a hierarchy change applies one tatum early. We score metre with
    a port of the Java method (`reference_groupings`); `--pymv2h-groupings` scores with pyMV2H's own.
"""
import argparse
import hashlib
import json
import os
import sys
import xml.etree.ElementTree as ET
import zipfile

import mido

# MV2H's matching tolerances are in milliseconds; times are written as integers.
MS = 1000.0
# Share of pieces held out for development (whole pieces: no performance of a dev piece is ever tuned on here).
DEV_BUCKETS = 10


def dev_pieces(asap: str, split: str = 'dev') -> list:
    """Folders of the held-out dev pieces: sha1(folder) % 10 == 0, a split that does not move when pieces are added;
    with split='train', the other pieces (the ones to tune on)."""
    folders = set()
    with open(os.path.join(asap, 'metadata.csv')) as f:
        header = f.readline().strip().split(',')
        col = header.index('folder')
        for line in f:
            folders.add(line.strip().split(',')[col])
    pieces = sorted(p for p in folders if (int(hashlib.sha1(p.encode()).hexdigest(), 16) % DEV_BUCKETS == 0) == (split == 'dev'))
    return [p for p in pieces if os.path.exists(os.path.join(asap, p, 'midi_score.mid'))]


def read_annotations(path: str) -> list:
    """[(seconds, is_downbeat)] per annotated beat."""
    beats = []
    with open(path) as f:
        for line in f:
            parts = line.strip().split('\t')
            if len(parts) < 3:
                continue
            beats.append((float(parts[0]), parts[2].split(',')[0] == 'db'))
    return beats


def excerpt_end_beat(beats: list, bars: int, max_seconds: float) -> int:
    """Index of the beat that ends the excerpt: the downbeat after `bars` full bars, or earlier within max_seconds."""
    downbeats = [i for i, (_, db) in enumerate(beats) if db]
    if not downbeats:
        return len(beats) - 1
    start = beats[0][0]
    chosen = downbeats[min(bars, len(downbeats) - 1)]
    for i in downbeats[1:]:
        if beats[i][0] - start > max_seconds:
            chosen = min(chosen, max(downbeats[1], i))
            break
    return chosen


def midi_notes(path: str) -> list:
    """[(pitch, on_s, off_s, velocity, track)] from a MIDI file, key releases (no pedal), through its tempo map."""
    midi = mido.MidiFile(path)
    tempo_map = tick_to_seconds(midi)
    notes = []
    for index, track in enumerate(midi.tracks):
        tick = 0
        open_notes = {}
        for msg in track:
            tick += msg.time
            if msg.type == 'note_on' and msg.velocity > 0:
                open_notes.setdefault(msg.note, []).append((tick, msg.velocity))
            elif msg.type in ('note_off', 'note_on') and open_notes.get(msg.note):
                start, velocity = open_notes[msg.note].pop(0)
                notes.append((msg.note, tempo_map(start), tempo_map(tick), velocity, index))
    notes.sort(key=lambda n: (n[1], n[0]))
    return notes


def tick_to_seconds(midi: mido.MidiFile):
    changes = []
    for track in midi.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == 'set_tempo':
                changes.append((tick, msg.tempo))
    changes.sort(key=lambda change: change[0])  # stable: the file's order decides between changes at one tick
    if not changes or changes[0][0] > 0:
        changes.insert(0, (0, 500000))  # MIDI's default, 120 BPM, until the first set_tempo
    segments = []  # (tick, seconds at tick, seconds per tick)
    seconds = 0.0
    for i, (tick, tempo) in enumerate(changes):
        if segments:
            prev_tick, prev_seconds, prev_rate = segments[-1]
            seconds = prev_seconds + (tick - prev_tick) * prev_rate
        segments.append((tick, seconds, tempo / 1e6 / midi.ticks_per_beat))

    def convert(tick: float) -> float:
        chosen = segments[0]
        for segment in segments:
            if segment[0] <= tick:
                chosen = segment
            else:
                break
        return chosen[1] + (tick - chosen[0]) * chosen[2]

    return convert


KEY_NAMES = {'C': 0, 'C#': 1, 'Db': 1, 'D': 2, 'D#': 3, 'Eb': 3, 'E': 4, 'F': 5, 'F#': 6, 'Gb': 6, 'G': 7, 'G#': 8,
             'Ab': 8, 'A': 9, 'A#': 10, 'Bb': 10, 'B': 11, 'Cb': 11}


def hierarchy_of(numerator: int, denominator: int):
    """(beats per bar, sub-beats per beat, sub-beat length in quarters), as MV2H reads a time signature."""
    if numerator > 3 and numerator % 3 == 0:
        return numerator // 3, 3, 4.0 / denominator
    return numerator, 2, 2.0 / denominator


def mv2h_text(notes, tatums, hierarchies, keys) -> str:
    """notes: (pitch, on_ms, off_ms, voice); tatums: ms; hierarchies: (bpb, sbpb, tpsb, anacrusis, ms); keys: (tonic,
    major, ms)."""
    lines = []
    for pitch, on, off, voice in notes:
        lines.append(f'Note {pitch} {int(round(on))} {int(round(on))} {int(round(max(off, on + 1)))} {voice}')
    last_tatum = tatums[-1] if tatums else 0
    for bpb, sbpb, tpsb, al, time in hierarchies:
        # pyMV2H reads the next tatum after a hierarchy change without checking for the end: none after the last.
        if time < last_tatum or time == 0:
            lines.append(f'Hierarchy {bpb},{sbpb} {tpsb} a={al} {int(round(time))}')
    for t in tatums:
        lines.append(f'Tatum {int(round(t))}')
    for tonic, major, time in keys:
        lines.append(f'Key {tonic} {"Maj" if major else "min"} {int(round(time))}')
    return '\n'.join(lines) + '\n'


def reference_excerpt(asap: str, piece: str, end_beat: int) -> str:
    """The score (midi_score.mid, repeats unfolded as performed) up to the excerpt's end beat, as MV2H text."""
    path = os.path.join(asap, piece, 'midi_score.mid')
    midi = mido.MidiFile(path)
    convert = tick_to_seconds(midi)
    beats = read_annotations(os.path.join(asap, piece, 'midi_score_annotations.txt'))
    cut = beats[end_beat][0] - 0.001 if end_beat < len(beats) else float('inf')
    first_downbeat = next((t for t, db in beats if db), 0.0)
    tracks = {}
    notes = []
    for pitch, on, off, _, track in midi_notes(path):
        if on < cut:
            voice = tracks.setdefault(track, len(tracks))
            notes.append((pitch, on * MS, min(off, cut) * MS, voice))
    signatures = []
    keys = []
    for track in midi.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == 'time_signature':
                signatures.append((tick, msg.numerator, msg.denominator))
            elif msg.type == 'key_signature' and not keys:
                # As a signature: the relative major of a minor key (see musicxml_excerpt).
                name = msg.key
                tonic = KEY_NAMES[name.rstrip('m')]
                keys.append(((tonic + 3) % 12 if name.endswith('m') else tonic, True, 0))
    signatures.sort()
    if not signatures:
        signatures = [(0, 4, 4)]
    # A pickup bar may carry a signature of its own (1/4 before 3/4): the signature at the first downbeat rules it.
    db_tick = seconds_to_tick(convert, first_downbeat)
    # Annotated seconds and MIDI ticks disagree by a few ticks: a signature within a sixteenth of the downbeat is its.
    slack = midi.ticks_per_beat / 4
    ruling = [s for s in signatures if s[0] <= db_tick + slack]
    start_signature = ruling[-1] if ruling else signatures[0]
    segments = [(0, start_signature[1], start_signature[2])] + [s for s in signatures if s[0] > db_tick + slack]
    tatums, hierarchies = [], []
    tpq = midi.ticks_per_beat
    for i, (tick, num, den) in enumerate(segments):
        bpb, sbpb, sub_quarters = hierarchy_of(num, den)
        end_tick = segments[i + 1][0] if i + 1 < len(segments) else float('inf')
        step = sub_quarters * tpq
        anchor = db_tick if i == 0 else tick
        # Tatums of this segment: every sub-beat from the anchor (the first downbeat), backwards into a pickup too.
        first = anchor - step * int((anchor - tick) // step)
        al = int(round((anchor - first) / step)) if i == 0 else 0
        t = first
        while t < end_tick and convert(t) < cut + 1e-6:
            tatums.append(convert(t) * MS)
            t += step
        hierarchies.append((bpb, sbpb, 1, al, convert(first) * MS))
        if convert(t) >= cut:
            break
    return mv2h_text(notes, tatums, hierarchies, keys or [(0, True, 0)])


def seconds_to_tick(convert, seconds: float) -> float:
    lo, hi = 0.0, 1.0
    while convert(hi) < seconds:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if convert(mid) < seconds:
            lo = mid
        else:
            hi = mid
    return round(hi)


def musicxml_excerpt(path: str) -> str:
    """A partwise MusicXML file (ours or MuseScore's) as MV2H text: voice = staff, ties joined, times from its
    metronome marks, tatums every sub-beat of each bar, a first bar shorter than its signature read as a pickup."""
    root = read_musicxml(path)
    part = root.find('part')
    divisions = 1
    tempo = 120.0
    position_q = 0.0  # quarter position of the measure start
    seconds = 0.0  # time of the measure start
    numerator, denominator = 4, 4
    fifths, mode = 0, 'major'
    notes, tatums, hierarchies, keys = [], [], [], []
    open_ties = {}
    first_measure = True
    for measure in part.findall('measure'):
        cursor = 0  # divisions from the measure start
        longest = 0
        tempo_at = [(0, tempo)]
        attributes_changed = False
        events = []
        for element in measure:
            tag = element.tag
            if tag == 'attributes':
                d = element.find('divisions')
                if d is not None:
                    divisions = int(d.text)
                time = element.find('time')
                if time is not None and time.find('beats') is not None:
                    numerator, denominator = int(time.find('beats').text.split('+')[0]), int(time.find('beat-type').text)
                    attributes_changed = True
                key = element.find('key')
                if key is not None and key.find('fifths') is not None:
                    fifths = int(key.find('fifths').text)
                    mode = (key.findtext('mode') or 'major').strip()
                    keys.append((fifths, mode, cursor))
            elif tag == 'direction' or tag == 'sound':
                sound = element if tag == 'sound' else element.find('sound')
                if sound is not None and sound.get('tempo'):
                    tempo_at.append((cursor, float(sound.get('tempo'))))
            elif tag == 'backup':
                cursor -= int(element.findtext('duration'))
            elif tag == 'forward':
                cursor += int(element.findtext('duration'))
            elif tag == 'note':
                if element.find('grace') is not None:
                    continue
                duration = int(element.findtext('duration') or 0)
                chord = element.find('chord') is not None
                start = cursor - last_duration if chord else cursor
                if element.find('pitch') is not None:
                    pitch = midi_pitch(element.find('pitch'))
                    staff = int(element.findtext('staff') or 1)
                    ties = {t.get('type') for t in element.findall('tie')}
                    events.append((start, start + duration, pitch, staff, ties))
                if not chord:
                    cursor += duration
                    last_duration = duration
                else:
                    last_duration = duration
            longest = max(longest, cursor)
        length_div = longest
        nominal_q = numerator * 4.0 / denominator
        length_q = length_div / divisions
        tempo = tempo_at[-1][1] if len(tempo_at) > 1 else tempo
        # Tempo is read per measure (the last mark in it applies from its start: marks sit at measure starts here).
        sec_per_q = 60.0 / tempo

        def to_ms(div: float) -> float:
            return (seconds + (div / divisions) * sec_per_q) * MS

        bpb, sbpb, sub_q = hierarchy_of(numerator, denominator)
        pickup = first_measure and length_q < nominal_q - 1e-6 and measure.get('implicit') == 'yes'
        if first_measure or attributes_changed:
            al = int(round(length_q / sub_q)) if pickup else 0
            hierarchies.append((bpb, sbpb, 1, al, to_ms(0)))
        k = 0
        while k * sub_q < length_q - 1e-6:
            tatums.append(to_ms(k * sub_q * divisions))
            k += 1
        for start, end, pitch, staff, ties in events:
            key = (pitch, staff)
            if 'stop' in ties and key in open_ties:
                note = open_ties.pop(key)
                note[2] = to_ms(end)
                if 'start' in ties:
                    open_ties[key] = note
                continue
            note = [pitch, to_ms(start), to_ms(end), staff - 1]
            notes.append(note)
            if 'start' in ties:
                open_ties[key] = note
        seconds += length_q * sec_per_q
        position_q += length_q
        first_measure = False
    # ASAP's scores give a key signature but no mode (its MIDI and MusicXML say nothing or "major"), so keys are
    # compared as signatures: each side's key is the major key of its signature (E major for C-sharp minor).
    key_lines = [((7 * fifths) % 12, True, 0) for fifths, _, _ in keys[:1]]
    tatums.append(seconds * MS)
    notes.sort(key=lambda n: (n[1], n[0]))
    return mv2h_text([tuple(n) for n in notes], tatums, hierarchies, key_lines or [(0, True, 0)])


def read_musicxml(path: str):
    if path.endswith('.mxl'):
        with zipfile.ZipFile(path) as z:
            container = ET.fromstring(z.read('META-INF/container.xml'))
            rootfile = container.find('.//{*}rootfile').get('full-path')
            return ET.fromstring(z.read(rootfile))
    return ET.parse(path).getroot()


STEP = {'C': 0, 'D': 2, 'E': 4, 'F': 5, 'G': 7, 'A': 9, 'B': 11}


def midi_pitch(pitch) -> int:
    return 12 * (int(pitch.findtext('octave')) + 1) + STEP[pitch.findtext('step')] + int(float(pitch.findtext('alter') or 0))


def prepare(args) -> None:
    pieces = dev_pieces(args.asap, args.split)
    if args.split == 'train':
        # Every ninth training piece, so a few dozen span the composers rather than the first folders' Bach.
        pieces = pieces[::9]
    if args.pieces > 0:
        pieces = pieces[: args.pieces]
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for piece in pieces:
        folder = os.path.join(args.asap, piece)
        performances = sorted(f[:-4] for f in os.listdir(folder) if f.endswith('.mid') and f != 'midi_score.mid')
        for performer in performances[: args.performances]:
            beats = read_annotations(os.path.join(folder, f'{performer}_annotations.txt'))
            score_beats = read_annotations(os.path.join(folder, 'midi_score_annotations.txt'))
            end = excerpt_end_beat(score_beats, args.bars, args.max_seconds)
            if end >= len(beats):
                continue
            cut = beats[end][0] - 0.05
            notes = [n for n in midi_notes(os.path.join(folder, f'{performer}.mid')) if n[1] < cut]
            name = f'{piece.replace("/", "_")}_{performer}'
            with open(os.path.join(args.out, f'{name}.notes.json'), 'w') as f:
                json.dump([{'pitch': p, 'onsetSeconds': on, 'offsetSeconds': off, 'velocity': v} for p, on, off, v, _ in notes], f)
            write_midi(notes, os.path.join(args.out, f'{name}.performance.mid'))
            pedal = sustain_pedal(os.path.join(folder, f'{performer}.mid'), cut)
            write_midi(notes, os.path.join(args.out, f'{name}.pedalled.mid'), pedal)
            with open(os.path.join(args.out, f'{name}.reference.mv2h'), 'w') as f:
                f.write(reference_excerpt(args.asap, piece, end))
            manifest.append({'name': name, 'piece': piece, 'performer': performer, 'notes': len(notes), 'bars': args.bars})
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    print(json.dumps({'excerpts': len(manifest), 'pieces': len(pieces)}))


def sustain_pedal(path: str, until: float) -> list:
    """[(seconds, value)] of the sustain pedal (CC 64) in a performance, up to `until`."""
    midi = mido.MidiFile(path)
    convert = tick_to_seconds(midi)
    events = []
    for track in midi.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == 'control_change' and msg.control == 64 and convert(tick) < until:
                events.append((convert(tick), msg.value))
    return sorted(events)


def write_midi(notes, path: str, pedal=()) -> None:
    """The performed notes as one track at 120 BPM (what a user would hand MuseScore); with `pedal`, the sustain
    pedal too (for rendering audio, where it lengthens the sound but not the keys)."""
    midi = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    midi.tracks.append(track)
    events = []
    for pitch, on, off, velocity, _ in notes:
        events.append((round(on * 960), 1, pitch, velocity))
        events.append((round(off * 960), 0, pitch, 0))
    for seconds, value in pedal:
        events.append((round(seconds * 960), 2, 64, value))
    events.sort()
    last = 0
    for tick, kind, pitch, velocity in events:
        if kind == 2:
            track.append(mido.Message('control_change', control=64, value=velocity, time=tick - last))
        else:
            track.append(mido.Message('note_on' if kind else 'note_off', note=pitch, velocity=velocity, time=tick - last))
        last = tick
    midi.save(path)


def reference_groupings(tatums: list, hierarchies: list) -> list:
    """The metre groupings (sub-beats, beats, bars) as (start, end, level) the way the reference implementation finds
    them (MV2H's Java `Meter.getGroupings`), from sorted tatum times and hierarchies (objects with bpb, sbpb, tpsb, al,
    time): each level's grouping runs from one of its starts to the next, counted in tatums from the anacrusis, the
    count restarting at each hierarchy change (at its own tatum). Unlike pyMV2H's copy, a level the first tatum does
    not start (beats and bars after a pickup) starts at its first start."""
    if not tatums or not hierarchies:
        return []
    h = 0
    while h + 1 < len(hierarchies) and hierarchies[h + 1].time <= tatums[0]:
        h += 1

    def periods(hierarchy) -> tuple:
        sub = hierarchy.tpsb
        beat = sub * hierarchy.sbpb
        bar = beat * hierarchy.bpb
        return (sub, beat, bar), (0 if hierarchy.al == 0 else bar - hierarchy.al)

    lengths, count = periods(hierarchies[h])
    starts = [tatums[0] if count % length == 0 else -1 for length in lengths]
    groups = []
    for time in tatums[1:]:
        count += 1
        while h + 1 < len(hierarchies) and hierarchies[h + 1].time <= time:
            h += 1
            lengths, count = periods(hierarchies[h])
        for level, length in enumerate(lengths):
            if count % length == 0:
                if starts[level] != -1:
                    groups.append((starts[level], time, level))
                starts[level] = time
    return groups


def pymv2h_reference_groupings(music) -> list:
    """`reference_groupings` in pyMV2H's shape, to stand in for its `meter._get_groupings`."""
    from pyMV2H.utils.pojos import GROUPING
    from pyMV2H.utils.remove_duplicates import remove_duplicates_hierarchy, remove_duplicates_tatums

    remove_duplicates_tatums(music)
    remove_duplicates_hierarchy(music)
    tatums = [t.time for t in music.__tatums__]
    return [GROUPING(start, end) for start, end, _ in reference_groupings(tatums, music.__hierarchy__)]


def score(args) -> None:
    sys.setrecursionlimit(100000)
    from pyMV2H.metrics import meter as meter_module
    from pyMV2H.metrics.meter import meter_score
    if not args.pymv2h_groupings:
        meter_module._get_groupings = pymv2h_reference_groupings
    from pyMV2H.metrics.multi_pitch import multi_pitch_accuracy
    from pyMV2H.metrics.note_value import note_value_score
    from pyMV2H.metrics.voice import voice_score
    from pyMV2H.metrics import harmony as harmony_module
    from pyMV2H.utils.align_files import _get_possible_alignments
    from pyMV2H.utils.music import Music
    from pyMV2H.utils.remove_duplicates import remove_duplicates_keys

    def harmony(p, t) -> float:
        remove_duplicates_keys(p)
        remove_duplicates_keys(t)
        if not p.__keys__ or not t.__keys__:
            return 0.0
        duration = max(p.__duration__, 1.0)
        total = 0.0
        for ti, tk in enumerate(t.__keys__):
            t_end = duration if ti == len(t.__keys__) - 1 else min(duration, t.__keys__[ti + 1].time)
            for pi, pk in enumerate(p.__keys__):
                p_end = duration if pi == len(p.__keys__) - 1 else min(duration, p.__keys__[pi + 1].time)
                overlap = min(t_end, p_end) - max(tk.time, pk.time)
                if overlap > 0:
                    total += harmony_module._get_key_score(pk, tk) * overlap
        return total / duration

    def evaluate(reference: str, transcription: str) -> dict:
        p = Music.from_file(reference)
        t = Music.from_file(transcription)
        p.read_if_needed()
        t.read_if_needed()
        best, tried = None, 0
        for node in _get_possible_alignments(p, t):
            for j in range(node.count):
                if tried >= args.max_alignments:
                    break
                tried += 1
                shifted = t.align(p, node.get_alignment(j))
                mp, mp_match = multi_pitch_accuracy(p.__notes__, shifted.__notes__, True)
                voice, voice_match = voice_score(p, shifted, True)
                parts = {
                    'multiPitch': mp,
                    'voice': voice,
                    'meter': meter_score(p, shifted),
                    'value': note_value_score(p, shifted, mp_match, voice_match),
                    'harmony': harmony(p, shifted),
                }
                parts['mv2h'] = sum(parts.values()) / 5
                if best is None or parts['mv2h'] > best['mv2h']:
                    best = parts
            if tried >= args.max_alignments:
                break
        best = best or {'multiPitch': 0, 'voice': 0, 'meter': 0, 'value': 0, 'harmony': 0, 'mv2h': 0}
        best['alignments'] = tried
        return best

    with open(os.path.join(args.out, 'manifest.json')) as f:
        manifest = json.load(f)
    results = []
    for entry in manifest:
        name = entry['name']
        reference = os.path.join(args.out, f'{name}.reference.mv2h')
        row = {'name': name}
        for system in args.systems.split(','):
            xml = os.path.join(args.out, f'{name}.{system}.musicxml')
            if not os.path.exists(xml):
                row[system] = None
                continue
            text_path = os.path.join(args.out, f'{name}.{system}.mv2h')
            try:
                with open(text_path, 'w') as f:
                    f.write(musicxml_excerpt(xml))
                row[system] = evaluate(reference, text_path)
            except Exception as error:  # a file we cannot read scores zero, and says why
                row[system] = {'error': f'{type(error).__name__}: {error}'}
        results.append(row)
        print(json.dumps(row), flush=True)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('prepare')
    p.add_argument('--asap', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--pieces', type=int, default=8, help='dev pieces to use (0: all)')
    p.add_argument('--split', choices=['dev', 'train'], default='dev', help='held-out dev pieces, or training pieces to tune on')
    p.add_argument('--performances', type=int, default=1, help='performances per piece')
    p.add_argument('--bars', type=int, default=8, help='bars per excerpt')
    p.add_argument('--max-seconds', type=float, default=30.0, help='excerpts end at the first downbeat past this')
    s = sub.add_parser('score')
    s.add_argument('--out', required=True)
    s.add_argument('--systems', default='ours,musescore')
    s.add_argument('--max-alignments', type=int, default=20)
    s.add_argument('--pymv2h-groupings', action='store_true', help="metre groupings by pyMV2H's own (faulty) method")
    args = parser.parse_args()
    prepare(args) if args.command == 'prepare' else score(args)


if __name__ == '__main__':
    main()
