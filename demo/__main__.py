"""``python -m demo`` (``make demo``): see demo/run_demo.py."""

import sys

from demo.run_demo import main

sys.exit(main(sys.argv[1:]))
