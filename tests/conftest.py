"""Shared test fixtures: the real-music slices in ../shared/data, small audio files."""

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKLEARN_MUSIC_SHARED_DATA", REPO.parent / "shared" / "data"))


def _shared(name):
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"real-music slice {path} is missing (see ../shared/data/README.md)")
    return path


@pytest.fixture(scope="session")
def gtzan_root():
    """The GTZAN slice: genres/<genre>/<genre>.000NN.flac plus key/tempo/beat annotations."""
    return _shared("gtzan-mini-dev")


@pytest.fixture(scope="session")
def nsynth_root():
    """The NSynth slice: examples.json and audio/*.wav (16 kHz, 4 s notes)."""
    return _shared("nsynth-mini")


@pytest.fixture(scope="session")
def gtzan_paths(gtzan_root):
    """All 50 GTZAN clips, sorted by genre then index."""
    return sorted(str(p) for p in (gtzan_root / "genres").glob("*/*.flac"))


@pytest.fixture
def tone_files(tmp_path):
    """Three short wav files (sine tones, 22050 Hz) and their frequencies."""
    sr = 22050
    freqs = [220.0, 440.0, 880.0]
    paths = []
    for f in freqs:
        t = np.arange(int(sr * 1.5)) / sr
        path = tmp_path / f"tone_{int(f)}.wav"
        sf.write(path, 0.5 * np.sin(2 * np.pi * f * t), sr)
        paths.append(str(path))
    return paths, freqs
