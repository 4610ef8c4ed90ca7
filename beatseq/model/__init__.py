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
from beatseq.model.synth import Bass808, Keys, Sub, Synth

__all__ = [
    "Bass808",
    "Condition",
    "Feel",
    "Humanize",
    "Instrument",
    "Key",
    "Keys",
    "Kit",
    "Pattern",
    "Section",
    "Song",
    "Step",
    "Sub",
    "Synth",
    "Track",
]
