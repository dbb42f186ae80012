"""Every example runs on small data and writes its figure (they are documentation)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHARED = Path(os.environ.get("SKLEARN_MUSIC_SHARED_DATA",
                             Path(__file__).resolve().parents[2] / "shared" / "data"))

# example file -> (quick arguments, files it must write, needs ../shared/data)
CASES = {
    "nsynth_homework_cnn.py": (["--quick", "--out", "homework.png"], ["homework.png"], False),
    "multilabel_tagging.py": (["--quick", "--out", "roc.png"], ["roc.png"], False),
    "gtzan_genre_svm.py": (["--duration", "10", "--out", "cm.png"], ["cm.png"], True),
    "key_tempo.py": (["--n-clips", "6", "--out", "kt.png"], ["kt.png"], False),
    "optuna_study.py": (["--trials", "3", "--notes", "40"], ["optuna-example.db"], False),
}


def test_every_example_is_exercised():
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(CASES)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_example_runs(name, tmp_path):
    args, outputs, needs_shared = CASES[name]
    if needs_shared and not SHARED.is_dir():
        pytest.skip(f"{SHARED} is missing")
    env = {**os.environ, "MPLBACKEND": "Agg", "SKLEARN_MUSIC_SHARED_DATA": str(SHARED)}
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=tmp_path,
                            capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for output in outputs:
        assert (tmp_path / output).stat().st_size > 0, f"{name} did not write {output}"
