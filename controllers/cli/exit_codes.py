"""`hbot-strategies` exit codes: one set for every subcommand, each code with one meaning.

| code | name           | meaning                                                                            |
|------|----------------|------------------------------------------------------------------------------------|
| 0    | OK             | done; everything asked for was written or printed                                  |
| 1    | INVALID        | bad input, refused before any work: the message names the field (a config key,     |
|      |                | `candles`, `out`, `fee`, ...); nothing was written and no container started        |
| 2    | USAGE          | the command line itself: argparse's errors, and a strategy name that no installed  |
|      |                | plugin registers (`show NAME`)                                                     |
| 3    | PLUGIN_FAILURE | `--strict-plugins` and a plugin failed to load (the command itself succeeded)      |
| 4    | FAILED         | the command ran and failed: optimize completed no trial, or the work raised (the   |
|      |                | traceback is printed; Python's own status for that would be 1, read as INVALID)    |

From the host, backtest/compare/optimize re-run themselves in the runtime image (runtime.py) and exit
with that run's status, so the codes above hold there too. Any other status is Docker's, when that
re-run could not start or was killed: 125 (`docker run` failed), 126/127 (the command in the image
could not run), 128+N (signal N).
"""

from __future__ import annotations

OK = 0
INVALID = 1
USAGE = 2
PLUGIN_FAILURE = 3
FAILED = 4
