"""The one error of bad input to the analysis: what is at fault and why, formatted here and only here.

    raise InputError("fee", "0.5 is outside [0.0, 0.01)")      # str(): "fee: 0.5 is outside [0.0, 0.01)"
    raise error.as_(RequestError, lambda field: f"--{field}")  # the same problem, under its option
    raise InputError.parse(str(error))                        # from a lower layer's "field: message"

Every subclass (InputError, OutputError, RequestError, SpaceError, SplitError) is an AnalysisError, so
the command line catches one class and prints every error one way (controllers/cli/options.fail).
An error can hold several problems (a config the params model rejects in more than one field): each
is formatted "field: message", joined by `sep`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

Error = TypeVar("Error", bound="AnalysisError")


class AnalysisError(ValueError):
    """Bad input; `field` names the option, config field or file at fault, `message` says what is wrong."""

    def __init__(self, field: str, message: str, *, more: Iterable[tuple[str, str]] = (), sep: str = "; "):
        super().__init__(field, message)
        self.problems: tuple[tuple[str, str], ...] = ((field, message), *more)
        self.sep = sep

    @property
    def field(self) -> str:
        return self.problems[0][0]

    @property
    def message(self) -> str:
        return self.problems[0][1]

    def __str__(self) -> str:
        return self.sep.join(f"{field}: {message}" for field, message in self.problems)

    @classmethod
    def each(cls: type[Error], problems: Iterable[tuple[str, str]], sep: str = "; ") -> Error:
        """One error of several (field, message) problems, e.g. every field a params model rejects."""
        (field, message), *more = problems
        return cls(field, message, more=more, sep=sep)

    @classmethod
    def parse(cls: type[Error], text: str) -> Error:
        """From a "field: message" text: an error of a layer that cannot import this module (fill_model.py
        and engine.py also load in a bare bot tree, without the rest of the analysis)."""
        return cls(*problem(text))

    def as_(self, cls: type[Error], rename: Callable[[str], str] = str) -> Error:
        """The same problems as a `cls`, each field renamed (an option for a field, a file for its path)."""
        return cls.each(((rename(field), message) for field, message in self.problems), self.sep)


def problem(line: str) -> tuple[str, str]:
    """(field, message) of a "field: message" line, such as a params model's (config_errors)."""
    field, _, message = line.partition(": ")
    return field, message
