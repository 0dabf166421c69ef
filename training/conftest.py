"""Puts training/ on sys.path for the tests (the training modules are plain scripts, not an installed package)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
