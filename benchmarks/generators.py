"""Rendering speed of make_notes, with each engine, against the plain way, in the same run.

Every side renders NSynth-style notes (four seconds, held three, 16 kHz, mono, peak
normalised, dry) from the default SoundFont (TimGM6mb):

- the plain way: for each note, a ``pretty_midi.PrettyMIDI`` with that one note, one
  ``midirenderer.render_wave_from`` call, the WAV read with soundfile, mixed to mono and
  resampled 48 kHz -> 16 kHz with ``librosa.resample``;
- ours: ``make_notes(n, n_jobs=..., engine=...)``, which also draws the notes and checks
  that the SoundFont has a sample for each (``sounding``), once with each engine given
  (``--engines``): midirenderer, and sklearn-music's own sample player ("sampler").

Each side runs in a fresh Python process and is timed from its first note to its last
(the check of which notes sound, and worker start-up with ``--n-jobs``, included; imports
not). make_notes is then called again with the same arguments, its workers started and
its notes already checked, as in a session that makes several data sets. The CPU time of
the process and of its workers is reported beside the wall-clock time, and the load
average of the machine before and after, because other jobs on a shared machine slow
every side.

    python benchmarks/generators.py --n-notes 500 --n-plain 100 --n-jobs 1 2 \
        --engines midirenderer sampler
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

SR, DURATION, NOTE_DURATION = 16000, 4.0, 3.0


def _plain(n_notes, seed):
    import librosa
    import midirenderer
    import pretty_midi
    import soundfile as sf

    from sklearn_music.datasets import default_soundfont
    from sklearn_music.datasets.generators import (
        FAMILIES,
        FAMILY_PITCHES,
        FAMILY_PROGRAMS,
        NSYNTH_VELOCITIES,
    )

    rng = np.random.RandomState(seed)
    with open(default_soundfont(), "rb") as f:
        soundfont = f.read()
    out = np.zeros((n_notes, int(DURATION * SR)), np.float32)
    for i in range(n_notes):
        family = FAMILIES[rng.randint(len(FAMILIES))]
        low, high = FAMILY_PITCHES[family]
        pm = pretty_midi.PrettyMIDI()
        instrument = pretty_midi.Instrument(program=int(rng.choice(FAMILY_PROGRAMS[family])))
        instrument.control_changes += [pretty_midi.ControlChange(c, 0, 0.0) for c in (91, 93)]
        instrument.notes.append(pretty_midi.Note(
            velocity=int(rng.choice(NSYNTH_VELOCITIES)), pitch=int(rng.randint(low, high + 1)),
            start=0.0, end=NOTE_DURATION))
        # an event at the clip's end, so that the rendering lasts DURATION seconds
        instrument.control_changes.append(pretty_midi.ControlChange(7, 100, DURATION))
        pm.instruments.append(instrument)
        midi = io.BytesIO()
        pm.write(midi)
        wav = midirenderer.render_wave_from(soundfont, midi.getvalue())
        y, sr = sf.read(io.BytesIO(wav), dtype="float32")
        y = librosa.resample(y.mean(axis=1), orig_sr=sr, target_sr=SR)
        y = librosa.util.fix_length(y, size=out.shape[1])
        out[i] = y * (0.9 / max(np.abs(y).max(), 1e-9))
    return out


def _ours(n_notes, seed, n_jobs, engine):
    from sklearn_music.datasets import make_notes

    return make_notes(n_notes, sr=SR, duration=DURATION, note_duration=NOTE_DURATION,
                      n_jobs=n_jobs, engine=engine, random_state=seed).data


def _side(args):
    """Run one side in this process and print its timings as JSON."""
    import midirenderer  # noqa: F401  (imports are not timed)
    import pretty_midi  # noqa: F401

    import sklearn_music.datasets  # noqa: F401

    if args.side == "plain":
        _plain(1, args.seed + 1)  # librosa loads its resampler on the first call

    load_before = os.getloadavg()[0]
    start_cpu = os.times()
    start = time.perf_counter()
    if args.side == "plain":
        data = _plain(args.n_notes, args.seed)
    else:
        data = _ours(args.n_notes, args.seed, args.n_jobs, args.engine)
    wall = time.perf_counter() - start
    first_cpu = sum(os.times()[:4]) - sum(start_cpu[:4])  # workers not included
    again = None
    if args.side == "ours":  # the same call again: workers started, notes already probed
        start = time.perf_counter()
        _ours(args.n_notes, args.seed, args.n_jobs, args.engine)
        again = time.perf_counter() - start
    if args.n_jobs != 1:  # stop the workers, so that their CPU time is counted
        from joblib.externals.loky import get_reusable_executor

        get_reusable_executor().shutdown(wait=True)
    end_cpu = os.times()
    cpu = sum(end_cpu[:4]) - sum(start_cpu[:4])  # self and waited-for children
    assert data.shape == (args.n_notes, int(DURATION * SR)) and np.isfinite(data).all()
    print(json.dumps({"side": args.side, "engine": args.engine, "n_jobs": args.n_jobs,
                      "n_notes": args.n_notes,
                      "wall_s": wall, "again_s": again, "cpu_s": cpu, "first_cpu_s": first_cpu,
                      "load_before": load_before, "load_after": os.getloadavg()[0],
                      "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _run(side, n_notes, seed, n_jobs=1, engine="midirenderer"):
    command = [sys.executable, __file__, "--side", side, "--n-notes", str(n_notes),
               "--seed", str(seed), "--n-jobs", str(n_jobs), "--engines", engine]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-notes", type=int, default=500, help="notes for make_notes")
    parser.add_argument("--n-plain", type=int, default=100, help="notes for the plain way")
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1],
                        help="n_jobs values to time make_notes with")
    parser.add_argument("--engines", nargs="+", default=["midirenderer", "sampler"],
                        choices=["midirenderer", "sampler"], help="make_notes engines to time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--side", choices=["plain", "ours"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side is not None:
        args.n_jobs, args.engine = args.n_jobs[0], args.engines[0]
        return _side(args)

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()}")
    plain = _run("plain", args.n_plain, args.seed)
    plain_rate = plain["n_notes"] / plain["wall_s"]
    print(f"plain way       {plain['n_notes']:5d} notes  {plain['wall_s']:7.2f} s wall "
          f"{plain['cpu_s']:7.2f} s CPU  {plain_rate:6.1f} notes/s  "
          f"(load {plain['load_before']:.2f} -> {plain['load_after']:.2f})")
    for engine in args.engines:
        for n_jobs in args.n_jobs:
            ours = _run("ours", args.n_notes, args.seed, n_jobs, engine)
            rate, again = ours["n_notes"] / ours["wall_s"], ours["n_notes"] / ours["again_s"]
            cpu = (f"{ours['first_cpu_s']:7.2f} s CPU ({ours['n_notes'] / ours['first_cpu_s']:.0f}"
                   " notes per CPU-second)" if n_jobs == 1 else
                   f"{ours['cpu_s']:7.2f} s CPU of both calls with the workers'")
            print(f"make_notes {engine:12s} n_jobs={n_jobs:<2d} {ours['n_notes']:5d} notes  "
                  f"{ours['wall_s']:7.2f} s wall {cpu}  {rate:6.1f} notes/s  "
                  f"x{rate / plain_rate:.2f} the plain way; called again {again:6.1f} notes/s"
                  f"  x{again / plain_rate:.2f}  "
                  f"(load {ours['load_before']:.2f} -> {ours['load_after']:.2f})")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
