"""The Python reader against files written by the TypeScript engine (core/features encodeFeatureFile)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'training'))

from notescribe_features import FeatureFileError, parse_features, read_features, silence_value  # noqa: E402

# Writes a 3-frame × 4-bin analysis with values -10, -9.5, … and onsets [0, 2] through the engine's encoder.
WRITER = """
import { writeFileSync } from 'node:fs';
import { encodeFeatureFile, DSP_PARAMETERS_HASH } from '%(root)s/core/features';
const bytes = encodeFeatureFile({
  spectrogram: { data: Float32Array.from({ length: 12 }, (_, i) => -10 + i * 0.5), frameCount: 3, binCount: 4, frameRateHz: 100 },
  onsetFrames: Int32Array.of(0, 2),
  durationSeconds: 0.03,
  source: { format: 'wav', sampleRateHz: 44100, channels: 2 },
}, { sourceName: 'tiny.wav', sourceByteLength: 1234 });
writeFileSync(process.argv[2], bytes);
writeFileSync(process.argv[3], DSP_PARAMETERS_HASH);
"""


@pytest.fixture(scope='module')
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp('nsf')
    script = folder / 'write.ts'
    script.write_text(WRITER % {'root': ROOT.as_posix()})
    target, hash_file = folder / 'tiny.nsf', folder / 'hash.txt'
    subprocess.run([str(ROOT / 'node_modules/.bin/tsx'), str(script), str(target), str(hash_file)],
                   check=True, cwd=ROOT, timeout=120)
    return target, hash_file.read_text()


def test_reads_what_the_engine_wrote(written: tuple[Path, str]) -> None:
    path, dsp_hash = written
    spectrogram, onsets, header = read_features(path)
    assert spectrogram.dtype == np.float32 and spectrogram.shape == (3, 4)
    np.testing.assert_array_equal(spectrogram, (-10 + 0.5 * np.arange(12, dtype=np.float32)).reshape(3, 4))
    assert onsets.dtype == np.int32 and onsets.tolist() == [0, 2]
    assert header['frameCount'] == 3 and header['binCount'] == 4 and header['frameRateHz'] == 100
    assert header['durationSeconds'] == 0.03
    assert header['source'] == {'name': 'tiny.wav', 'byteLength': 1234, 'format': 'wav', 'sampleRateHz': 44100,
                                'channels': 2}
    assert header['dspParametersHash'] == dsp_hash
    assert header['dspParameters']['params']['BIN_COUNT'] == 352
    assert silence_value(header) == header['dspParameters']['spectrogram']['amplitude']['silenceValue']
    read_features(path, expected_dsp_hash=dsp_hash)


def test_refuses_damaged_files(written: tuple[Path, str]) -> None:
    data = written[0].read_bytes()
    with pytest.raises(FeatureFileError, match='magic'):
        parse_features(b'X' + data[1:])
    with pytest.raises(FeatureFileError, match='version 2'):
        parse_features(data[:8] + (2).to_bytes(4, 'little') + data[12:])
    with pytest.raises(FeatureFileError, match='truncated'):
        parse_features(data[:-1])
    with pytest.raises(FeatureFileError, match='trailing data'):
        parse_features(data + b'\0\0\0\0')
    with pytest.raises(FeatureFileError, match='shorter than'):
        parse_features(data[:10])
    with pytest.raises(FeatureFileError, match='other DSP parameters'):
        parse_features(data, expected_dsp_hash='0' * 64)
    backwards = data[:-8] + (2).to_bytes(4, 'little') + (1).to_bytes(4, 'little', signed=True)
    with pytest.raises(FeatureFileError, match='ascending'):
        parse_features(backwards)
    assert issubclass(FeatureFileError, ValueError) and FeatureFileError.code == 'INVALID_FEATURE_FILE'
