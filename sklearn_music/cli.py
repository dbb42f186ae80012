"""The ``sklearn-music`` command: demo, extract, train, evaluate, predict, tune, analyze.

Exit codes: 0 success; 1 the work failed (unreadable audio, bad model file, ...), with a
one-line reason on stderr; 2 the command line is wrong (argparse's usage error).

``extract``, ``train``, ``evaluate``, ``predict`` and ``analyze`` take
``--on-error {raise,skip,warn}``: with skip or warn, files that cannot be read are left out
(labels with them), listed on stderr and under ``dropped`` in the ``--json`` output, and the
command still exits with 0; it exits with 1 when no file at all can be read.
"""

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def _print_json(obj):
    print(json.dumps(obj, indent=2, default=str))


def _labelled_folder(root):
    """Paths and labels of a class-per-subfolder collection (GTZAN's genres/ too)."""
    from .datasets.folder import load_audio_folder

    root = Path(root)
    if (root / "genres").is_dir():
        root = root / "genres"
    data = load_audio_folder(root)
    return data.paths, data.target


def _audio_files(items):
    """The files given, and the audio files under the folders given (recursively).

    In folders, hidden files and folders are skipped, as ``load_audio_folder`` skips them:
    macOS's ``._song.wav`` beside ``song.wav`` is not audio. A file named is always read.
    """
    from .datasets._common import AUDIO_EXTENSIONS, is_hidden

    files = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            files += sorted(
                str(p) for p in path.rglob("*")
                if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file()
                and not any(is_hidden(part) for part in p.relative_to(path).parts)
            )  # fmt: skip
        else:
            files.append(str(path))
    if not files:
        raise ValueError(f"no audio files in {', '.join(items)}")
    return files


def _screen(args, paths, labels=None):
    """The files that can be read (and their labels), per ``--on-error``, and the rest.

    Returns the paths and labels kept and a list of ``{"path", "error"}`` for the files
    left out, which are also reported on stderr.
    """
    if args.on_error == "raise":  # the work stops with exit code 1 at the first bad file
        return paths, labels, []
    from .screening import screen_audio

    data = screen_audio(paths, labels, n_jobs=getattr(args, "n_jobs", None),
                        progress=not args.json)  # fmt: skip
    dropped = data.dropped[["path", "error"]].to_dict("records")
    _report_dropped(args, dropped, len(paths))
    if args.on_error == "warn":
        for d in dropped:
            print(_skipped_line(args, d), file=sys.stderr)
    return data.X, data.y, dropped


def _skipped_line(args, dropped):
    """The --on-error warn line of one file left out."""
    return f"sklearn-music {args.command}: skipped {dropped['path']}: {dropped['error']}"


def _report_dropped(args, dropped, n_files):
    """Fail when no file could be read; with --on-error skip, list the files left out."""
    if len(dropped) == n_files:
        raise ValueError(f"none of the {n_files} files could be read; the first: "
                         f"{dropped[0]['path']}: {dropped[0]['error']}")  # fmt: skip
    if dropped and args.on_error == "skip":
        print(f"sklearn-music {args.command}: skipped {len(dropped)} of {n_files} files that "
              "could not be read: " + ", ".join(d["path"] for d in dropped), file=sys.stderr)


def cmd_demo(args):
    from .demo import run_demo

    result = run_demo(out=args.out, per_family=args.per_family, n_splits=args.folds,
                      random_state=args.seed, progress=not args.json)
    if args.json:
        _print_json(result)


def cmd_extract(args):
    import numpy as np

    from sklearn.pipeline import make_pipeline

    from ._atomic import atomic_path, check_file_path
    from .io import AudioLoader
    from .pipelines import extract_with_progress, make_feature_union

    check_file_path(args.out)  # now, not after the extraction
    files, _, dropped = _screen(args, _audio_files(args.inputs))
    union = make_feature_union(sr=args.sr, n_jobs=args.n_jobs,
                               features=args.features.split(","), stats=args.stats.split(","))
    extractor = make_pipeline(AudioLoader(sr=args.sr, duration=args.duration,
                                          n_jobs=args.n_jobs), union)
    extractor.set_output(transform="pandas")
    table = extract_with_progress(extractor, files, progress=not args.json)
    table.insert(0, "path", np.asarray(files))
    with atomic_path(args.out) as tmp:
        table.to_csv(tmp, index=False)
    summary = {"files": len(files), "features": table.shape[1] - 1, "out": args.out,
               "dropped": dropped}
    _print_json(summary) if args.json else print(
        f"wrote {summary['features']} features of {summary['files']} files to {args.out}"
    )


def cmd_train(args):
    import shutil
    import tempfile

    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from ._atomic import check_file_path
    from .persistence import save_model
    from .pipelines import extract_with_progress, make_classical_pipeline, make_cnn_pipeline

    check_file_path(args.out)  # now, not after the training
    paths, labels, dropped = _screen(args, *_labelled_folder(args.data))
    # Features are cached per clip while training: computed once with a progress bar,
    # then read back by the cross-validation folds and the final fit.
    cache = args.cache or tempfile.mkdtemp(prefix="sklearn-music-train-")
    try:
        class_weight = None if args.class_weight == "none" else args.class_weight
        if args.model == "svm":
            model = make_classical_pipeline(sr=args.sr, duration=args.duration,
                                            n_jobs=args.n_jobs, memory=cache,
                                            class_weight=class_weight)
        else:
            model = make_cnn_pipeline(sr=args.sr, duration=args.duration, memory=cache,
                                      max_epochs=args.epochs, random_state=args.seed,
                                      class_weight=class_weight)
        extract_with_progress(model[:-1] if args.model == "cnn" else model[:2], list(paths),
                              progress=not args.json)
        result = {"data": str(args.data), "clips": len(paths), "model": args.model,
                  "classes": sorted(set(labels)), "dropped": dropped}
        if args.cv:
            cv = StratifiedKFold(args.cv, shuffle=True, random_state=args.seed)
            scores = cross_val_score(model, paths, labels, cv=cv, scoring="f1_macro")
            result["cv_f1_macro"] = {"mean": float(scores.mean()),
                                     "std": float(scores.std()), "folds": scores.tolist()}
        model.fit(paths, labels)
        _drop_cache(model)
    finally:
        if args.cache is None:
            shutil.rmtree(cache, ignore_errors=True)
    save_model(model, args.out, metadata=result)
    result["out"] = str(args.out)
    if args.json:
        _print_json(result)
    else:
        if args.cv:
            cv_scores = result["cv_f1_macro"]
            print(f"{args.cv}-fold CV macro F1: {cv_scores['mean']:.3f} +- {cv_scores['std']:.3f}")
        print(f"trained on {len(paths)} clips, {len(result['classes'])} classes; saved {args.out}")


def _drop_cache(model):
    """Unset the training cache, so the saved model does not point at a removed folder."""
    params = model.get_params()
    model.set_params(**{name: None for name in params if name.endswith("memory")},
                     **{name: False for name in params if name.endswith("__cache")})


def cmd_evaluate(args):
    from .evaluation import summarize_classification
    from .persistence import load_model
    from .plotting import _figure_format, plot_confusion_matrix, save_figure

    if args.figure:
        _figure_format(args.figure)  # a bad name fails now, not after every prediction
    model = load_model(args.model)
    paths, labels, dropped = _screen(args, *_labelled_folder(args.data))
    predictions = model.predict(paths)
    summary = summarize_classification(labels, predictions)
    result = {**summary.to_dict(), "dropped": dropped}
    if args.figure:
        ax = plot_confusion_matrix(labels, predictions, title=Path(args.model).name)
        result["figure"] = save_figure(ax, args.figure)
    _print_json(result) if args.json else print(summary)


def cmd_predict(args):
    import numpy as np
    from sklearn.pipeline import Pipeline

    from .persistence import load_model

    model = load_model(args.model)
    given = _audio_files(args.inputs)
    files, _, dropped = _screen(args, given)
    # Decode and extract features once, then ask the final estimator for both answers.
    features, final = files, model
    if isinstance(model, Pipeline):
        features, final = model[:-1].transform(files), model[-1]
    labels = final.predict(features)
    rows = [{"path": f, "label": str(label)} for f, label in zip(files, labels)]
    if hasattr(final, "predict_proba"):  # False for e.g. SVC(probability=False)
        for row, p in zip(rows, final.predict_proba(features)):
            row["probability"] = float(np.max(p))
    if args.json:  # every file given, in order; those left out say why instead of a label
        errors = {d["path"]: d["error"] for d in dropped}
        predicted = iter(rows)
        _print_json([{"path": f, "error": errors[f]} if f in errors else next(predicted)
                     for f in given])  # fmt: skip
    else:
        for row in rows:
            extra = f"\t{row['probability']:.3f}" if "probability" in row else ""
            print(f"{row['path']}\t{row['label']}{extra}")


def cmd_tune(args):
    from dataclasses import replace

    from .tuning import load_config, run_config

    config = load_config(args.config)
    overrides = {key: getattr(args, key) for key in ("n_trials", "timeout", "storage")
                 if getattr(args, key) is not None}
    result = run_config(replace(config, **overrides), progress=not args.json)
    if args.json:
        _print_json(result)
        return
    print(f"study {result['study']}: {result['trials']} finished trials; best "
          f"{result['scoring']} {result['best_score']:.4f} with")
    for name, value in result["best_params"].items():
        print(f"  {name} = {value!r}")
    for name, path in result["files"].items():
        print(f"wrote {name}: {path}")


ANALYSIS_TASKS = ("key", "tempo", "beats", "chords")


def _analyze_file(path, tasks, sr, figure=None):
    """Key, tempo, beats and chords of one file (decoded once), or its AudioError.

    With ``figure`` (a PNG path), also draws the file's chromagram under its chords and
    beats there.
    """
    import re
    import warnings

    from .exceptions import AudioError
    from .io import load_audio
    from .mir import ChordEstimator, KeyEstimator, TempoEstimator

    try:
        y, _ = load_audio(path, sr=sr)
    except AudioError as exc:
        return exc
    row = {"path": path}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if "key" in tasks:
            row["key"] = str(KeyEstimator(sr=sr).predict([y])[0])
        if "tempo" in tasks:
            row["tempo"] = round(float(TempoEstimator(sr=sr).predict([y])[0]), 2)
        if "beats" in tasks:
            beats = TempoEstimator(sr=sr).predict_beats([y])[0]
            row["beats"] = [round(float(t), 3) for t in beats]
        if "chords" in tasks:
            intervals, labels = ChordEstimator(sr=sr).predict([y])[0]
            row["chords"] = [[round(float(a), 3), round(float(b), 3), str(label)]
                             for (a, b), label in zip(intervals, labels)]  # fmt: skip
    if figure is not None:
        _analysis_figure(y, sr, row, figure)
    # The estimators' warnings name clips by index; here the one clip is the file.
    row["warnings"] = sorted({re.sub(r" \(indices \[0\]\)", "", str(w.message))
                              for w in caught})
    return row


def _analysis_figure(y, sr, row, path):
    """The chromagram under the chords and beats found (if any), saved to path."""
    import numpy as np
    from matplotlib.figure import Figure

    from .mir._chroma import chroma_frames
    from .plotting import plot_chords, plot_chroma, save_figure

    fig = Figure(figsize=(10, 4.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 4])
    hop = 2048 * sr // 22050  # about 93 ms, as the chord estimator's frames
    plot_chroma(chroma_frames(y, sr=sr, hop_length=hop), sr=sr, hop_length=hop, ax=bottom)
    if "chords" in row:
        chords = row["chords"]
        plot_chords([c[:2] for c in chords], [c[2] for c in chords], beats=row.get("beats"),
                    ax=top)  # fmt: skip
    elif "beats" in row:  # no chord segments asked for: the beats alone
        plot_chords(np.empty((0, 2)), [], beats=row["beats"], ax=top)
    else:
        top.set_visible(False)
    top.set_xlabel("")
    top.tick_params(labelbottom=False)
    found = [row["key"]] if "key" in row else []
    found += [f"{row['tempo']:.0f} BPM"] if "tempo" in row else []
    fig.suptitle(Path(row["path"]).name + (f": {', '.join(found)}" if found else ""))
    save_figure(fig, path)


def _analysis_names(files, out_dir):
    """Output stem of each file in ``out_dir``; two files with one name are an error."""
    stems = {}
    for f in files:
        stem = Path(f).stem
        if stem in stems:
            raise ValueError(f"{stems[stem]} and {f} would both write {Path(out_dir) / stem}.*;"
                             " analyze them into different --out-dir folders")
        stems[stem] = f
    return {f: Path(out_dir) / stem for stem, f in stems.items()}


def _write_analysis(rows, names, out_dir, tasks):
    """analysis.csv (one row per file), <stem>.beats and <stem>.lab, each written whole."""
    import pandas as pd

    from ._atomic import atomic_path

    written = []
    for row in rows:
        if "beats" in row:
            with atomic_path(f"{names[row['path']]}.beats") as tmp:
                Path(tmp).write_text("".join(f"{t:.3f}\n" for t in row["beats"]))
            written.append(f"{names[row['path']]}.beats")
        if "chords" in row:
            with atomic_path(f"{names[row['path']]}.lab") as tmp:
                Path(tmp).write_text("".join(f"{a:.3f}\t{b:.3f}\t{label}\n"
                                             for a, b, label in row["chords"]))
            written.append(f"{names[row['path']]}.lab")
    columns = ["path"] + [t for t in ("key", "tempo") if t in tasks]
    table = Path(out_dir) / "analysis.csv"
    with atomic_path(table) as tmp:
        pd.DataFrame(rows, columns=columns).to_csv(tmp, index=False)
    return [str(table)] + written


def cmd_analyze(args):
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    from .exceptions import AudioError

    tasks = args.tasks.split(",")
    unknown = sorted(set(tasks) - set(ANALYSIS_TASKS))
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(ANALYSIS_TASKS)}")  # fmt: skip
    if {"beats", "chords"} & set(tasks) and not (args.out_dir or args.json):
        raise ValueError("beats and chords are written as files: give --out-dir (or --json)")
    if args.figures and not args.out_dir:
        raise ValueError("--figures are written into --out-dir: give one")
    files = _audio_files(args.inputs)
    names = _analysis_names(files, args.out_dir) if args.out_dir else None
    results = Parallel(n_jobs=args.n_jobs, return_as="generator")(
        delayed(_analyze_file)(f, tasks, args.sr,
                               f"{names[f]}.png" if args.figures else None)
        for f in files
    )
    rows, dropped = [], []
    with tqdm(total=len(files), unit="file", desc="analyze", disable=args.json) as bar:
        for f, result in zip(files, results):
            bar.update()
            if isinstance(result, AudioError):
                if args.on_error == "raise":
                    raise result
                dropped.append({"path": f, "error": result.reason})
                if args.on_error == "warn":
                    bar.write(_skipped_line(args, dropped[-1]), file=sys.stderr)
                continue
            for warning in result.pop("warnings"):
                bar.write(f"sklearn-music analyze: {f}: {warning}", file=sys.stderr)
            rows.append(result)
    _report_dropped(args, dropped, len(files))
    written = _write_analysis(rows, names, args.out_dir, tasks) if args.out_dir else []
    written += [f"{names[row['path']]}.png" for row in rows] if args.figures else []
    if args.json:
        errors = {d["path"]: d for d in dropped}
        analysed = iter(rows)
        _print_json({"files": [errors[f] if f in errors else next(analysed) for f in files],
                     "written": written, "dropped": dropped})  # fmt: skip
        return
    shown = [t for t in ("key", "tempo") if t in tasks]
    for row in rows:
        print("\t".join([row["path"]] + [str(row[t]) for t in shown]))
    if written:
        print(f"wrote {len(written)} files to {args.out_dir}")


_SR_HELP = "sample rate files are loaded at, in Hz (default: %(default)s)"


def build_parser():
    parser = argparse.ArgumentParser(
        prog="sklearn-music",
        description="Music classification with scikit-learn: features, models, evaluation.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"sklearn-music {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_text, reads_audio=False):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        if reads_audio:
            p.add_argument(
                "--on-error", choices=["raise", "skip", "warn"], default="raise",
                help="a file that cannot be read: stop with exit code 1 (raise), or leave it "
                "out (with its label) and go on, listing it under 'dropped' in --json "
                "output and on stderr, in one line (skip) or one line per file with its "
                "problem (warn); default: raise",
            )
        return p

    p = add("demo", cmd_demo,
            "Render instrument notes from the bundled General MIDI SoundFont, cross-validate "
            "a classical pipeline on them (instruments never shared between train and test) "
            "and write the report and confusion matrix. No download.")
    p.add_argument("--out", default="sklearn-music-demo", help="output folder")
    p.add_argument("--per-family", type=int, default=24, help="notes per instrument family")
    p.add_argument("--folds", type=int, default=4, help="cross-validation folds")
    p.add_argument("--seed", type=int, default=0, help="seeds the notes and the classifier")

    p = add("extract", cmd_extract,
            "Compute pooled features (MFCC, chroma, spectral, tempo) of audio files into a CSV.",
            reads_audio=True)
    p.add_argument("inputs", nargs="+", help="audio files or folders")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument("--features", default="mfcc,chroma,spectral,tempo",
                   help="comma-separated feature sets (default: mfcc,chroma,spectral,tempo)")
    p.add_argument("--stats", default="mean,std",
                   help="comma-separated statistics over frames, e.g. mean,std,max "
                   "(default: mean,std)")
    p.add_argument("--sr", type=int, default=22050, help=_SR_HELP)
    p.add_argument("--duration", type=float, default=None,
                   help="seconds of each file, cropped or padded (default: whole files)")
    p.add_argument("--n-jobs", type=int, default=None, help="files analysed in parallel")

    p = add("train", cmd_train,
            "Train a classifier on a folder with one subfolder of audio files per class "
            "(GTZAN's layout works) and save it.", reads_audio=True)
    p.add_argument("data", help="folder of class subfolders")
    p.add_argument("--out", required=True, help="model file to write (.joblib)")
    p.add_argument("--model", choices=["svm", "cnn"], default="svm",
                   help="svm: pooled MFCC, chroma, spectral and tempo features and an RBF "
                   "SVM; cnn: a ResNet on log-mel spectrograms (default: svm)")
    p.add_argument("--class-weight", choices=["balanced", "none"], default="balanced",
                   help="balanced: every class counts alike in training, however many "
                   "clips it has; none: every clip counts alike (default: balanced)")
    p.add_argument("--sr", type=int, default=22050, help=_SR_HELP)
    p.add_argument("--duration", type=float, default=30.0,
                   help="seconds of each file, cropped or padded (default: 30)")
    p.add_argument("--epochs", type=int, default=30, help="CNN training epochs")
    p.add_argument("--cv", type=int, default=0, help="also report k-fold CV macro F1")
    p.add_argument("--cache", default=None,
                   help="keep the per-clip feature cache in this folder (reused by later runs)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the CV folds and the CNN (default: 0)")
    p.add_argument("--n-jobs", type=int, default=None, help="files analysed in parallel")

    p = add("evaluate", cmd_evaluate,
            "Score a saved model on a labelled folder: accuracy, precision, recall, F1.",
            reads_audio=True)
    p.add_argument("model", help="model file from `train`")
    p.add_argument("data", help="folder of class subfolders")
    p.add_argument("--figure", help="also write the confusion matrix to this file; its "
                   "extension gives the format (.png, .pdf, .svg, ...)")

    p = add("predict", cmd_predict, "Label audio files with a saved model.", reads_audio=True)
    p.add_argument("model", help="model file from `train`")
    p.add_argument("inputs", nargs="+", help="audio files or folders")

    p = add("tune", cmd_tune,
            "Tune a pipeline's features and model with an Optuna study described in a TOML "
            "file (see docs/tuning.md); print the best parameters and save the plots. A "
            "rerun resumes the stored study.")
    p.add_argument("config", help="TOML file: [data], [pipeline], [study], [space], [output]")
    p.add_argument("--n-trials", type=int, help="finished trials wanted (overrides the file)")
    p.add_argument("--timeout", type=float, help="seconds before no new trial starts")
    p.add_argument("--storage", help="study storage URL, e.g. postgresql://user@host/db")

    p = add("analyze", cmd_analyze,
            "Estimate the key, tempo, beats and chords of audio files (no training): a "
            "table of keys and tempi, a beat list and a chord .lab file per file.",
            reads_audio=True)
    p.add_argument("inputs", nargs="+", help="audio files or folders")
    p.add_argument("--tasks", default="key,tempo",
                   help="comma-separated, among key, tempo, beats, chords (default: key,tempo)")
    p.add_argument("--out-dir", help="write analysis.csv, <name>.beats and <name>.lab here")
    p.add_argument("--figures", action="store_true",
                   help="also draw each file's chromagram with its chords and beats "
                   "(<name>.png in --out-dir)")
    p.add_argument("--sr", type=int, default=22050, help=_SR_HELP)
    p.add_argument("--n-jobs", type=int, default=None, help="files analysed in parallel")
    return parser


def main(argv=None):
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (OSError, ValueError) as exc:
        print(f"sklearn-music {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
