"""Feature extraction speed: sklearn-music against a plain librosa loop, in the same run.

Two jobs on real GTZAN clips (../shared/data/gtzan-mini-dev, the 50 clips repeated to
``--n-clips``):

- ``mel``: load each file and compute its log-mel spectrogram (128 bands, dB);
- ``gtzan``: load each file and compute the GTZAN feature set (MFCC, chroma, spectral
  descriptors, mean and std over frames; tempo features), 108 numbers per clip.

The plain way loops over the files with ``librosa.load`` and one librosa call per
feature (each recomputing its STFT), in one process. Ours is ``MelSpectrogram`` and
``make_feature_union`` given the paths, with ``--n-jobs`` worker processes. Each side
runs in a fresh Python process, timed from the first file to the last result (worker
start-up included), and reports the CPU time of all its processes (a measure of the work
done that other load on the machine changes little) and its peak resident memory (its
own, and that of its largest worker). The outputs of both sides are compared number by
number.

    python benchmarks/extract.py --n-clips 200 --n-jobs 2
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SR = 22050
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "gtzan-mini-dev"


# --- the plain librosa way ----------------------------------------------------------------


def _librosa_mel(path):
    import librosa

    y, _ = librosa.load(path, sr=SR)
    return librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR))


def _librosa_tempo_features(y):
    """TempoFeatures' 18 numbers, each from librosa's own functions on the waveform."""
    import librosa

    from sklearn_music.features.rhythm import _PULSE_RANGE_BPM, _RATIOS

    envelope = librosa.onset.onset_strength(y=y, sr=SR)
    tempogram = librosa.feature.tempogram(onset_envelope=envelope, sr=SR)
    tempo = librosa.feature.tempo(tg=tempogram, sr=SR)[0]
    mean_tempogram = tempogram.mean(axis=1)
    bpm = librosa.tempo_frequencies(len(mean_tempogram), sr=SR)
    beat_range = mean_tempogram[(bpm >= _PULSE_RANGE_BPM[0]) & (bpm <= _PULSE_RANGE_BPM[1])]
    clarity = beat_range.max() - np.median(beat_range)
    ratios = librosa.f0_harmonics(mean_tempogram[:, None], f0=np.array([tempo]), freqs=bpm,
                                  harmonics=list(_RATIOS.values()))[:, 0]  # fmt: skip
    onsets = librosa.onset.onset_detect(onset_envelope=envelope, sr=SR)
    summary = [tempo, envelope.mean(), envelope.std(), len(onsets) * SR / len(y), clarity]
    return np.concatenate([summary, ratios])


def _librosa_gtzan(path):
    import librosa

    y, _ = librosa.load(path, sr=SR)
    f = librosa.feature
    blocks = [
        f.mfcc(y=y, sr=SR),
        f.chroma_stft(y=y, sr=SR),
        np.concatenate([
            f.spectral_centroid(y=y, sr=SR), f.spectral_bandwidth(y=y, sr=SR),
            f.spectral_rolloff(y=y, sr=SR), f.spectral_contrast(y=y, sr=SR),
            f.spectral_flatness(y=y), f.zero_crossing_rate(y), f.rms(y=y),
        ]),
    ]  # fmt: skip
    pooled = [np.concatenate([b.mean(axis=1), b.std(axis=1)]) for b in blocks]
    return np.concatenate(pooled + [_librosa_tempo_features(y)]).astype(np.float32)


# --- ours -----------------------------------------------------------------------------------


def _ours(job, paths, n_jobs):
    from sklearn_music import MelSpectrogram
    from sklearn_music.pipelines import make_feature_union

    if job == "mel":
        return np.asarray(MelSpectrogram(n_jobs=n_jobs).fit_transform(paths))
    return make_feature_union(n_jobs=n_jobs).fit_transform(paths)


# --- one side, in its own process -------------------------------------------------------------


def _run_side(side, job, paths_file, out, n_jobs):
    import librosa  # noqa: F401  (imports are not timed: both sides pay them once)

    import sklearn_music  # noqa: F401

    paths = Path(paths_file).read_text().split("\n")
    cpu_start = time.process_time()
    start = time.perf_counter()
    if side == "librosa":
        function = _librosa_mel if job == "mel" else _librosa_gtzan
        results = [function(p) for p in paths]
    else:
        result = _ours(job, paths, n_jobs)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    children = _children()
    if side == "librosa":  # clips differ by a few frames: NaN-pad like ours, untimed
        from sklearn_music._frames import stack_frames

        result = stack_frames(results) if job == "mel" else np.stack(results)
    np.save(out, result)
    print(json.dumps({
        "seconds": seconds,
        "cpu_seconds": cpu_seconds + sum(c["cpu_seconds"] for c in children),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": max([c["peak_mb"] for c in children], default=0),
    }))  # fmt: skip


def _children():
    """CPU seconds and peak resident memory (VmHWM) of this process's live children.

    Read from /proc (Linux): joblib's worker processes are still alive at this point,
    so the operating system has not added them to this process's own usage yet.
    """
    found = []
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != os.getpid():
                continue
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            peak = [int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:")]
            found.append({"cpu_seconds": (int(fields[11]) + int(fields[12])) / tick,
                          "peak_mb": peak[0] if peak else 0.0})  # fmt: skip
        except (OSError, IndexError, ValueError):  # the process ended meanwhile
            continue
    return found


def _measure(side, job, paths_file, n_jobs, folder):
    out = os.path.join(folder, f"{side}-{job}.npy")
    command = [sys.executable, __file__, "--side", side, "--job", job, "--paths-file",
               paths_file, "--out", out, "--n-jobs", str(n_jobs)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{side} {job} failed:\n{done.stderr}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["result"] = np.load(out)
    return report


def _compare(job, ours, ref):
    if job == "mel":
        same_nan = np.array_equal(np.isnan(ours), np.isnan(ref))
        return f"max |dB difference| {np.nanmax(np.abs(ours - ref)):.2e}, same frames: {same_nan}"
    rel = np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-3)
    column = np.unravel_index(rel.argmax(), rel.shape)[1]
    close = np.allclose(ours, ref, rtol=1e-4, atol=1e-4)
    return (f"max relative difference {rel.max():.2e} (column {column}), "
            f"allclose(rtol=1e-4, atol=1e-4): {close}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="a GTZAN folder (genres/<genre>/*.flac)")
    parser.add_argument("--n-clips", type=int, default=200,
                        help="clips to process (the folder's files, repeated as needed)")
    parser.add_argument("--n-jobs", type=int, default=2, help="worker processes of ours")
    parser.add_argument("--jobs", nargs="+", default=["mel", "gtzan"], choices=["mel", "gtzan"],
                        help="the mel spectrogram, the GTZAN feature set (108 columns)")
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--paths-file", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        return _run_side(args.side, args.job, args.paths_file, args.out, args.n_jobs)

    files = sorted(str(p) for p in Path(args.data, "genres").glob("*/*.flac"))
    if not files:
        sys.exit(f"no GTZAN clips under {args.data}/genres")
    paths = [files[i % len(files)] for i in range(args.n_clips)]
    print(f"{len(paths)} clips ({len(set(paths))} GTZAN files of 30 s"
          f"{', repeated' if len(paths) > len(files) else ''}); "
          f"ours with n_jobs={args.n_jobs}; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        paths_file = os.path.join(folder, "paths.txt")
        Path(paths_file).write_text("\n".join(paths))
        for job in args.jobs:
            ref = _measure("librosa", job, paths_file, 1, folder)
            ours = _measure("ours", job, paths_file, args.n_jobs, folder)
            for name, r in (("librosa loop", ref), ("sklearn-music", ours)):
                print(f"[{job}] {name:13s} {r['seconds']:6.1f} s  {len(paths) / r['seconds']:6.2f} "
                      f"clips/s  CPU {r['cpu_seconds']:6.1f} s  peak memory {r['peak_mb']:.0f} "
                      f"MB (largest worker {r['worker_peak_mb']:.0f} MB)")  # fmt: skip
            print(f"[{job}] speed-up {ref['seconds'] / ours['seconds']:.1f}x in time, "
                  f"{ref['cpu_seconds'] / ours['cpu_seconds']:.1f}x in CPU work; "
                  f"{_compare(job, ours['result'], ref['result'])}")  # fmt: skip


if __name__ == "__main__":
    main()
