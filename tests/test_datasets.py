"""load_gtzan and load_nsynth on the real slices in ../shared/data and on broken copies;
the data home."""

import json
import shutil

import mir_eval
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.model_selection import GroupKFold

from sklearn_music import load_audio
from sklearn_music.datasets import clear_data_home, get_data_home, load_gtzan, load_nsynth
from sklearn_music.datasets.generators import FAMILIES
from sklearn_music.features.key_profiles import KEY_NAMES

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop",
          "reggae", "rock"]


def _clip(path, seconds=0.1, sr=22050):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(seconds * sr)), sr)
    return path


# GTZAN on the real slice ----------------------------------------------------------------


def test_gtzan_real_slice(gtzan_root, gtzan_paths):
    data = load_gtzan(gtzan_root)
    assert list(data.paths) == gtzan_paths  # sorted by genre, then index
    assert list(data.target_names) == GENRES
    assert data.target.tolist() == [p.split("/")[-2] for p in gtzan_paths]
    assert data.clip[0] == "blues.00000"
    # Lerch's keys count from A: blues.00000 is 22 = G minor, blues.00004 is 13 = Bb minor.
    assert data.key[0] == "G minor" and data.key[4] == "Bb minor"
    assert all(k is None or k in KEY_NAMES for k in data.key)
    for key in data.key:
        if key is not None:
            mir_eval.key.validate_key(key)
    with open(gtzan_root / "key" / "classical.00000.lerch.txt") as f:
        assert f.read().split()[0] == "-1"
    assert data.key[list(data.clip).index("classical.00000")] is None
    assert data.tempo[0] == pytest.approx(125.87)
    beats = data.beats[0]
    assert beats[:2].tolist() == [0.217, 0.695] and np.all(np.diff(beats) > 0)
    assert set(data.downbeats[0]) <= set(beats) and data.downbeats[0][0] == 1.173


def test_gtzan_groups_keep_runs_together(gtzan_root):
    data = load_gtzan(gtzan_root)
    assert data.groups.tolist()[:6] == ["blues/0"] * 5 + ["classical/0"]
    assert len(set(data.groups)) == 10
    for train, test in GroupKFold(n_splits=5).split(data.paths, data.target, data.groups):
        assert not set(data.groups[train]) & set(data.groups[test])
    assert len(set(load_gtzan(gtzan_root, group_size=2).groups)) == 30


def test_gtzan_as_frame(gtzan_root):
    frame = load_gtzan(gtzan_root, as_frame=True)
    assert isinstance(frame, pd.DataFrame) and len(frame) == 50
    assert {"path", "target", "clip", "groups", "key", "tempo", "beats", "downbeats"} <= set(
        frame.columns)
    assert frame.attrs["target_names"] == GENRES


@pytest.mark.slow
def test_gtzan_paths_load(gtzan_root):
    data = load_gtzan(gtzan_root)
    y, sr = load_audio(data.paths[0], sr=None)
    assert sr == 22050 and 29 < len(y) / sr < 31


# GTZAN layouts and errors ----------------------------------------------------------------


@pytest.mark.parametrize("layout", ["genres", "genres_original", "."])
def test_gtzan_layouts_and_formats(tmp_path, layout):
    base = tmp_path / layout
    _clip(base / "jazz" / "jazz.00001.wav")
    _clip(base / "jazz" / "jazz.00000.au")
    _clip(base / "rock" / "rock.00012.flac")
    (base / "rock" / "notes.txt").write_text("not audio")
    _clip(base / "rock" / "cover.00001.wav")  # not <genre>.<index>: ignored
    data = load_gtzan(tmp_path)
    assert data.clip.tolist() == ["jazz.00000", "jazz.00001", "rock.00012"]
    assert data.groups.tolist() == ["jazz/0", "jazz/0", "rock/1"]
    assert "key" not in data and "tempo" not in data and "beats" not in data


def test_gtzan_missing_annotations(tmp_path):
    for i in range(3):
        _clip(tmp_path / "genres" / "jazz" / f"jazz.0000{i}.wav")
    for folder in ("key", "tempo", "beats"):
        (tmp_path / folder).mkdir()
    (tmp_path / "key" / "jazz.00000.lerch.txt").write_text("15\n")
    (tmp_path / "key" / "jazz.00001.lerch.txt").write_text("-1\n")
    (tmp_path / "tempo" / "gtzan_jazz_00002.bpm").write_text("1.2e+02\n")
    (tmp_path / "beats" / "gtzan_jazz_00000.beats").write_text("0.5\t1\n1.0\t2\n1.5\t1\n")
    data = load_gtzan(tmp_path)
    assert data.key.tolist() == ["C minor", None, None]
    np.testing.assert_array_equal(data.tempo, [np.nan, np.nan, 120.0])
    assert data.beats[0].tolist() == [0.5, 1.0, 1.5] and data.downbeats[0].tolist() == [0.5, 1.5]
    assert data.beats[1] is None and data.beats[2] is None


@pytest.mark.parametrize(
    "folder, name, text, match",
    [
        ("key", "jazz.00000.lerch.txt", "24", "jazz.00000.lerch.txt: a Lerch key is an integer"),
        ("key", "jazz.00000.lerch.txt", "", "jazz.00000.lerch.txt: expected one number"),
        ("tempo", "gtzan_jazz_00000.bpm", "fast", "gtzan_jazz_00000.bpm: expected one number"),
        ("beats", "gtzan_jazz_00000.beats", "0.5\t1\nbeat\t2\n", "gtzan_jazz_00000.beats, line 2"),
    ],
)
def test_gtzan_bad_annotation_names_the_file(tmp_path, folder, name, text, match):
    _clip(tmp_path / "genres" / "jazz" / "jazz.00000.wav")
    (tmp_path / folder).mkdir()
    (tmp_path / folder / name).write_text(text)
    with pytest.raises(ValueError, match=match):
        load_gtzan(tmp_path)


def test_gtzan_keys_in_genre_folders_as_lerchs_repository_has_them(tmp_path):
    """gtzan_key/genres/<genre>/<clip>.lerch.txt, copied to key/, is read like key/<clip>."""
    for clip in ["jazz.00000", "jazz.00001", "rock.00000"]:
        _clip(tmp_path / "genres" / clip.split(".")[0] / f"{clip}.wav")
    (tmp_path / "key" / "jazz").mkdir(parents=True)
    (tmp_path / "key" / "jazz" / "jazz.00001.lerch.txt").write_text("3\n")
    (tmp_path / "key" / "rock.00000.lerch.txt").write_text("22\n")
    assert load_gtzan(tmp_path).key.tolist() == [None, "C major", "G minor"]


@pytest.mark.parametrize("folder, name", [("key", "genres/jazz/jazz.00000.lerch.txt"),
                                          ("tempo", "jazz.00000.bpm")])
def test_gtzan_annotation_folder_matching_no_clip_warns(tmp_path, folder, name):
    _clip(tmp_path / "genres" / "jazz" / "jazz.00000.wav")
    (tmp_path / folder / name).parent.mkdir(parents=True)
    (tmp_path / folder / name).write_text("3\n")
    with pytest.warns(UserWarning, match=rf"{folder} holds no annotation of any clip; expected "
                                         "files named like"):
        data = load_gtzan(tmp_path)
    assert data.frame[folder].isna().all()


def test_gtzan_wrong_layout(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere: no such folder"):
        load_gtzan(tmp_path / "nowhere")
    _clip(tmp_path / "blues" / "00000.wav")  # audio, but not named <genre>.<index>
    with pytest.raises(FileNotFoundError, match=r"does not hold the GTZAN layout.*genres/<genre>"):
        load_gtzan(tmp_path)
    with pytest.raises(ValueError, match="group_size"):
        load_gtzan(tmp_path, group_size=0)


# NSynth ------------------------------------------------------------------------------------


def test_nsynth_real_slice(nsynth_root):
    data = load_nsynth(nsynth_root)
    with open(nsynth_root / "examples.json") as f:
        examples = json.load(f)
    assert len(data.paths) == len(examples) == 60
    assert data.note_str.tolist() == sorted(examples)
    assert list(data.target_names) == list(FAMILIES)
    for i, note in enumerate(data.note_str):
        assert data.paths[i].endswith(f"audio/{note}.wav")
        assert data.target[i] == examples[note]["instrument_family_str"]
        assert data.groups[i] == examples[note]["instrument_str"] == note.rsplit("-", 2)[0]
        assert data.source[i] == examples[note]["instrument_source_str"]
        assert data.pitch[i] == examples[note]["pitch"] == 60
        assert data.velocity[i] == examples[note]["velocity"]
        assert list(data.qualities[i]) == examples[note]["qualities_str"]
        assert data.qualities_matrix[i].tolist() == examples[note]["qualities"]
    assert data.qualities_matrix.shape == (60, 10) and len(data.quality_names) == 10
    assert data.has_audio.all()
    y, sr = load_audio(data.paths[0], sr=None)
    assert sr == 16000 and len(y) == 64000


def test_nsynth_as_frame(nsynth_root):
    frame = load_nsynth(nsynth_root, as_frame=True)
    assert isinstance(frame, pd.DataFrame) and frame.shape[0] == 60
    assert {"path", "target", "note_str", "groups", "source", "pitch", "velocity",
            "qualities"} <= set(frame.columns)


def test_nsynth_subsets_and_missing_audio(tmp_path, nsynth_root):
    test_folder = tmp_path / "nsynth-test"
    shutil.copytree(nsynth_root, test_folder)
    data = load_nsynth(tmp_path, subset="test")
    assert len(data.paths) == 60 and data.paths[0].startswith(str(test_folder))
    with pytest.raises(FileNotFoundError, match="examples.json is missing.*subset='test'"):
        load_nsynth(tmp_path)
    with pytest.raises(FileNotFoundError, match="nsynth-valid/ is missing"):
        load_nsynth(tmp_path, subset="valid")
    with pytest.raises(ValueError, match="subset must be one of"):
        load_nsynth(tmp_path, subset="dev")
    first = sorted((test_folder / "audio").iterdir())[0]
    first.unlink()
    with pytest.warns(UserWarning, match=r"kept 59 of 60 clips listed in .*examples\.json; 1 "
                                         "without an audio file"):
        assert len(load_nsynth(tmp_path, subset="test").paths) == 59
    kept = load_nsynth(tmp_path, subset="test", keep_missing=True)
    assert len(kept.paths) == 60 and kept.has_audio.sum() == 59
    shutil.rmtree(test_folder / "audio")
    with pytest.raises(FileNotFoundError, match="none of the 60 clips") as error:
        load_nsynth(tmp_path, subset="test")
    assert "<note_str>.wav files in" in str(error.value)
    assert "audio_dir" not in str(error.value)  # load_nsynth has no audio_dir


NOTE = dict(instrument_family_str="bass", instrument_source_str="acoustic",
            instrument_str="a", pitch=60, velocity=100, qualities=[0] * 10)


@pytest.mark.parametrize(
    "content, match",
    [
        ("{not json", "examples.json: not valid JSON"),
        ("[1, 2]", "examples.json: expected an object keyed by note_str"),
        (json.dumps({"a-060-100": {"pitch": 60}}), "note 'a-060-100' lacks"),
        (json.dumps({"a-060-100": 3}), "note 'a-060-100' is 3, not an object"),
        (json.dumps({"a-060-100": dict(NOTE, instrument_family_str="fiddle")}),
         "note 'a-060-100' has instrument_family_str 'fiddle', not one of NSynth's"),
        (json.dumps({"a-060-100": dict(NOTE, qualities=3)}),
         "note 'a-060-100' has qualities 3; expected a list of 10 0/1 values"),
        (json.dumps({"a-060-100": dict(NOTE, qualities=[2] * 10)}), "has qualities \\[2, 2"),
        (json.dumps({"a-060-100": dict(NOTE, pitch="sixty")}),
         "note 'a-060-100' has pitch 'sixty'; expected an integer"),
        (json.dumps({"a-060-100": dict(NOTE, velocity=True)}), "has velocity True"),
    ],
)
def test_nsynth_bad_metadata_names_the_file(tmp_path, content, match):
    (tmp_path / "examples.json").write_text(content)
    with pytest.raises(ValueError, match=match):
        load_nsynth(tmp_path)


# Data home -----------------------------------------------------------------------------------


def test_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKLEARN_MUSIC_DATA", str(tmp_path / "from_env"))
    assert get_data_home() == str(tmp_path / "from_env")
    assert (tmp_path / "from_env").is_dir()
    explicit = get_data_home(tmp_path / "explicit")
    assert explicit == str(tmp_path / "explicit")
    (tmp_path / "explicit" / "file").write_text("x")
    clear_data_home(explicit)
    assert not (tmp_path / "explicit").exists()
    monkeypatch.delenv("SKLEARN_MUSIC_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == str(tmp_path / "home" / "sklearn_music_data")


# SoundFonts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["midirenderer", "sampler"])
def test_a_truncated_soundfont_is_named_by_either_engine(tmp_path, engine):
    from pathlib import Path

    import pretty_midi

    from sklearn_music.datasets import default_soundfont, make_notes, render_midi

    cut = tmp_path / "cut.sf2"  # an interrupted download: it stops inside the samples
    cut.write_bytes(Path(default_soundfont()).read_bytes()[:3_000_000])
    midi = pretty_midi.PrettyMIDI()
    midi.instruments.append(pretty_midi.Instrument(0))
    midi.instruments[0].notes.append(pretty_midi.Note(100, 60, 0.0, 0.2))
    message = r"soundfont '.*cut\.sf2' .*runs past the end of the file \(truncated\?\)"
    with pytest.raises(ValueError, match=message):
        render_midi(midi, soundfont=cut, engine=engine)
    with pytest.raises(ValueError, match=message):
        make_notes(2, duration=0.5, soundfont=cut, engine=engine, random_state=0)
