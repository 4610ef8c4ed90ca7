"""`python -m beatseq`: the same as the `beatseq` command."""

import sys

from beatseq.cli import main

if __name__ == "__main__":  # not when a spawned engine process imports this module
    sys.exit(main())
