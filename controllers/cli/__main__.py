"""`python -m controllers.cli ...`: the same as `hbot-strategies ...`."""

import sys

from controllers.cli.main import main

sys.exit(main())
