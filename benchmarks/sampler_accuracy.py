"""How close the sampler engine sounds to midirenderer, note by note, on real SoundFonts.

Draws notes as make_notes does (a family, a GM program of it, a pitch in the family's
range, an NSynth velocity), keeps those both engines say sound, renders each with both
engines (dry, held 1.5 s in a 2 s clip, 16 kHz, SoundFont levels kept) and compares:

- pitch: cents between the median YIN f0 of the two renderings over 0.1-1.0 s;
- loudness: dB between their peak frame RMS, and the correlation of their RMS envelopes;
- timbre: the correlation of their mean log-mel spectra (64 bands, 0.1-1.5 s).

    python benchmarks/sampler_accuracy.py --n-notes 200 --soundfonts default \\
        /usr/share/sounds/sf2/FluidR3_GM.sf2
"""

import argparse

import librosa
import mido
import numpy as np

from sklearn_music.datasets import default_soundfont
from sklearn_music.datasets.generators import (
    FAMILIES,
    FAMILY_PITCHES,
    FAMILY_PROGRAMS,
    NSYNTH_VELOCITIES,
)
from sklearn_music.datasets.soundfont import render_clips, sounding

SR = 16000


def _clip(program, pitch, velocity):
    events = [(0.0, mido.Message("control_change", control=c, value=0)) for c in (91, 93)]
    return events + [(0.0, mido.Message("program_change", program=int(program))),
                     (0.0, mido.Message("note_on", note=int(pitch), velocity=int(velocity))),
                     (1.5, mido.Message("note_off", note=int(pitch)))]


def compare(soundfont, n_notes, seed):
    rng = np.random.RandomState(seed)
    notes = []
    while len(notes) < n_notes:
        family = FAMILIES[rng.randint(len(FAMILIES))]
        low, high = FAMILY_PITCHES[family]
        note = (int(rng.choice(FAMILY_PROGRAMS[family])), int(rng.randint(low, high + 1)),
                int(rng.choice(NSYNTH_VELOCITIES)))
        if all(sounding([note], soundfont, engine)[0] for engine in ("midirenderer", "sampler")):
            notes.append((family, note))
    clips = [_clip(*note) for _, note in notes]
    ref = render_clips(clips, duration=2.0, sr=SR, soundfont=soundfont, gap=1.25)
    ours = render_clips(clips, duration=2.0, sr=SR, soundfont=soundfont, engine="sampler")
    rows = []
    for (family, (program, pitch, _)), a, b in zip(notes, ref, ours):
        fmin, fmax = librosa.midi_to_hz([pitch - 13, pitch + 13])
        f0 = [np.median(librosa.yin(y[SR // 10 : SR], fmin=fmin, fmax=fmax, sr=SR))
              for y in (a, b)]
        rms = [librosa.feature.rms(y=y)[0] for y in (a, b)]
        mel = [np.log(librosa.feature.melspectrogram(y=y[SR // 10 : 3 * SR // 2], sr=SR,
                                                     n_mels=64).mean(axis=1) + 1e-10)
               for y in (a, b)]
        rows.append((family, 1200 * np.log2(f0[1] / f0[0]),
                     20 * np.log10(rms[1].max() / rms[0].max()),
                     np.corrcoef(*rms)[0, 1], np.corrcoef(*mel)[0, 1]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-notes", type=int, default=200)
    parser.add_argument("--soundfonts", nargs="+", default=["default"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for soundfont in args.soundfonts:
        path = default_soundfont() if soundfont == "default" else soundfont
        rows = compare(path, args.n_notes, args.seed)
        cents = np.abs([r[1] for r in rows])
        level, env, mel = (np.array([r[k] for r in rows]) for k in (2, 3, 4))
        print(f"{path}: {len(rows)} notes")
        print(f"  |f0 difference| cents: median {np.median(cents):.1f}, 90th percentile "
              f"{np.percentile(cents, 90):.1f}, within 10 cents {np.mean(cents < 10):.0%}")
        print(f"  level difference dB: median {np.median(level):+.1f}, 10-90th percentile "
              f"{np.percentile(level, 10):+.1f} to {np.percentile(level, 90):+.1f}")
        print(f"  RMS envelope correlation: median {np.median(env):.3f}, 10th percentile "
              f"{np.percentile(env, 10):.3f}")
        print(f"  log-mel spectrum correlation: median {np.median(mel):.3f}, 10th percentile "
              f"{np.percentile(mel, 10):.3f}")
        for family in FAMILIES:
            picked = [r for r in rows if r[0] == family]
            if picked:
                print(f"    {family:11s} n={len(picked):3d} mel corr "
                      f"{np.median([r[4] for r in picked]):.3f} env corr "
                      f"{np.median([r[3] for r in picked]):.3f} level "
                      f"{np.median([r[2] for r in picked]):+.1f} dB")


if __name__ == "__main__":
    main()
