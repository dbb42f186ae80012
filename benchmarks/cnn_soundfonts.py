"""Instrument families on notes from an unseen SoundFont: CNNClassifier against MFCC + SVM.

Run from the repository root::

    python benchmarks/cnn_soundfonts.py            # 3000 + 1000 notes, 1500 + 500 mixtures
    python benchmarks/cnn_soundfonts.py --quick    # a smoke run of a minute or two

The training notes are NSynth-style notes (4 s at 16 kHz, held 3 s, 11 families) rendered
from one General MIDI SoundFont (TimGM6mb, shipped with pretty_midi), the test notes from
another (FluidR3, Debian's ``fluid-soundfont-gm``): no instrument recording heard in test
was heard in training, as NSynth's test split holds out whole instruments. Both models are
measured in the same run, on the same notes:

- CNN: the design card's pipeline, ``MelSpectrogram(n_mels=64, n_frames=64)`` (64 mel
  bands x 64 frames of 32 ms: the first 2 s of the note) then
  ``CNNClassifier(architecture="resnet", max_epochs=30)``;
- baseline: ``MFCC`` (20 coefficients), ``Pooling`` (mean and standard deviation),
  ``StandardScaler`` and ``SVC`` at its defaults.

It prints accuracy, macro F1, training time and training throughput (clips per second),
with the machine's CPU count and load, since throughput depends on both, and the CNN's
accuracy on each family (which instruments carry over to the other SoundFont). When the real
NSynth slice is found (``--nsynth-root``), the trained models are also scored on those
notes (real recordings, 10 families) as a sanity check.

Then the same for multi-label tagging: mixtures of one to three families playing a chord
(``make_mixtures``), rendered from the training SoundFont (``--n-mixtures``) and from each
test SoundFont (a third as many), scored by macro ROC-AUC and PR-AUC: ``CNNTagger`` at its
defaults on 64 mel bands x 64 frames covering the whole 4 s, against
``MultiOutputClassifier(LogisticRegression)`` on pooled MFCCs. Both learn from the training
mixtures and from the single notes above, each note a row with one tag; the CNN's
``overlay`` augmentation mixes those into new mixtures in every epoch.

FluidR3 is not on PyPI; install it with ``apt-get install fluid-soundfont-gm`` or give any
other General MIDI ``.sf2`` with ``--test-soundfont`` (repeat it to test on several, e.g.
csound's ``/usr/share/sounds/sf2/sf_GMbank.sf2`` from ``apt-get install csound-soundfont``).
``--train-soundfont``, repeated, trains on notes of several SoundFonts, taking turns.
``--self-train 0.7`` adds one round of self-training on each test SoundFont's notes, their
labels unseen (docs/deep-models-experiments.md, "Recordings without labels").
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_music import MFCC, AudioLoader, CNNClassifier, CNNTagger, MelSpectrogram, Pooling
from sklearn_music.datasets import load_nsynth, make_mixtures, make_notes
from sklearn_music.datasets.generators import FAMILIES
from sklearn_music.datasets.soundfont import ENGINES, default_soundfont
from sklearn_music.metrics import tagging_scores

SR = 16000
FLUID_R3 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
NSYNTH_MINI = Path(__file__).resolve().parents[2] / "shared" / "data" / "nsynth-mini"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=None,
                        help="training notes (default 3000; 300 with --quick)")
    parser.add_argument("--n-test", type=int, default=None,
                        help="test notes (default 1000; 200 with --quick)")
    parser.add_argument("--n-mixtures", type=int, default=None,
                        help="training mixtures for tagging, a third as many to test "
                             "(0 skips tagging; default 1500, 150 with --quick)")
    parser.add_argument("--train-soundfont", action="append", default=None,
                        help="SoundFont of the training notes, repeatable: the notes take "
                             "turns ('default': TimGM6mb, the default)")
    parser.add_argument("--test-soundfont", action="append", default=None,
                        help=f"SoundFont of the test notes, repeatable (default: {FLUID_R3})")
    parser.add_argument("--train-engine", choices=ENGINES, default=None,
                        help="engine rendering the training clips (default: the generators')")
    parser.add_argument("--test-engine", choices=ENGINES, default=None,
                        help="engine rendering the test clips (default: the generators')")
    parser.add_argument("--architecture", default="resnet", help="CNNClassifier architecture")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="max_epochs of both networks (default: 30 for the classifier, "
                             "as the design card; the tagger's own default)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="PyTorch threads for the CNN (CNNClassifier n_jobs)")
    parser.add_argument("--nsynth-root", type=Path, default=NSYNTH_MINI,
                        help="real NSynth notes for a sanity check (skipped when missing)")
    parser.add_argument("--self-train", type=float, default=None, metavar="THRESHOLD",
                        help="also self-train on each test SoundFont's notes, labels unseen: "
                             "the network's predictions of probability THRESHOLD or more "
                             "join the training notes and a new network is fitted")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help="300 training and 200 test notes, 150 mixtures, 5 epochs, "
                             "where those options are not given")
    args = parser.parse_args(argv)
    sizes = dict(n_train=(3000, 300), n_test=(1000, 200), n_mixtures=(1500, 150),
                 max_epochs=(None, 5))
    for name, (full, quick) in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.train_soundfont = [None if f == "default" else f
                            for f in args.train_soundfont or ["default"]]
    args.test_soundfont = args.test_soundfont or [FLUID_R3]
    heard = {Path(default_soundfont() if f is None else f).resolve()
             for f in args.train_soundfont}
    for path in args.test_soundfont:
        if Path(path).resolve() in heard:
            parser.error(f"{path} is a training SoundFont too: the test notes must come from "
                         "instruments never heard in training")
        if not Path(path).is_file():
            parser.error(
                f"the test SoundFont {path} is missing: install FluidR3 with "
                "`apt-get install fluid-soundfont-gm`, or pass another General MIDI .sf2 "
                "with --test-soundfont"
            )
    return args


def render(make, n, soundfont, seed, engine):
    """``make_notes`` or ``make_mixtures`` clips from a SoundFont: waveforms, targets."""
    start = time.perf_counter()
    options = {} if engine is None else {"engine": engine}
    clips = make(n, soundfont=soundfont, random_state=seed, **options)
    fonts = ", ".join(dict.fromkeys(Path(f).name for f in np.atleast_1d(clips.soundfont)))
    print(f"rendered {n} clips ({make.__name__}, engine {engine or 'default'}) from {fonts} "
          f"in {time.perf_counter() - start:.0f} s", flush=True)
    return clips.data, clips.target


def design_mel_spectrogram():
    """The design card's front end, written as there: ``sr`` is left at its default, so
    the bands are laid out as for 22,050 Hz audio (only their names change), and 64 hops
    of 512 samples cover the first 2 s of a 16 kHz note."""
    return MelSpectrogram(n_mels=64, n_frames=64)


def whole_note_mel_spectrogram():
    """64 mel bands x 64 frames over the 4 s note (hop of 1000 samples at 16 kHz)."""
    return MelSpectrogram(sr=SR, n_fft=1024, hop_length=1000, n_mels=64, n_frames=64)


def report(name, y_true, y_pred, fit_seconds, clips_per_second):
    print(f"{name:34} | accuracy {accuracy_score(y_true, y_pred):.3f} | macro F1 "
          f"{f1_score(y_true, y_pred, average='macro'):.3f} | fit {fit_seconds:6.1f} s | "
          f"{clips_per_second:7.0f} train clips/s", flush=True)


def report_tags(name, Y_true, Y_score, fit_seconds, clips_per_second):
    scores = tagging_scores(Y_true, Y_score)
    print(f"{name:34} | ROC-AUC {scores['roc_auc_macro']:.3f} | PR-AUC "
          f"{scores['pr_auc_macro']:.3f} | fit {fit_seconds:6.1f} s | "
          f"{clips_per_second:7.0f} train clips/s", flush=True)


def cnn_params(args, max_epochs=None):
    params = {"architecture": args.architecture, "n_jobs": args.n_jobs,
              "random_state": args.seed}
    max_epochs = args.max_epochs or max_epochs
    if max_epochs:
        params["max_epochs"] = max_epochs
    return params


def timed_fit(model, X, y):
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def cnn_throughput(net, n_clips, seconds):
    """Training clips processed per second, validation passes included in the time."""
    return len(net.history) * (n_clips - len(net.validation_indices_)) / seconds


def self_train(cnn, threshold, S_train, y_train, S_test, y_test):
    """One round of self-training on the test notes, as ``SelfTrainingClassifier(pipeline,
    threshold=threshold, max_iter=1)`` does; its first fit, on the training notes alone,
    is the network already fitted, so it is reused, and the second a clone of it.
    ``y_test`` only counts how many of the network's labels are right."""
    proba = cnn.predict_proba(S_test)
    sure = proba.max(axis=1) >= threshold
    labels = cnn.classes_[proba.argmax(axis=1)]
    print(f"self-training: the network labelled {sure.sum()} of {len(S_test)} test notes "
          f"(threshold {threshold}; {np.mean(labels[sure] == y_test[sure]):.0%} of "
          "them right)", flush=True)
    X = np.concatenate([S_train, S_test[sure]])
    net = clone(cnn)
    seconds = timed_fit(net, X, np.concatenate([y_train, labels[sure]]))
    return net, seconds, cnn_throughput(net, len(X), seconds)


def classify_notes(args, X_train, y_train):
    tests = {Path(path).name: render(make_notes, args.n_test, path, args.seed + 1,
                                     args.test_engine)
             for path in args.test_soundfont}
    start = time.perf_counter()
    mel = design_mel_spectrogram().fit(X_train)
    S_train = mel.transform(X_train)
    print(f"log-mel features of {len(X_train)} training notes in "
          f"{time.perf_counter() - start:.0f} s", flush=True)

    cnn = CNNClassifier(**cnn_params(args, max_epochs=30))
    cnn_seconds = timed_fit(cnn, S_train, y_train)
    cnn_speed = cnn_throughput(cnn, len(S_train), cnn_seconds)
    print(f"CNN on {cnn.device_}: {len(cnn.history)} epochs (best valid_loss at epoch "
          f"{int(np.argmin(cnn.history[:, 'valid_loss'])) + 1}), "
          f"validation accuracy {cnn.history[-1, 'valid_acc']:.3f}", flush=True)
    svm = make_pipeline(MFCC(sr=SR, n_mfcc=20, n_fft=1024, hop_length=512),
                        Pooling(stats=("mean", "std")), StandardScaler(), SVC())
    svm_seconds = timed_fit(svm, X_train, y_train)
    svm_speed = len(X_train) / svm_seconds

    for name, (X_test, y_test) in tests.items():
        print(f"\ntest: {len(X_test)} notes from {name} (instruments never heard in "
              "training)")
        S_test = mel.transform(X_test)
        y_cnn = cnn.predict(S_test)
        report(f"CNNClassifier({args.architecture})", y_test, y_cnn, cnn_seconds, cnn_speed)
        recall = recall_score(y_test, y_cnn, labels=cnn.classes_, average=None)
        print("  CNN accuracy per family: " + ", ".join(
            f"{family} {r:.2f}" for family, r in zip(cnn.classes_, recall)), flush=True)
        report("MFCC + SVM (features in fit)", y_test, svm.predict(X_test), svm_seconds,
               svm_speed)
        if args.self_train is not None:
            net, seconds, speed = self_train(cnn, args.self_train, S_train, y_train,
                                             S_test, y_test)
            report("CNN self-trained on these notes", y_test, net.predict(S_test), seconds,
                   speed)

    if args.nsynth_root.is_dir():
        real = load_nsynth(args.nsynth_root)
        waves = AudioLoader(sr=SR, duration=4.0).fit_transform(real.paths)
        print(f"\nreal NSynth notes: {len(real.paths)} from {args.nsynth_root} "
              f"({len(set(real.target))} families)")
        report("CNNClassifier on real notes", real.target, cnn.predict(mel.transform(waves)),
               cnn_seconds, cnn_speed)
        report("MFCC + SVM on real notes", real.target, svm.predict(waves), svm_seconds,
               svm_speed)


def tag_mixtures(args, X_notes, y_notes):
    """Both taggers learn from the training SoundFont's mixtures and from its single notes
    (the classifier's), each note a row with one tag: the CNN's ``overlay`` augmentation
    mixes them into new mixtures every epoch."""
    n_test = max(args.n_mixtures // 3, 30)
    X_mix, Y_mix = render(make_mixtures, args.n_mixtures, args.train_soundfont,
                          args.seed + 2, args.train_engine)
    X_train = np.concatenate([X_mix, X_notes])
    one_tag = (y_notes[:, None] == np.asarray(FAMILIES)).astype(Y_mix.dtype)
    Y_train = np.concatenate([Y_mix, one_tag])
    print(f"tagger training set: {len(X_mix)} mixtures and {len(X_notes)} single notes",
          flush=True)
    tests = {Path(path).name: render(make_mixtures, n_test, path, args.seed + 3,
                                     args.test_engine)
             for path in args.test_soundfont}
    mel = whole_note_mel_spectrogram().fit(X_train)
    S_train = mel.transform(X_train)

    tagger = CNNTagger(**cnn_params(args))
    cnn_seconds = timed_fit(tagger, S_train, Y_train)
    cnn_speed = cnn_throughput(tagger, len(S_train), cnn_seconds)
    print(f"CNN on {tagger.device_}: {len(tagger.history)} epochs, validation ROC-AUC "
          f"{tagger.history[-1, 'valid_auc']:.3f}", flush=True)
    classical = make_pipeline(MFCC(sr=SR, n_mfcc=20, n_fft=1024, hop_length=512),
                              Pooling(stats=("mean", "std")), StandardScaler(),
                              MultiOutputClassifier(LogisticRegression(max_iter=2000)))
    lr_seconds = timed_fit(classical, X_train, Y_train)

    for name, (X_test, Y_test) in tests.items():
        print(f"\ntest: {len(X_test)} mixtures from {name}")
        report_tags(f"CNNTagger({args.architecture})", Y_test,
                    tagger.predict_proba(mel.transform(X_test)), cnn_seconds, cnn_speed)
        Y_score = np.column_stack([p[:, 1] for p in classical.predict_proba(X_test)])
        report_tags("MFCC + MultiOutput(LogisticReg.)", Y_test, Y_score, lr_seconds,
                    len(X_train) / lr_seconds)


def main(argv=None):
    args = parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start, "
          f"torch {torch.__version__}, CNN on {args.n_jobs} thread(s)", flush=True)
    print("\n== instrument family of single notes ==", flush=True)
    X_notes, y_notes = render(make_notes, args.n_train, args.train_soundfont, args.seed,
                              args.train_engine)
    classify_notes(args, X_notes, y_notes)
    if args.n_mixtures:
        print("\n== tagging the families playing in mixtures ==", flush=True)
        tag_mixtures(args, X_notes, y_notes)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main(sys.argv[1:])
