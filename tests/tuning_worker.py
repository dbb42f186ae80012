"""One process of a tuning run, started by tests/test_tuning.py (killed and resumed) and
tests/test_tuning_postgres.py (two processes sharing a study).

    python tests/tuning_worker.py STORAGE STUDY N_TRIALS SEED [--delay S] [--grace S]
                                  [--ready FILE --go FILE]

It tunes C of a logistic regression on a small synthetic table, with a transformer that
sleeps ``delay`` seconds per call so that trials take long enough to be killed or shared,
and prints the number of finished trials in the study.
"""

import argparse
import time
from pathlib import Path


def slow_identity(X, delay):
    time.sleep(delay)
    return X


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("storage")
    parser.add_argument("study")
    parser.add_argument("n_trials", type=int)
    parser.add_argument("seed", type=int)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--grace", type=int, help="heartbeat grace period in seconds")
    parser.add_argument("--ready", help="file to create once imported")
    parser.add_argument("--go", help="file to wait for before starting")
    args = parser.parse_args()

    from optuna.distributions import FloatDistribution
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from sklearn_music.tuning import StudySearchCV
    from sklearn_music.tuning import storage

    if args.grace:
        storage.HEARTBEAT_INTERVAL, storage.GRACE_PERIOD = 1, args.grace
    if args.ready:
        Path(args.ready).touch()
        while not Path(args.go).exists():
            time.sleep(0.05)
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    pipe = make_pipeline(FunctionTransformer(slow_identity, kw_args={"delay": args.delay}),
                         LogisticRegression())
    search = StudySearchCV(pipe, {"logisticregression__C": FloatDistribution(1e-3, 1e2,
                                                                             log=True)},
                           cv=2, n_trials=args.n_trials, storage=args.storage,
                           study_name=args.study, refit=False, random_state=args.seed)
    search.fit(X, y)
    print(search.n_trials_)


if __name__ == "__main__":
    main()
