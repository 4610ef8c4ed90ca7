"""Song -> Timeline: the one pure compile step everything else reads."""

from beatseq.compile.compiler import compile_song, loop_events, section_spans
from beatseq.compile.timeline import Event, SectionSpan, Timeline

__all__ = ["Event", "SectionSpan", "Timeline", "compile_song", "loop_events", "section_spans"]
