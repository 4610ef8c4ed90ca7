"""Plain summaries of a song and its timeline, for `beatseq info` and `beatseq events`.

Dictionaries and text lines only; the CLI prints them and the UI may show them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from beatseq.compile.timeline import Event, Timeline
from beatseq.model import Song


def song_info(song: Song, timeline: Timeline) -> dict[str, Any]:
    counts = Counter(e.track for e in timeline.events)
    bar = timeline.bar_ticks
    return {
        "title": song.title,
        "file": song.path,
        "bpm": song.bpm,
        "time_signature": "{}/{}".format(*song.time_signature),
        "swing": song.swing,
        "swing_unit": song.swing_unit,
        "seed": song.seed,
        "bars": timeline.length / bar,
        "seconds": round(timeline.length_seconds, 6),
        "ticks": timeline.length,
        "ppq": timeline.ppq,
        "events": len(timeline.events),
        "sections": [
            {
                "name": span.name,
                "start": span.start,
                "end": span.end,
                "start_bar": span.start / bar + 1,
                "bars": (span.end - span.start) / bar,
                "repeat": span.repeat,
                "bpm": span.bpm,
                "start_seconds": round(timeline.tempo.seconds(span.start), 6),
            }
            for span in timeline.sections
        ],
        "tracks": [
            {
                "name": i.name,
                "sample": i.sample,
                "note": i.note,
                "channel": i.channel,
                "choke": i.choke,
                "events": counts.get(i.name, 0),
            }
            for i in song.kit.instruments
        ],
        "patterns": [
            {"name": p.name, "steps": p.steps, "resolution": p.resolution, "tracks": len(p.tracks)}
            for p in song.patterns
        ],
    }


def info_lines(info: dict[str, Any]) -> list[str]:
    minutes, seconds = divmod(info["seconds"], 60)
    lines = [
        f"{info['title']}  ({info['file']})",
        f"  {info['bpm']:g} BPM  {info['time_signature']}  swing {info['swing']:g}% on"
        f" {info['swing_unit']}  seed {info['seed']}",
        f"  {_num(info['bars'])} bars  {int(minutes)}:{seconds:06.3f}  {info['ticks']} ticks"
        f" at PPQ {info['ppq']}  {info['events']} events",
        "  sections:",
    ]
    for s in info["sections"]:
        lines.append(
            f"    {s['name']:<12} bar {_num(s['start_bar']):>6}  {_num(s['bars']):>5} bars"
            f"  ticks {s['start']}-{s['end']}  x{s['repeat']}  {s['bpm']:g} BPM"
        )
    lines.append("  tracks:")
    for t in info["tracks"]:
        choke = f"  choke {t['choke']}" if t["choke"] else ""
        lines.append(
            f"    {t['name']:<12} {t['sample']:<24} ch {t['channel']:>2} note {t['note']:>3}"
            f"  {t['events']:>5} events{choke}"
        )
    return lines


def event_line(event: Event) -> str:
    return (
        f"{event.tick:>8} {event.sample:>10} {event.seconds:>11.6f}  {event.track:<12}"
        f" vel {event.velocity:>3} pitch {event.pitch:>+3}  {event.section}"
    )


def _num(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))
