"""The `hbot-strategies` command line (tox 4 style: one module per subcommand).

* main.py: the parser, the subcommand table (COMMANDS) and main();
* exit_codes.py: the one set of exit codes, each documented there;
* list.py, show.py, validate.py, backtest.py, compare.py, optimize.py: one subcommand each (HELP,
  add_arguments, run); the work itself is controllers.analysis's and the registry's;
* options.py: the options backtest, compare and optimize share, and their re-run command line.

From the host, backtest/compare/optimize check their inputs, then re-run the parsed command inside the
runtime image through the one launcher, controllers.analysis.runtime.
"""

from controllers.cli.main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
