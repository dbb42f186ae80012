"""Memory and time of features of a long recording: analysed in blocks against whole.

Writes a synthetic recording (``--minutes`` long, ``--file-sr`` Hz, ``--channels``
channels, 16-bit WAV in a temporary folder: harmonic tones changing four times a second,
a click every half second, a little noise), then computes two jobs on it at 22,050 Hz,
each in a fresh Python process:

- ``union``: the default feature set (``make_feature_union()``: MFCC, chroma and
  spectral descriptors pooled over frames, tempo features);
- ``mel``: the frames of ``MelSpectrogram()`` (128 bands, dB).

Each job runs twice: analysed in blocks (the default for files longer than
``STREAM_SECONDS``) and whole (``STREAM_SECONDS`` set to infinity: the file decoded and
analysed at once). Reported per run: the peak of memory allocated through Python's
allocators, NumPy arrays included (``tracemalloc``), the peak resident memory of the
process (``ru_maxrss``, which also counts the interpreter and the libraries, about
300 MB here), and the wall time. The outputs of both runs are compared.

    python benchmarks/long_recording.py --minutes 60 --file-sr 44100 --channels 2
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

CHILD = r"""
import json, math, resource, sys, time, tracemalloc
import numpy as np
from sklearn_music import MelSpectrogram
from sklearn_music.features import _stream
from sklearn_music.pipelines import make_feature_union

path, job, mode, out = sys.argv[1:5]
if mode == "whole":
    _stream.STREAM_SECONDS = math.inf
transformer = make_feature_union() if job == "union" else MelSpectrogram()
transformer.fit([path])
tracemalloc.start()
start = time.perf_counter()
result = np.asarray(transformer.transform([path]))
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
np.save(out, result)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"traced_peak_mb": peak / 2**20, "max_rss_mb": rss / 2**20,
                  "seconds": seconds, "shape": list(result.shape)}))
"""


def write_recording(path, minutes, sr, channels, seed=0):
    """A seeded synthetic recording of ``minutes`` (rounded to samples), written a minute
    at a time."""
    rng = np.random.default_rng(seed)
    step = sr // 4
    left = int(round(minutes * 60 * sr))
    with sf.SoundFile(path, "w", samplerate=sr, channels=channels, subtype="PCM_16") as f:
        while left > 0:
            t = np.arange(min(60 * sr, left)) / sr
            left -= len(t)
            y = 0.003 * rng.standard_normal(len(t))
            for start in range(0, len(t), step):
                f0 = 110 * 2 ** (rng.integers(0, 24) / 12)
                part = slice(start, start + step)
                y[part] += sum(np.sin(2 * np.pi * f0 * h * t[part]) / h for h in range(1, 5))
            for start in range(0, len(t), sr // 2):
                y[start : start + 200] += rng.uniform(-1, 1, 200)
            y = 0.2 * y
            f.write(np.repeat(y[:, None], channels, axis=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60,
                        help="length of the synthetic recording (default 60)")
    parser.add_argument("--file-sr", type=int, default=44100)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--jobs", nargs="+", default=["union", "mel"], choices=["union", "mel"],
                        help="what to compute: the GTZAN feature union, the mel spectrogram")
    args = parser.parse_args()
    if args.minutes <= 0:
        parser.error(f"--minutes must be > 0, got {args.minutes}")
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "recording.wav")
        write_recording(path, args.minutes, args.file_sr, args.channels)
        report = {"minutes": args.minutes, "file_sr": args.file_sr, "channels": args.channels}
        for job in args.jobs:
            outputs = {}
            for mode in ("blocks", "whole"):
                out = str(Path(folder) / f"{job}-{mode}.npy")
                run = subprocess.run([sys.executable, "-c", CHILD, path, job, mode, out],
                                     capture_output=True, text=True)  # fmt: skip
                if run.returncode:
                    sys.exit(f"{job}/{mode} failed:\n{run.stderr}")
                report[f"{job}/{mode}"] = json.loads(run.stdout.strip().splitlines()[-1])
                outputs[mode] = np.load(out)
            difference = np.abs(outputs["blocks"] - outputs["whole"])
            report[f"{job}/max_abs_difference"] = float(difference.max())
            print(json.dumps({k: v for k, v in report.items() if k.startswith(job)}), flush=True)
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
