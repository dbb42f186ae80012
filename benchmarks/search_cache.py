"""What a grid search over a classifier costs with and without feature caching.

100 real clips: the 50 GTZAN clips of ../shared/data/gtzan-mini-dev, each cut into two
15-second halves (written as FLAC to a temporary folder; the halves of a clip stay in
one fold). The search is GridSearchCV over ``make_classical_pipeline`` (AudioLoader ->
MFCC, chroma, spectral and tempo features -> StandardScaler -> SVC): 12 candidates
(C x gamma) x 5 folds, plus the refit.

Measured in this one process, in this order, after a warm-up on two clips (librosa's
just-in-time compilation, filterbanks):

1. one extraction pass: load + features of the 100 clips, no cache;
2. the fits: the same GridSearchCV on that precomputed feature table;
3. the search with caching (``make_classical_pipeline(memory=...)``), from an empty cache;
4. the same search again in a fresh cache state of this process (decoded clips and
   in-memory features dropped), so features come back from the disk cache;
5. the search without caching: by default one candidate over the 5 folds (refit off),
   scaled to 12 candidates plus a refit; ``--full-uncached`` runs all of it.

The ratios are search time / (one extraction pass + the fits).

    python benchmarks/search_cache.py
"""

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music._cache import memory_cache
from sklearn_music.pipelines import make_classical_pipeline

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "gtzan-mini-dev"
GRID = {"clf__C": [0.1, 1.0, 10.0, 100.0], "clf__gamma": ["scale", 0.01, 0.001]}
CV = GroupKFold(n_splits=5)


def _halves(data, folder):
    """Write each GTZAN clip's two 15-s halves; return paths, genres and source clips."""
    paths, genres, groups = [], [], []
    files = sorted(Path(data, "genres").glob("*/*.flac"))
    for k, file in enumerate(files):
        y, sr = sf.read(file, dtype="float32")
        half = 15 * sr
        for i, part in enumerate((y[:half], y[half : 2 * half])):
            path = os.path.join(folder, f"{file.stem}.{i}.flac")
            sf.write(path, part, sr)
            paths.append(path)
            genres.append(file.parent.name)
            groups.append(k)
    return paths, np.array(genres), np.array(groups)


def _timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _search(pipeline, grid, paths, genres, groups, refit=True):
    search = GridSearchCV(pipeline, grid, cv=CV, refit=refit)
    return search.fit(paths, genres, groups=groups)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--full-uncached", action="store_true",
                        help="run the whole search without caching (about 60 passes)")
    args = parser.parse_args()
    n_candidates = int(np.prod([len(v) for v in GRID.values()]))

    with tempfile.TemporaryDirectory() as folder:
        paths, genres, groups = _halves(args.data, folder)
        if not paths:
            raise SystemExit(f"no GTZAN clips under {args.data}/genres")
        print(f"{len(paths)} clips of 15 s; GridSearchCV {n_candidates} candidates x "
              f"{CV.get_n_splits()} folds + refit; one process; {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip

        plain = make_classical_pipeline()
        features = plain[:2]
        features.fit_transform(paths[:2])  # first use: librosa's JIT compilation, filterbanks
        t_extract, table = _timed(lambda: features.fit_transform(paths))
        t_fits, _ = _timed(lambda: _search(make_pipeline(StandardScaler(), SVC()),
                                           {f"svc__{k[5:]}": v for k, v in GRID.items()},
                                           table, genres, groups))  # fmt: skip
        reference = t_extract + t_fits
        print(f"one extraction pass {t_extract:6.1f} s ({len(paths) / t_extract:.1f} clips/s);"
              f" the fits {t_fits:.1f} s")  # fmt: skip

        cache = os.path.join(folder, "cache")
        cached = make_classical_pipeline(memory=cache)
        t_cached, search = _timed(lambda: _search(cached, GRID, paths, genres, groups))
        print(f"search, caching, empty cache  {t_cached:7.1f} s   ratio {t_cached / reference:5.2f}"
              f"   (best C={search.best_params_['clf__C']}, "
              f"gamma={search.best_params_['clf__gamma']})")  # fmt: skip
        memory_cache.clear()
        t_again, _ = _timed(lambda: _search(cached, GRID, paths, genres, groups))
        print(f"search, caching, from disk    {t_again:7.1f} s   ratio {t_again / reference:5.2f}")

        if args.full_uncached:
            t_plain, _ = _timed(lambda: _search(plain, GRID, paths, genres, groups))
            how = "measured"
        else:
            one = {k: v[:1] for k, v in GRID.items()}
            t_one, _ = _timed(lambda: _search(plain, one, paths, genres, groups, refit=False))
            t_plain = n_candidates * t_one + t_extract
            how = f"1 candidate measured ({t_one:.1f} s) x {n_candidates} + refit"
        print(f"search, no caching            {t_plain:7.1f} s   ratio {t_plain / reference:5.2f}"
              f"   ({how})")  # fmt: skip
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
