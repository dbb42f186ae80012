"""Music data sets: loaders for public corpora and generators rendered from SoundFonts."""

from ._home import clear_data_home, get_data_home
from .audioset import load_audioset
from .fma import load_fma
from .folder import load_audio_folder
from .generators import make_grooves, make_key_pieces, make_mixtures, make_notes
from .gtzan import load_gtzan
from .gtzan_splits import load_gtzan_split
from .magnatagatune import load_magnatagatune
from .msd import load_msd_lastfm
from .mtg_jamendo import load_mtg_jamendo
from .nsynth import load_nsynth
from .soundfont import default_soundfont, render_midi

__all__ = [
    "clear_data_home",
    "default_soundfont",
    "get_data_home",
    "load_audio_folder",
    "load_audioset",
    "load_fma",
    "load_gtzan",
    "load_gtzan_split",
    "load_magnatagatune",
    "load_msd_lastfm",
    "load_mtg_jamendo",
    "load_nsynth",
    "make_grooves",
    "make_key_pieces",
    "make_mixtures",
    "make_notes",
    "render_midi",
]
