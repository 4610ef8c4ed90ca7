"""`python -m beatseq`: the same as the `beatseq` command."""

import sys

from beatseq.cli import main

sys.exit(main())
