"""Loaders of MagnaTagATune, MTG-Jamendo, FMA, AudioSet, MSD/Last.fm and GTZAN's split.

Nobody can download these datasets here, so each test builds a few rows of the dataset's
real file formats in a temporary folder: quoting, header rows, separators and folder
layout as the originals have them (the sources are listed in docs/datasets-more.md).
"""

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from sklearn_music.datasets import (
    load_audioset,
    load_fma,
    load_gtzan_split,
    load_magnatagatune,
    load_msd_lastfm,
    load_mtg_jamendo,
)


def _touch(path, content=b"ID3"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# --------------------------------------------------------------------------- MagnaTagATune
MTT_TAGS = ["no voice", "guitar", "classical", "piano"]
MTT_ROWS = [  # clip_id, tags, mp3_path
    (2, [0, 1, 1, 0],
     "f/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-30-59.mp3"),
    (6, [1, 1, 0, 0], "0/artist_a-album_a-02-song_a-0-29.mp3"),
    (10, [0, 1, 1, 1], "c/artist_b-album_b-03-song_b-146-175.mp3"),
    (11, [0, 0, 0, 1], "b/artist_c-album_c-01-song_c-30-59.mp3"),
]


def _quoted(values):
    return "\t".join(f'"{v}"' for v in values)


def _write_mtt(root, rows=MTT_ROWS, tags=MTT_TAGS, audio_dir=None, clip_info=True):
    """annotations_final.csv (quoted, tab-separated, CRLF) and clip_info_final.csv."""
    lines = [_quoted(["clip_id", *tags, "mp3_path"])]
    lines += [_quoted([clip_id, *values, path]) for clip_id, values, path in rows]
    (root / "annotations_final.csv").write_text("\r\n".join(lines) + "\r\n")
    if clip_info:
        header = ["clip_id", "track_number", "title", "artist", "album", "url",
                  "segmentStart", "segmentEnd", "original_url", "mp3_path"]  # fmt: skip
        info = [_quoted(header)] + [
            _quoted([cid, 1, f"Title {cid}", f"Artist {cid}", "Album", "http://x/album",
                     30, 59, "http://x/track.mp3", path])  # fmt: skip
            for cid, _, path in rows
        ]
        (root / "clip_info_final.csv").write_text("\r\n".join(info) + "\r\n")
    if audio_dir is not None:
        for _, _, path in rows:
            _touch(audio_dir / path)
    return root


def test_magnatagatune_parses_tags_splits_and_clip_info(tmp_path):
    _write_mtt(tmp_path, audio_dir=tmp_path)
    data = load_magnatagatune(tmp_path, n_top_tags=3)
    # guitar (3 clips) > classical (2) = piano (2, ties keep column order) > no voice (1)
    assert list(data.target_names) == ["guitar", "classical", "piano"]
    np.testing.assert_array_equal(data.target, [[1, 1, 0], [1, 0, 0], [1, 1, 1], [0, 0, 1]])
    assert data.target.dtype == np.int8
    assert list(data.clip_id) == [2, 6, 10, 11]
    assert list(data.fold) == ["f", "0", "c", "b"]
    assert list(data.split) == ["test", "train", "valid", "train"]
    assert list(data.title) == ["Title 2", "Title 6", "Title 10", "Title 11"]
    assert data.paths[0] == str(tmp_path / MTT_ROWS[0][2])
    assert data.has_audio.all() and "Law" in data.DESCR


def test_magnatagatune_all_tags_split_filter_and_frame(tmp_path):
    _write_mtt(tmp_path, audio_dir=tmp_path / "mp3", clip_info=False)
    data = load_magnatagatune(tmp_path, n_top_tags=None, split=["train", "valid"])
    assert list(data.target_names) == MTT_TAGS  # file order
    assert list(data.clip_id) == [6, 10, 11]  # audio found under root/mp3
    frame = load_magnatagatune(tmp_path, split="test", as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["clip_id"]) == [2]
    assert frame.attrs["target_names"] == ["guitar", "classical", "piano", "no voice"]
    assert frame.loc[0, ["guitar", "classical", "piano"]].tolist() == [1, 1, 0]


def test_magnatagatune_missing_audio(tmp_path):
    _write_mtt(tmp_path)
    _touch(tmp_path / MTT_ROWS[1][2])
    message = (r"kept 1 of 4 clips listed in .*annotations_final\.csv; 3 without an audio "
               r"file under .* were left out \(keep_missing=True keeps them")
    with pytest.warns(UserWarning, match=message):
        data = load_magnatagatune(tmp_path)
    assert list(data.clip_id) == [6]
    data = load_magnatagatune(tmp_path, keep_missing=True)
    assert list(data.has_audio) == [False, True, False, False]
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(FileNotFoundError, match="none of the 4 clips.*keep_missing"):
        load_magnatagatune(tmp_path, audio_dir=tmp_path / "elsewhere")


@pytest.mark.parametrize("clip_info", [False, True])
def test_magnatagatune_repeated_clip_id_names_the_file(tmp_path, clip_info):
    rows = [*MTT_ROWS[:2], (2, [0, 0, 0, 1], "0/copy-of-clip-2.mp3")]
    _write_mtt(tmp_path, rows=rows, clip_info=clip_info)
    with pytest.raises(ValueError, match=r"annotations_final\.csv: clip_id 2 is listed more "
                                         r"than once \(lines 2, 4\)"):
        load_magnatagatune(tmp_path, keep_missing=True)
    _write_mtt(tmp_path, clip_info=True)  # clip_info_final.csv repeats a clip_id
    info = tmp_path / "clip_info_final.csv"
    lines = info.read_text().splitlines()
    info.write_text("\r\n".join([*lines, lines[2]]) + "\r\n")
    with pytest.raises(ValueError, match=r"clip_info_final\.csv: clip_id 6 is listed more"):
        load_magnatagatune(tmp_path, keep_missing=True)


def test_magnatagatune_clip_id_not_an_integer_names_the_line(tmp_path):
    _write_mtt(tmp_path, rows=[*MTT_ROWS[:2], ("x12", [0, 0, 0, 1], "0/b.mp3")])
    with pytest.raises(ValueError, match=r"annotations_final\.csv, line 4: clip_id must be an "
                                         r"integer, got 'x12'"):
        load_magnatagatune(tmp_path, keep_missing=True)
    _write_mtt(tmp_path)
    info = tmp_path / "clip_info_final.csv"
    info.write_text(info.read_text().replace('"10"', '"ten"'))
    with pytest.raises(ValueError, match=r"clip_info_final\.csv, line 4: .* got 'ten'"):
        load_magnatagatune(tmp_path, keep_missing=True)


def test_magnatagatune_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"annotations_final\.csv is missing"):
        load_magnatagatune(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere: no such folder"):
        load_magnatagatune(tmp_path / "nowhere")
    (tmp_path / "annotations_final.csv").write_text("clip_id,guitar,mp3_path\n2,1,f/a.mp3\n")
    with pytest.raises(ValueError, match="expected the header clip_id"):
        load_magnatagatune(tmp_path)
    _write_mtt(tmp_path, rows=[(2, [0, 1, 2, 0], "f/a.mp3")], clip_info=False)
    with pytest.raises(ValueError, match="0 or 1"):
        load_magnatagatune(tmp_path, keep_missing=True)
    _write_mtt(tmp_path, clip_info=False)
    with pytest.raises(ValueError, match="split must be one of"):
        load_magnatagatune(tmp_path, split="validation", keep_missing=True)
    with pytest.raises(ValueError, match="n_top_tags"):
        load_magnatagatune(tmp_path, n_top_tags=0, keep_missing=True)


# ------------------------------------------------------------------------------ MTG-Jamendo
JAMENDO_HEADER = "TRACK_ID\tARTIST_ID\tALBUM_ID\tPATH\tDURATION\tTAGS\n"
JAMENDO_ROWS = {
    "train": [
        "track_0000214\tartist_000014\talbum_000031\t14/214.mp3\t124.6\tgenre---punkrock",
        "track_0000382\tartist_000020\talbum_000046\t82/382.mp3\t229.8\tgenre---reggae"
        "\tinstrument---voice\tmood/theme---happy",
    ],
    "validation": [
        "track_0000948\tartist_000087\talbum_000149\t48/948.mp3\t167.4\tgenre---reggae",
    ],
    "test": [
        "track_0001050\tartist_000094\talbum_000156\t50/1050.mp3\t210.0\tgenre---punkrock"
        "\tmood/theme---happy",
    ],
}


def _write_jamendo(data_dir, stem="autotagging", split_index=0, rows=JAMENDO_ROWS):
    folder = data_dir / "splits" / f"split-{split_index}"
    folder.mkdir(parents=True, exist_ok=True)
    for part, lines in rows.items():
        (folder / f"{stem}-{part}.tsv").write_text(JAMENDO_HEADER + "\n".join(lines) + "\n")
    every = [line for lines in rows.values() for line in lines]
    (data_dir / f"{stem}.tsv").write_text(JAMENDO_HEADER + "\n".join(every) + "\n")
    return data_dir


def test_mtg_jamendo_reads_split_files(tmp_path):
    _write_jamendo(tmp_path)
    audio = tmp_path / "audio"
    for relative in ["14/214.mp3", "82/382.low.mp3", "48/948.mp3", "50/1050.mp3"]:
        _touch(audio / relative)
    data = load_mtg_jamendo(tmp_path, audio_dir=audio)
    assert list(data.track_id) == ["track_0000214", "track_0000382", "track_0000948",
                                   "track_0001050"]  # fmt: skip
    assert list(data.split) == ["train", "train", "validation", "test"]
    assert list(data.target_names) == ["genre---punkrock", "genre---reggae",
                                       "instrument---voice", "mood/theme---happy"]  # fmt: skip
    np.testing.assert_array_equal(
        data.target, [[1, 0, 0, 0], [0, 1, 1, 1], [0, 1, 0, 0], [1, 0, 0, 1]]
    )
    assert list(data.artist_id)[:2] == ["artist_000014", "artist_000020"]
    np.testing.assert_allclose(data.duration, [124.6, 229.8, 167.4, 210.0])
    assert data.paths[1] == str(audio / "82" / "382.low.mp3")  # low-quality archive name
    assert "Bogdanov" in data.DESCR


def test_mtg_jamendo_subsets_splits_and_repository_root(tmp_path):
    mood_rows = {part: [r for r in rows if "mood/theme" in r]
                 for part, rows in JAMENDO_ROWS.items()}  # fmt: skip
    mood_rows["validation"] = ["track_0000949\tartist_000088\talbum_000150\t49/949.mp3\t100.0"
                               "\tmood/theme---sad"]
    _write_jamendo(tmp_path / "data", stem="autotagging_moodtheme", split_index=3, rows=mood_rows)
    _write_jamendo(tmp_path / "data")
    data = load_mtg_jamendo(tmp_path, subset="moodtheme", split_index=3, keep_missing=True)
    assert list(data.split) == ["train", "validation", "test"]
    data = load_mtg_jamendo(tmp_path, split="test", keep_missing=True)
    assert list(data.track_id) == ["track_0001050"]
    data = load_mtg_jamendo(tmp_path, split_index=None, n_top_tags=1, keep_missing=True)
    assert list(data.split) == [None] * 4
    assert list(data.target_names) == ["genre---punkrock"]  # tie with reggae: first seen
    assert not data.has_audio.any()
    frame = load_mtg_jamendo(tmp_path, as_frame=True, keep_missing=True)
    assert frame["genre---reggae"].tolist() == [0, 1, 1, 0]


def test_mtg_jamendo_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"split-0/autotagging-train\.tsv is missing"):
        load_mtg_jamendo(tmp_path)
    _write_jamendo(tmp_path)
    with pytest.raises(FileNotFoundError, match="none of the 4 clips.*audio_dir= the folder "
                                                "holding the audio folders 00/"):
        load_mtg_jamendo(tmp_path)
    with pytest.raises(ValueError, match="subset must be one of"):
        load_mtg_jamendo(tmp_path, subset="mood")
    with pytest.raises(ValueError, match="split_index"):
        load_mtg_jamendo(tmp_path, split_index=5)
    with pytest.raises(ValueError, match="split needs split_index"):
        load_mtg_jamendo(tmp_path, split_index=None, split="train")
    bad = tmp_path / "splits" / "split-0" / "autotagging-test.tsv"
    bad.write_text(JAMENDO_HEADER + "track_1\tartist_1\talbum_1\t01/1.mp3\tlong\tgenre---rock\n")
    with pytest.raises(ValueError, match=r"autotagging-test\.tsv, line 2: DURATION 'long'"):
        load_mtg_jamendo(tmp_path, keep_missing=True)
    bad.write_text("id\tpath\n1\t01/1.mp3\n")
    with pytest.raises(ValueError, match="expected the header"):
        load_mtg_jamendo(tmp_path, keep_missing=True)


def test_mtg_jamendo_empty_tag_fields_are_not_tags(tmp_path):
    rows = {part: [line + "\t" for line in lines] for part, lines in JAMENDO_ROWS.items()}
    rows["test"] = [rows["test"][0] + " \t"]  # a trailing tab, and a blank field
    _write_jamendo(tmp_path, rows=rows)
    data = load_mtg_jamendo(tmp_path, keep_missing=True)
    assert list(data.target_names) == ["genre---punkrock", "genre---reggae",
                                       "instrument---voice", "mood/theme---happy"]  # fmt: skip
    assert data.target.sum(axis=1).tolist() == [1, 3, 1, 2]


def test_mtg_jamendo_track_in_two_parts_warns(tmp_path):
    rows = dict(JAMENDO_ROWS, test=[*JAMENDO_ROWS["test"], JAMENDO_ROWS["train"][0]])
    _write_jamendo(tmp_path, rows=rows)
    with pytest.warns(UserWarning, match=r"tracks listed more than once in .*autotagging-"
                                         r"\{train,validation,test\}\.tsv: 1, e\.g\. "
                                         r"track_0000214 \(split \['train', 'test'\]\).*leaks"):
        data = load_mtg_jamendo(tmp_path, keep_missing=True)
    assert list(data.track_id).count("track_0000214") == 2  # kept, as the files list it


# ------------------------------------------------------------------------------------- FMA
FMA_GENRES = (
    "genre_id,#tracks,parent,title,top_level\n"
    "12,1,0,Rock,12\n"
    "15,1,0,Electronic,15\n"
    "21,1,0,Hip-Hop,21\n"
    "25,1,12,Punk,12\n"
    "181,1,15,Techno,15\n"
)


def _write_fma(root, audio_subset="small"):
    """fma_metadata/tracks.csv with its three header rows, genres.csv, and the audio."""
    columns = [("album", "title"), ("artist", "id"), ("artist", "name"), ("set", "split"),
               ("set", "subset"), ("track", "genre_top"), ("track", "genres"),
               ("track", "genres_all"), ("track", "title")]  # fmt: skip
    rows = [
        (2, "Album A", 1, "Artist A", "training", "small", "Hip-Hop", "[21]", "[21]", "Song A"),
        (3, "Album A", 1, "Artist A", "validation", "medium", "Rock", "[25]", "[12, 25]",
         "Song B"),
        (1024, "Album C", 7, "Artist C", "test", "small", "Electronic", "[181]", "[15, 181]",
         "Song C"),
        (5000, "Album D", 9, "Artist D", "training", "large", "", "[12, 21]", "[12, 21]",
         "Song D"),
    ]  # fmt: skip
    meta = root / "fma_metadata"
    meta.mkdir(parents=True, exist_ok=True)
    lines = ["," + ",".join(c[0] for c in columns), "," + ",".join(c[1] for c in columns),
             "track_id" + "," * len(columns)]  # fmt: skip
    for row in rows:
        lines.append(",".join(f'"{v}"' if isinstance(v, str) and "," in v else str(v)
                              for v in row))  # fmt: skip
    (meta / "tracks.csv").write_text("\n".join(lines) + "\n")
    (meta / "genres.csv").write_text(FMA_GENRES)
    for track_id in (2, 3, 1024, 5000):
        _touch(root / f"fma_{audio_subset}" / f"{track_id:06d}"[:3] / f"{track_id:06d}.mp3")
    return root


def test_fma_small_genre_top(tmp_path):
    _write_fma(tmp_path)
    data = load_fma(tmp_path)
    assert list(data.track_id) == [2, 1024]  # the medium and large tracks are left out
    assert list(data.target) == ["Hip-Hop", "Electronic"]
    assert list(data.target_names) == ["Electronic", "Hip-Hop"]
    assert list(data.split) == ["training", "test"]
    assert list(data.artist_id) == [1, 7]
    assert data.paths[1] == str(tmp_path / "fma_small" / "001" / "001024.mp3")
    assert "Defferrard" in data.DESCR


def test_fma_medium_multilabel_and_splits(tmp_path):
    _write_fma(tmp_path, audio_subset="medium")
    data = load_fma(tmp_path, subset="medium", target="genres_all")
    assert list(data.track_id) == [2, 3, 1024]
    assert list(data.target_names) == ["Electronic", "Hip-Hop", "Punk", "Rock", "Techno"]
    np.testing.assert_array_equal(
        data.target, [[0, 1, 0, 0, 0], [0, 0, 1, 1, 0], [1, 0, 0, 0, 1]]
    )
    data = load_fma(tmp_path, subset="medium", target="genres", split="validation")
    assert list(data.track_id) == [3] and data.target.tolist() == [[1]]
    # large: the track without a top genre is left out for genre_top, kept for genres
    data = load_fma(tmp_path, subset="large", keep_missing=True)
    assert 5000 not in list(data.track_id)
    data = load_fma(tmp_path, subset="large", target="genres", keep_missing=True)
    assert 5000 in list(data.track_id) and not data.has_audio.any()
    frame = load_fma(tmp_path, subset="medium", as_frame=True)
    assert frame["target"].tolist() == ["Hip-Hop", "Rock", "Electronic"]


def test_fma_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"fma_metadata/tracks\.csv is missing"):
        load_fma(tmp_path)
    _write_fma(tmp_path)
    with pytest.raises(FileNotFoundError, match="none of the 2 clips"):
        load_fma(tmp_path, audio_dir=tmp_path / "fma_metadata")
    with pytest.raises(ValueError, match="subset must be one of"):
        load_fma(tmp_path, subset="full")
    with pytest.raises(ValueError, match="target must be one of"):
        load_fma(tmp_path, target="genre")
    (tmp_path / "fma_metadata" / "genres.csv").write_text(FMA_GENRES.replace("181,", "182,"))
    with pytest.raises(ValueError, match=r"genre ids \[181\]"):
        load_fma(tmp_path, target="genres")
    (tmp_path / "fma_metadata" / "tracks.csv").write_text("track_id,genre\n2,Hip-Hop\n")
    with pytest.raises(ValueError, match="tracks.csv"):
        load_fma(tmp_path)


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    "file, old, new, match",
    [
        ("tracks.csv", "\n1024,", "\nabc,",
         r"tracks\.csv, line 6: track_id must be an integer, got 'abc'"),
        ("tracks.csv", "\n1024,", "\n2,", r"tracks\.csv: track_id 2 is listed more than once "
                                            r"\(lines 4, 6\)"),
        ("tracks.csv", "[181]", "[\"a\"]",
         r"tracks\.csv: track 1024 has genre ids '\[\"a\"\]'; expected a list of integers"),
        ("tracks.csv", "[181]", "181", r"tracks\.csv: track 1024 has genre ids '181'"),
        ("genres.csv", "\n181,", "\nTechno,",
         r"genres\.csv, line 6: genre_id must be an integer, got 'Techno'"),
        ("genres.csv", "\n181,", "\n12,", r"genres\.csv: genre_id 12 is listed more than once"),
    ],
)
def test_fma_bad_rows_name_the_file_and_the_row(tmp_path, file, old, new, match):
    _write_fma(tmp_path)
    _edit(tmp_path / "fma_metadata" / file, old, new)
    with pytest.raises(ValueError, match=match):
        load_fma(tmp_path, target="genres", keep_missing=True)


def test_fma_missing_audio_warns_with_the_counts(tmp_path):
    _write_fma(tmp_path)
    (tmp_path / "fma_small" / "001" / "001024.mp3").unlink()
    with pytest.warns(UserWarning, match=r"FMA: kept 1 of 2 clips listed in .*tracks\.csv; 1 "
                                         r"without an audio file"):
        assert list(load_fma(tmp_path).track_id) == [2]


# -------------------------------------------------------------------------------- AudioSet
CLASS_LABELS = (
    "index,mid,display_name\n"
    '0,/m/09x0r,"Speech"\n'
    '1,/m/04rlf,"Music"\n'
    '2,/m/03_d0,"Jazz"\n'
    '3,/t/dd00125,"Inside, small room"\n'
)


def _segments(rows):
    return (
        "# Segments csv created Sun Mar  5 10:54:31 2017\n"
        f"# num_ytids={len(rows)}, num_segs={len(rows)}, num_unique_labels=4, "
        "num_positive_labels=6\n"
        "# YTID, start_seconds, end_seconds, positive_labels\n"
        + "".join(f'{y}, {s:.3f}, {e:.3f}, "{labels}"\n' for y, s, e, labels in rows)
    )


def _write_audioset(root):
    (root / "class_labels_indices.csv").write_text(CLASS_LABELS)
    (root / "balanced_train_segments.csv").write_text(_segments([
        ("--PJHxphWEs", 30.0, 40.0, "/m/09x0r,/t/dd00125"),
        ("YxA-Bc9qZ_0", 0.0, 10.0, "/m/04rlf,/m/03_d0"),
    ]))  # fmt: skip
    (root / "eval_segments.csv").write_text(_segments([
        ("-0RWZT-miFs", 420.0, 430.0, "/m/04rlf"),
        ("0-_Aa1b2c3d", 10.0, 20.0, "/m/09x0r"),
    ]))  # fmt: skip
    return root


def test_audioset_parses_segments_and_matches_clips(tmp_path):
    _write_audioset(tmp_path)
    audio = tmp_path / "clips"
    _touch(audio / "balanced" / "Y--PJHxphWEs_30.000_40.000.wav")
    _touch(audio / "YYxA-Bc9qZ_0.flac")  # a YouTube id that itself starts with Y
    _touch(audio / "eval" / "-0RWZT-miFs_420.mp3")
    data = load_audioset(tmp_path, audio_dir=audio)
    assert list(data.ytid) == ["--PJHxphWEs", "YxA-Bc9qZ_0", "-0RWZT-miFs"]
    assert list(data.split) == ["balanced_train", "balanced_train", "eval"]
    assert list(data.target_names) == ["Speech", "Music", "Jazz", "Inside, small room"]
    assert list(data.target_mids) == ["/m/09x0r", "/m/04rlf", "/m/03_d0", "/t/dd00125"]
    np.testing.assert_array_equal(data.target, [[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 0]])
    np.testing.assert_allclose(data.start_seconds, [30.0, 0.0, 420.0])
    assert data.paths[1] == str(audio / "YYxA-Bc9qZ_0.flac")
    assert "Gemmeke" in data.DESCR


def test_audioset_classes_split_and_missing(tmp_path):
    _write_audioset(tmp_path)
    data = load_audioset(tmp_path, split="eval", classes=["Music", "/m/09x0r"], keep_missing=True)
    assert list(data.target_names) == ["Music", "Speech"]
    assert data.target.tolist() == [[1, 0], [0, 1]]
    data = load_audioset(tmp_path, classes=["Jazz"], keep_missing=True)
    assert list(data.ytid) == ["YxA-Bc9qZ_0"]  # segments without the class are left out
    frame = load_audioset(tmp_path, keep_missing=True, as_frame=True)
    assert frame.attrs["target_mids"][3] == "/t/dd00125"
    assert frame["Inside, small room"].tolist() == [1, 0, 0, 0]


def test_audioset_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"class_labels_indices\.csv is missing"):
        load_audioset(tmp_path)
    (tmp_path / "class_labels_indices.csv").write_text(CLASS_LABELS)
    with pytest.raises(FileNotFoundError, match="no segment list"):
        load_audioset(tmp_path)
    _write_audioset(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"unbalanced_train_segments\.csv is missing"):
        load_audioset(tmp_path, split="unbalanced_train", keep_missing=True)
    with pytest.raises(FileNotFoundError, match="none of the 4 clips"):
        load_audioset(tmp_path)
    with pytest.raises(ValueError, match=r"classes \['Polka'\]"):
        load_audioset(tmp_path, classes=["Polka"], keep_missing=True)
    (tmp_path / "eval_segments.csv").write_text("--PJHxphWEs, 30.000, /m/09x0r\n")
    with pytest.raises(ValueError, match=r"eval_segments\.csv, line 1"):
        load_audioset(tmp_path, keep_missing=True)


def test_audioset_classes_as_one_string_twice_or_on_no_segment(tmp_path):
    _write_audioset(tmp_path)
    data = load_audioset(tmp_path, classes="Jazz", keep_missing=True)  # one class, not J-a-z-z
    assert list(data.target_names) == ["Jazz"] and list(data.ytid) == ["YxA-Bc9qZ_0"]
    with pytest.raises(ValueError, match=r"classes lists \['Jazz \(/m/03_d0\)'\] more than "
                                         "once"):
        load_audioset(tmp_path, classes=["Jazz", "/m/03_d0"], keep_missing=True)
    (tmp_path / "eval_segments.csv").write_text(_segments([]))  # comment lines, no segment
    data = load_audioset(tmp_path, split="eval", classes=["Music"], keep_missing=True)
    assert data.target.shape == (0, 1) and len(data.ytid) == 0


# ---------------------------------------------------------------------------- MSD, Last.fm
MSD_TRACKS = ["TRAAAAW128F429D538", "TRAAABD128F429CF47", "TRAAADZ128F9348C2E"]


def _write_lastfm_db(root):
    with sqlite3.connect(root / "lastfm_tags.db") as db:
        db.executescript(
            "CREATE TABLE tids (tid TEXT PRIMARY KEY);"
            "CREATE TABLE tags (tag TEXT PRIMARY KEY);"
            "CREATE TABLE tid_tag (tid INT, tag INT, val FLOAT);"
        )
        db.executemany("INSERT INTO tids VALUES (?)", [(t,) for t in MSD_TRACKS])
        db.executemany("INSERT INTO tags VALUES (?)", [("rock",), ("pop",), ("Hip-Hop",)])
        db.executemany(
            "INSERT INTO tid_tag VALUES (?, ?, ?)",
            [(1, 3, 100.0), (1, 1, 50.0), (2, 1, 100.0), (2, 2, 51.0), (3, 1, 70.0)],
        )
    db.close()


def _write_track_metadata(root):
    with sqlite3.connect(root / "track_metadata.db") as db:
        db.execute(
            "CREATE TABLE songs (track_id text PRIMARY KEY, title text, song_id text, "
            "release text, artist_id text, artist_mbid text, artist_name text, duration real, "
            "artist_familiarity real, artist_hotttnesss real, year int, track_7digitalid int, "
            "shs_perf int, shs_work int)"
        )
        db.executemany(
            "INSERT INTO songs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (MSD_TRACKS[0], "Song A", "SOA", "Rel A", "ARA", "", "Artist A", 218.9, 0.65,
                 0.39, 2003, 3401791, -1, 0),
                (MSD_TRACKS[1], "Song B", "SOB", "Rel B", "ARB", "", "Artist B", 148.0, 0.53,
                 0.36, 0, 1176962, -1, 0),
                (MSD_TRACKS[2], "Song C", "SOC", "Rel C", "ARC", "", "Artist C", 177.5, 0.42,
                 0.33, 1995, 2593208, -1, 0),
            ],
        )  # fmt: skip
    db.close()


def test_msd_lastfm_database_threshold_and_features(tmp_path):
    _write_lastfm_db(tmp_path)
    _write_track_metadata(tmp_path)
    data = load_msd_lastfm(tmp_path)
    assert list(data.track_id) == MSD_TRACKS
    assert list(data.target_names) == ["rock", "Hip-Hop", "pop"]  # 50 does not exceed 50
    np.testing.assert_array_equal(data.target, [[0, 1, 0], [1, 0, 1], [1, 0, 0]])
    assert list(data.artist_id) == ["ARA", "ARB", "ARC"]
    assert list(data.features.columns) == ["duration", "year", "artist_familiarity",
                                           "artist_hotttnesss"]  # fmt: skip
    assert np.isnan(data.features["year"][1]) and data.features["year"][0] == 2003
    assert data.paths.tolist() == [None] * 3 and not data.has_audio.any()
    data = load_msd_lastfm(tmp_path, tag_threshold=None, n_top_tags=1)
    assert list(data.target_names) == ["rock"] and data.target.sum() == 3
    assert "Bertin-Mahieux" in data.DESCR


def test_msd_lastfm_json_folders_and_audio(tmp_path):
    for folder, track_id, tags in [
        ("lastfm_train", MSD_TRACKS[0], [["rock", "100"], ["pop", "60"]]),
        ("lastfm_train", MSD_TRACKS[1], [["pop", "100"]]),
        ("lastfm_test", MSD_TRACKS[2], [["rock", "20"]]),
    ]:
        _write_lastfm_json(tmp_path / folder, track_id, tags)
    _write_track_metadata(tmp_path)
    audio = tmp_path / "previews"
    _touch(audio / f"{MSD_TRACKS[0]}.mp3")
    _touch(audio / "1" / "1" / "1176962.clip.mp3")  # 7digital preview layout
    data = load_msd_lastfm(tmp_path, audio_dir=audio)
    assert list(data.track_id) == MSD_TRACKS[:2]
    assert list(data.split) == ["train", "train"]
    assert list(data.target_names) == ["pop", "rock"]
    assert data.paths[1] == str(audio / "1" / "1" / "1176962.clip.mp3")
    data = load_msd_lastfm(tmp_path, audio_dir=audio, keep_missing=True, as_frame=True)
    assert data["split"].tolist() == ["train", "train", "test"]
    assert data["has_audio"].tolist() == [True, True, False]
    assert data["rock"].tolist() == [1, 0, 0]
    assert list(load_msd_lastfm(tmp_path, split="test").track_id) == MSD_TRACKS[2:]


def test_msd_lastfm_subset_beside_train_and_test_is_read_once(tmp_path):
    for folder, track_id, tags in [
        ("lastfm_train", MSD_TRACKS[0], [["rock", "100"]]),
        ("lastfm_test", MSD_TRACKS[1], [["pop", "100"]]),
        ("lastfm_subset", MSD_TRACKS[0], [["rock", "100"]]),  # the subset: train/test tracks
        ("lastfm_subset", MSD_TRACKS[1], [["pop", "100"]]),
    ]:
        _write_lastfm_json(tmp_path / folder, track_id, tags)
    data = load_msd_lastfm(tmp_path)
    assert list(data.track_id) == MSD_TRACKS[:2] and list(data.split) == ["train", "test"]
    subset = load_msd_lastfm(tmp_path, split="subset")
    assert list(subset.track_id) == MSD_TRACKS[:2] and set(subset.split) == {"subset"}
    both = load_msd_lastfm(tmp_path, split=["test", "subset"])
    assert list(both.track_id) == MSD_TRACKS[1::-1] and list(both.split) == ["test", "subset"]
    with pytest.raises(FileNotFoundError, match="no folder of split='train'"):
        load_msd_lastfm(tmp_path / "lastfm_train", split="train")


def test_msd_lastfm_split_reads_the_json_folders_beside_the_database(tmp_path):
    _write_lastfm_db(tmp_path)
    _write_lastfm_json(tmp_path / "lastfm_test", MSD_TRACKS[2], [["jazz", "90"]])
    assert list(load_msd_lastfm(tmp_path).track_id) == MSD_TRACKS  # the database
    data = load_msd_lastfm(tmp_path, split="test")
    assert list(data.track_id) == MSD_TRACKS[2:] and list(data.target_names) == ["jazz"]
    with pytest.raises(ValueError, match="split needs the JSON folders.*has no split"):
        load_msd_lastfm(tmp_path, split="train")  # no lastfm_train/ beside the database


def _write_lastfm_json(folder, track_id, tags):
    record = {"artist": "A", "timestamp": "2011-08-15 09:59:32.508802", "similars": [],
              "tags": tags, "track_id": track_id, "title": "T"}  # fmt: skip
    path = folder / track_id[2] / track_id[3] / track_id[4] / f"{track_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def test_msd_lastfm_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"lastfm_tags\.db is missing"):
        load_msd_lastfm(tmp_path)
    (tmp_path / "lastfm_tags.db").write_bytes(b"not a database, just some bytes" * 10)
    with pytest.raises(ValueError, match="not an SQLite database"):
        load_msd_lastfm(tmp_path)
    (tmp_path / "lastfm_tags.db").unlink()
    _write_lastfm_db(tmp_path)
    with pytest.raises(FileNotFoundError, match="none of the 3 clips"):
        load_msd_lastfm(tmp_path, audio_dir=tmp_path)
    with pytest.raises(ValueError, match="tag_threshold"):
        load_msd_lastfm(tmp_path, tag_threshold="50")
    with pytest.raises(ValueError, match="split needs the JSON folders"):
        load_msd_lastfm(tmp_path, split="train")
    # every tag of the real MSD (522,366) would not fit in memory: a clear error, early
    monkeypatch.setattr("sklearn_music.datasets._common.MAX_TARGET_BYTES", 8)
    with pytest.raises(MemoryError, match=r"3 x 3 matrix.*n_top_tags"):
        load_msd_lastfm(tmp_path, n_top_tags=None)


# ------------------------------------------------------------------------ GTZAN's split
def test_gtzan_split_lists_shipped_with_the_package(tmp_path):
    (tmp_path / "genres" / "blues").mkdir(parents=True)
    frame = load_gtzan_split(tmp_path, keep_missing=True, as_frame=True)
    assert frame.groupby("split").size().to_dict() == {"train": 443, "valid": 197, "test": 290}
    assert frame["clip"].is_unique and len(frame) == 930
    assert sorted(frame["target"].unique()) == sorted(frame.attrs["target_names"])
    assert frame.set_index("clip").loc["blues.00029", "split"] == "train"
    assert frame.set_index("clip").loc["blues.00012", "split"] == "test"
    assert frame.set_index("clip").loc["blues.00000", "split"] == "valid"


def test_gtzan_split_finds_clips_in_any_format(tmp_path):
    base = tmp_path / "genres_original"
    for relative in ["jazz/jazz.00000.au", "jazz/jazz.00002.wav", "rock/rock.00010.flac",
                     "rock/rock.00011.txt"]:  # fmt: skip
        _touch(base / relative)
    data = load_gtzan_split(tmp_path)
    assert list(data.clip) == ["jazz.00000", "jazz.00002", "rock.00010"]
    assert list(data.target) == ["jazz", "jazz", "rock"]
    assert list(data.split) == ["train", "valid", "test"]
    assert len(data.target_names) == 10 and "Kereliuk" in data.DESCR
    assert list(load_gtzan_split(tmp_path, split="test").clip) == ["rock.00010"]


def test_gtzan_split_user_lists_and_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no genre folder"):
        load_gtzan_split(tmp_path)
    _touch(tmp_path / "pop" / "pop.00001.wav")
    lists = tmp_path / "lists"
    lists.mkdir()
    for split, entry in [("train", "pop/pop.00001.wav"), ("valid", ""), ("test", "")]:
        (lists / f"{split}_filtered.txt").write_text(entry + "\n")
    data = load_gtzan_split(tmp_path, lists=lists)
    assert list(data.split) == ["train"] and data.paths[0].endswith("pop.00001.wav")
    (lists / "test_filtered.txt").write_text("polka/polka.00001.wav\n")
    with pytest.raises(ValueError, match=r"test_filtered\.txt, line 1"):
        load_gtzan_split(tmp_path, lists=lists)
    (lists / "test_filtered.txt").write_text("pop/pop.00001.wav\n")  # also in train
    with pytest.raises(ValueError, match=r"test_filtered\.txt, line 1: pop\.00001 is already "
                                         r"listed at train_filtered\.txt, line 1.*leaks"):
        load_gtzan_split(tmp_path, lists=lists)
    (lists / "test_filtered.txt").write_text("\n")
    (lists / "valid_filtered.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"valid_filtered\.txt is missing"):
        load_gtzan_split(tmp_path, lists=lists)
    with pytest.raises(FileNotFoundError, match="none of the 197 clips") as error:
        load_gtzan_split(tmp_path, split="valid")  # pop.00001 is a test clip
    assert "pass root= the GTZAN folder" in str(error.value)
    assert "audio_dir" not in str(error.value)  # load_gtzan_split has no audio_dir


def test_gtzan_split_on_the_real_slice(gtzan_root):
    """The real GTZAN clips 00000-00004 of each genre, as the published lists place them."""
    data = load_gtzan_split(gtzan_root)
    split_of = dict(zip(data.clip, data.split))
    assert all(split_of[f"blues.0000{i}"] == "valid" for i in range(5))
    assert split_of["disco.00001"] == "test" and split_of["pop.00000"] == "test"
    assert split_of["rock.00000"] == "train"
    # removed from all three lists: hiphop.00001, metal.00004, reggae.00003
    assert {"hiphop.00001", "metal.00004", "reggae.00003"}.isdisjoint(split_of)
    assert len(data.paths) == 47 and data.has_audio.all()


def test_gtzan_split_paths_feed_a_pipeline(tmp_path):
    from sklearn_music import AudioLoader

    folder = tmp_path / "genres" / "metal"
    folder.mkdir(parents=True)
    for clip in ["metal.00002", "metal.00012"]:
        sf.write(folder / f"{clip}.wav", np.full(2205, 0.25), 22050)
    data = load_gtzan_split(tmp_path)
    waveforms = AudioLoader(sr=22050).fit_transform(data.paths)
    assert np.shape(waveforms) == (2, 2205)


def test_undecodable_audio_is_named_in_the_error(tmp_path):
    """AudioSet clips downloaded as .m4a: the error says why none was found, and the fix."""
    _write_audioset(tmp_path)
    _touch(tmp_path / "clips" / "Y--PJHxphWEs_30.000_40.000.m4a")
    _touch(tmp_path / "clips" / "Y-0RWZT-miFs_420.000_430.000.m4a")
    with pytest.raises(FileNotFoundError, match=r"none of the 4 clips.*found 2 \.m4a files.*convert"):
        load_audioset(tmp_path, audio_dir=tmp_path / "clips")


def test_audio_folder_of_undecodable_files_says_so(tmp_path):
    from sklearn_music.datasets import load_audio_folder

    _touch(tmp_path / "cello" / "a.m4a")
    _touch(tmp_path / "flute" / "b.wma")
    with pytest.raises(ValueError, match=r"found 1 \.m4a, 1 \.wma files.*convert"):
        load_audio_folder(tmp_path)


def test_audio_folder_expands_home_and_skips_hidden_files(tmp_path, monkeypatch):
    from sklearn_music.datasets import load_audio_folder

    monkeypatch.setenv("HOME", str(tmp_path))
    _touch(tmp_path / "music" / "cello" / "a.wav")
    _touch(tmp_path / "music" / "cello" / "._a.wav")  # a macOS resource fork, not audio
    _touch(tmp_path / "music" / ".AppleDouble" / "b.wav")
    data = load_audio_folder("~/music")
    assert data.paths.tolist() == [str(tmp_path / "music" / "cello" / "a.wav")]
    with pytest.raises(FileNotFoundError, match="nowhere: no such folder"):
        load_audio_folder("~/nowhere")
