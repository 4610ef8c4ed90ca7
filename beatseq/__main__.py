"""`python -m beatseq`: the same as the `beatseq` command."""

from beatseq.cli import run

if __name__ == "__main__":  # not when a spawned engine process imports this module
    run()
