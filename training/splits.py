"""The fixed song split. A song's split depends only on its file name, so it never changes as the data budget grows
or shrinks, and the dev songs are never trained or tuned on.
"""
from __future__ import annotations

import hashlib

DEV, VALIDATION, TRAIN = 'dev', 'val', 'train'


def split_of(name: str) -> str:
    """'dev' (~10 %: held out, reported only), 'val' (~5 %: carved from the training songs, used to pick the
    threshold and the best epoch) or 'train', from the SHA-256 of the file name (e.g. '001.mid')."""
    bucket = int(hashlib.sha256(name.encode('utf-8')).hexdigest()[:8], 16) % 20
    if bucket < 2:
        return DEV
    if bucket == 2:
        return VALIDATION
    return TRAIN
