"""beatseq: a beatmaking and arrangement sequencer for hip-hop producers in the terminal."""

__version__ = "0.1.0"
