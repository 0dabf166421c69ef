"""render_real.py end to end on a fake ASAP tree, fake POP909 songs and the fake Salamander bank of test_salamander:
the work layout render.py writes, whole pieces held out, labels that are the source's notes, references held by the
pedal, every choice in the manifest, and the same bytes from the same seed."""
import hashlib
import json
import wave
from pathlib import Path

import numpy as np
import pytest

import render_real
import salamander
from midi_io import Note, Pedal, read_midi, write_midi
from splits import split_of
from test_salamander import make_fake_cache

SECONDS = 3.0


def _performance(seed: int) -> tuple[list[Note], list[Pedal]]:
    """10 s of notes in the fake bank's range, some long (sounding across any excerpt start), with pedalling."""
    rng = np.random.default_rng(seed)
    notes = [Note(int(rng.integers(55, 66)), round(t, 3), round(t + float(rng.uniform(0.1, 2.5)), 3), int(rng.integers(20, 120)))
             for t in np.sort(rng.uniform(0, 10, 40))]
    pedals = [Pedal(float(t), 100 if i % 2 == 0 else 0) for i, t in enumerate(np.arange(0.5, 10, 0.9))]
    return notes, pedals


@pytest.fixture(scope='module')
def sources(tmp_path_factory):
    root = tmp_path_factory.mktemp('sources')
    asap, songs = root / 'asap', root / 'pop'
    for i in range(60):
        piece = asap / 'Composer' / f'Work_{i // 10}' / str(i)
        piece.mkdir(parents=True)
        write_midi(piece / 'midi_score.mid', [Note(60, 0, 1, 80)])  # a score, not a performance: never rendered
        for performer in ('Alice01', 'Bob02'):
            write_midi(piece / f'{performer}.mid', *_performance(i * 10 + len(performer)))
    songs.mkdir()
    names = [f'{i:03d}.mid' for i in range(1, 910)]
    for split in ('train', 'val', 'dev'):  # POP909-like names, three of each split
        for name in [n for n in names if split_of(n) == split][:3]:
            write_midi(songs / name, *_performance(1000 + int(name[:3])))
    cache = make_fake_cache(root / 'salamander')
    return {'asap': asap, 'songs': songs, 'cache': cache, 'rirs': root / 'rirs'}


def _run(out: Path, sources: dict, *extra: str) -> dict:
    argv = ['--out', str(out), '--asap', str(sources['asap']), '--songs', str(sources['songs']),
            '--salamander-cache', str(sources['cache']), '--rir-cache', str(sources['rirs']), '--rir-count', '2',
            '--asap-train', '4', '--asap-val', '2', '--asap-dev', '3', '--pop-train', '2', '--pop-val', '1', '--pop-dev', '1',
            '--seconds', str(SECONDS), '--acoustics', '0.5', '--jobs', '1', *extra]
    assert render_real.main(argv) == 0
    return json.loads((out / 'manifest.json').read_text())


@pytest.fixture(scope='module')
def rendered(sources, tmp_path_factory):
    out = tmp_path_factory.mktemp('real')
    return out, _run(out, sources)


def test_writes_the_work_layout_of_render_py(rendered):
    out, manifest = rendered
    items = manifest['items']
    assert manifest['seconds'] == SECONDS and manifest['renderer'] == 'salamander'
    assert sorted((it['split'], it['corpus']) for it in items) == sorted(
        [('train', 'asap')] * 4 + [('val', 'asap')] * 2 + [('dev', 'asap')] * 3 + [('train', 'pop909')] * 2
        + [('val', 'pop909'), ('dev', 'pop909')])
    for it in items:
        split = out / it['split']
        with wave.open(str(split / 'audio' / f"{it['name']}.wav"), 'rb') as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()) == (1, 2, 16000, SECONDS * 16000)
        notes = json.loads((split / 'notes' / f"{it['name']}.json").read_text())
        assert len(notes) == it['note_count'] > 0
        assert all(len(n) == 4 and isinstance(n[0], int) and isinstance(n[3], int) for n in notes)
        ref = (split / 'ref' / f"{it['name']}.txt").read_text().splitlines()
        assert len(ref) == len(notes)
        # The manifest has every choice: the renderer's settings and the acoustics chain (or None).
        assert {'tuning_cents', 'velocity_gamma', 'damper_scale', 'release_gain_db'} <= set(it['render'])
        assert it['render']['soundfont'] == 'Salamander' and it['render']['program'] == 0  # read by evaluate.py
        assert 'acoustics' in it and 'excerpt_start_s' in it
    assert sum(it['acoustics'] is not None for it in items) not in (0, len(items))  # p = 0.5 over 13 items


def test_level_is_the_one_in_the_manifest(rendered):
    out, manifest = rendered
    for it in manifest['items']:
        with wave.open(str(out / it['split'] / 'audio' / f"{it['name']}.wav"), 'rb') as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        peak_db = 20 * np.log10(np.abs(pcm).max() / 32767)
        chain = it['acoustics']
        if chain is None:
            assert abs(peak_db - it['render']['peak_dbfs']) < 0.05
        elif chain['codec'] is None:
            assert abs(peak_db - chain['peak_dbfs']) < 0.05
        else:  # a codec's overshoot moves the peak a little (and it is capped at 0.99)
            assert abs(peak_db - chain['peak_dbfs']) < 3 and 'lag_samples' in chain['codec']


def test_whole_pieces_are_held_out(rendered):
    _, manifest = rendered
    asap = [it for it in manifest['items'] if it['corpus'] == 'asap']
    split_of_piece = {}
    for it in asap:
        assert Path(it['source']).name != 'midi_score.mid'
        assert it['split'] == render_real.asap_split_of(it['piece'])
        assert split_of_piece.setdefault(it['piece'], it['split']) == it['split']
    dev = [it['piece'] for it in asap if it['split'] == 'dev']
    assert len(set(dev)) == len(dev)  # round-robin: one performance per piece first
    for it in manifest['items']:
        if it['corpus'] == 'pop909':
            assert it['split'] == split_of(Path(it['source']).name)


def test_split_sizes_of_the_piece_hash():
    names = [f'Composer/Work/{i}' for i in range(4000)]
    splits = [render_real.asap_split_of(n) for n in names]
    assert abs(splits.count('dev') / 4000 - 0.15) < 0.02 and abs(splits.count('val') / 4000 - 0.10) < 0.02
    assert render_real.asap_split_of('Chopin/Ballades/1') == render_real.asap_split_of('Chopin/Ballades/1')


def test_labels_are_the_source_notes_that_start_in_the_excerpt(rendered):
    out, manifest = rendered
    lengthened = 0
    for it in manifest['items']:
        source_notes, _ = read_midi(it['source'])
        start = it['excerpt_start_s']
        notes = json.loads((out / it['split'] / 'notes' / f"{it['name']}.json").read_text())
        expected = [n for n in source_notes if start <= n.start < start + SECONDS]
        assert len(notes) == len(expected)
        for (pitch, on, off, velocity), src in zip(sorted(notes, key=lambda n: (n[1], n[0])), expected):
            assert (pitch, velocity) == (src.pitch, src.velocity)
            assert abs(on - (src.start - start)) < 1e-6                     # notes already sounding are not here
            assert abs(off - (min(src.end, start + SECONDS) - start)) < 1e-6  # key release, cut at the excerpt end
        ref = [tuple(map(float, line.split('\t'))) for line in
               (out / it['split'] / 'ref' / f"{it['name']}.txt").read_text().splitlines()]
        for (on, off, hz), (pitch, n_on, n_off, _) in zip(ref, sorted(notes, key=lambda n: (n[1], n[0]))):
            assert abs(on - n_on) < 1e-3 and abs(hz - 440 * 2 ** ((pitch - 69) / 12)) < 1e-3
            assert off <= SECONDS + 1e-9
            lengthened += off > n_off + 0.01  # held by the pedal past the key release
    assert lengthened > 0


def test_same_seed_same_bytes_other_seed_other_audio(sources, rendered, tmp_path):
    out, manifest = rendered
    again = _run(tmp_path / 'again', sources, '--asap-train', '1', '--asap-val', '0', '--asap-dev', '1',
                 '--pop-train', '1', '--pop-val', '0', '--pop-dev', '0')
    first = {it['name']: it for it in manifest['items']}
    for it in again['items']:
        assert it == first[it['name']]
        name = f"{it['split']}/audio/{it['name']}.wav"
        assert hashlib.sha256((tmp_path / 'again' / name).read_bytes()).digest() == \
            hashlib.sha256((out / name).read_bytes()).digest()
    other = _run(tmp_path / 'other', sources, '--seed', '1', '--asap-train', '1', '--asap-val', '0', '--asap-dev', '0',
                 '--pop-train', '0', '--pop-val', '0', '--pop-dev', '0')
    name = f"train/audio/{other['items'][0]['name']}.wav"
    assert (tmp_path / 'other' / name).read_bytes() != (out / name).read_bytes()


@pytest.mark.skipif(not salamander.is_cached() or not Path(render_real.DEFAULT_ASAP_DIR).is_dir(),
                    reason='needs the downloaded Salamander samples and ../shared/data/asap; the fake bank is tested above')
def test_one_real_asap_excerpt(tmp_path):
    argv = ['--out', str(tmp_path), '--asap-train', '0', '--asap-val', '0', '--asap-dev', '1', '--pop-train', '0',
            '--pop-val', '0', '--pop-dev', '0', '--seconds', '5', '--acoustics', '0', '--jobs', '1']
    assert render_real.main(argv) == 0
    item = json.loads((tmp_path / 'manifest.json').read_text())['items'][0]
    audio = render_real.read_wav(tmp_path / 'dev' / 'audio' / f"{item['name']}.wav")
    assert audio.size == 5 * 16000 and np.sqrt(np.mean(audio ** 2)) > 1e-3


def test_the_soundfont_table_never_holds_the_evaluation_soundfonts():
    for name, (engine, path, presets) in render_real.PIANO_SOUNDFONTS.items():
        assert 'musescore' not in path.lower() and 'default-gm' not in path.lower() and 'musescore' not in name.lower()
        assert engine in ('fluidsynth', 'timidity') and presets


def test_bank_select_precedes_the_program_change(tmp_path):
    import mido
    render_real.write_midi_with_bank(tmp_path / 'b.mid', [Note(60, 0.0, 1.0, 90)], [], 8, 1)
    messages = [m for m in mido.MidiFile(str(tmp_path / 'b.mid')).tracks[0] if not m.is_meta]
    assert (messages[0].type, messages[0].control, messages[0].value) == ('control_change', 0, 8)
    assert (messages[1].type, messages[1].program) == ('program_change', 1)


_ENTRIES = {
    # TimGM6mb is what render.py uses (installed wherever the training tests run), freepats tests the timidity path.
    'TimGM6mb': ('fluidsynth', '/usr/share/sounds/sf2/TimGM6mb.sf2', [(0, 0, 'Piano 1')]),
    'freepats': render_real.PIANO_SOUNDFONTS['freepats'],
    'FluidR3Mono': render_real.PIANO_SOUNDFONTS['FluidR3Mono'],
}


@pytest.mark.parametrize('name', sorted(_ENTRIES))
def test_soundfont_renders_keep_the_onsets_in_place(name):
    table = render_real.available_soundfonts({name: _ENTRIES[name]})
    if not table:
        pytest.skip(f'{_ENTRIES[name][1]} or {_ENTRIES[name][0]} is not installed')
    notes = [Note(60, 0.5, 1.0, 100), Note(67, 1.5, 2.0, 100)]
    audio, settings = render_real.render_soundfont(notes, [], 3.0, np.random.default_rng(0), table)
    assert audio.size == 3 * 16000 and settings['soundfont'] == name
    envelope = np.abs(audio)
    first = int(np.argmax(envelope > 0.05 * envelope.max()))
    assert abs(first - 0.5 * 16000) < 0.01 * 16000, first / 16000  # within 10 ms of the note's start
    assert envelope[:int(0.49 * 16000)].max() < 1e-3


def test_the_soundfont_renderer_end_to_end(sources, tmp_path):
    if not render_real.available_soundfonts():
        pytest.skip('none of the Debian piano soundfonts (fluidr3mono-gm-soundfont, csound-soundfont, freepats + timidity)'
                    ' is installed')
    manifest = _run(tmp_path, sources, '--renderer', 'soundfont', '--asap-train', '2', '--asap-val', '0', '--asap-dev', '1',
                    '--pop-train', '1', '--pop-val', '0', '--pop-dev', '0')
    for it in manifest['items']:
        assert it['render']['soundfont'] in render_real.PIANO_SOUNDFONTS
        audio = render_real.read_wav(tmp_path / it['split'] / 'audio' / f"{it['name']}.wav")
        assert audio.size == SECONDS * 16000 and np.sqrt(np.mean(audio ** 2)) > 1e-3
