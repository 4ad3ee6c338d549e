"""Stand-in for the official image's bin/path_util.py (not in PyPI's package), sandbox image only:
puts the source tree (/home/hummingbot) first on sys.path, as the official image's does."""

import sys
from os.path import join, realpath

sys.path.insert(0, realpath(join(__file__, "../../")))
