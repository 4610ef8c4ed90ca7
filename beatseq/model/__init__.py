"""The beatseq song model: frozen dataclasses, integer ticks, no I/O and no sound.

Importing this package must not import pyo, Textual or mido.
"""

from beatseq.model.groove import Feel, Humanize
from beatseq.model.instrument import Instrument, Kit
from beatseq.model.pattern import Pattern, Track
from beatseq.model.pitch import Key
from beatseq.model.section import Section
from beatseq.model.song import Song
from beatseq.model.step import Condition, Step
from beatseq.model.synth import Synth

__all__ = [
    "Condition",
    "Feel",
    "Humanize",
    "Instrument",
    "Key",
    "Kit",
    "Pattern",
    "Section",
    "Song",
    "Step",
    "Synth",
    "Track",
]
