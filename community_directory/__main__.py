"""python -m community_directory: see cli.py."""

import sys

from community_directory.cli import main

sys.exit(main())
