import collections

from midi_io import HIGHEST_MIDI_PITCH, LOWEST_MIDI_PITCH, Note, excerpt, note_list_text, read_midi, write_midi
from procedural import MAX_CHORD_NOTES, coverage_piece, generate_piece
from splits import split_of


def _chord_sizes(notes):
    return collections.Counter(collections.Counter(n.start for n in notes).values())


def test_pieces_are_deterministic_in_range_and_within_duration():
    a, b = generate_piece(7, 20.0), generate_piece(7, 20.0)
    assert a == b and a != generate_piece(8, 20.0)
    for piece in (a, coverage_piece(10, 20.0)):
        assert all(LOWEST_MIDI_PITCH <= n.pitch <= HIGHEST_MIDI_PITCH for n in piece)
        assert all(1 <= n.velocity <= 127 for n in piece)
        assert all(0 <= n.start < 20.0 and n.end > n.start for n in piece)
        assert [n.start for n in piece] == sorted(n.start for n in piece)


def test_no_key_is_struck_again_while_it_still_sounds():
    piece = generate_piece(3, 30.0)
    by_key = collections.defaultdict(list)
    for n in piece:
        by_key[n.pitch].append(n)
    for notes in by_key.values():
        assert all(later.start >= earlier.end for earlier, later in zip(notes, notes[1:]))


def test_coverage_piece_strikes_all_88_keys():
    assert {n.pitch for n in coverage_piece(0, 20.0)} == set(range(21, 109))


def test_generator_makes_chords_up_to_ten_notes_fast_runs_and_a_wide_velocity_range():
    pieces = [generate_piece(seed, 30.0) for seed in range(40)]
    sizes = collections.Counter()
    for piece in pieces:
        sizes.update(_chord_sizes(piece))
    assert max(sizes) == MAX_CHORD_NOTES
    velocities = [n.velocity for piece in pieces for n in piece]
    assert min(velocities) <= 20 and max(velocities) >= 120
    # fast passages: some consecutive onsets of one piece less than 100 ms apart
    gaps = [b - a for piece in pieces for a, b in zip(sorted({n.start for n in piece}), sorted({n.start for n in piece})[1:])]
    assert sum(1 for g in gaps if 0.01 < g < 0.1) > 100


def test_midi_round_trip_keeps_notes_and_excerpt_shifts_them(tmp_path):
    notes = [Note(60, 0.5, 1.0, 80), Note(64, 0.5, 1.25, 100), Note(21, 2.0, 2.5, 1), Note(108, 3.0, 3.5, 127)]
    path = tmp_path / 'x.mid'
    write_midi(path, notes, program=4)
    back, pedals = read_midi(path)
    assert [(n.pitch, round(n.start, 3), round(n.end, 3), n.velocity) for n in back] == \
        [(60, 0.5, 1.0, 80), (64, 0.5, 1.25, 100), (21, 2.0, 2.5, 1), (108, 3.0, 3.5, 127)]
    assert pedals == []
    cut, _ = excerpt(back, [], 1.0, 2.0)
    assert [(n.pitch, round(n.start, 3), round(n.end, 3)) for n in cut] == [(21, 1.0, 1.5)]
    assert note_list_text(cut[:1]) == '1.0000\t1.5000\t27.5000\n'


def test_split_is_fixed_by_file_name():
    assert [split_of(f'{i:03d}.mid') for i in (1, 2, 3)] == [split_of('001.mid'), split_of('002.mid'), split_of('003.mid')]
    splits = collections.Counter(split_of(f'{i:03d}.mid') for i in range(1, 801))
    assert splits == {'train': 694, 'dev': 74, 'val': 32}
