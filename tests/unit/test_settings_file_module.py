"""The hardening role's hbot_settings_file module: one pass over a distribution's config file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "hbot_settings_file", REPO / "plugins/modules/hbot_settings_file.py"
)
module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(module)

LOGIN_DEFS = """\
# Password aging controls:
#\tPASS_MAX_DAYS\tMaximum number of days a password may be used.
PASS_MAX_DAYS\t99999
UMASK\t\t022
#SHA_CRYPT_MIN_ROUNDS 5000
ENCRYPT_METHOD SHA512
"""


def apply(text: str, settings: dict, separator: str = "\t") -> str:
    return "".join(module.apply_settings(text.splitlines(keepends=True), settings, separator))


def test_active_keys_are_replaced_in_place_and_comments_kept():
    result = apply(LOGIN_DEFS, {"PASS_MAX_DAYS": "365", "UMASK": "027"})
    assert result == LOGIN_DEFS.replace("PASS_MAX_DAYS\t99999", "PASS_MAX_DAYS\t365").replace(
        "UMASK\t\t022", "UMASK\t027"
    )


def test_a_commented_default_is_uncommented_and_a_missing_key_appended():
    result = apply(LOGIN_DEFS, {"SHA_CRYPT_MIN_ROUNDS": "65536", "PASS_MIN_DAYS": "1"})
    lines = result.splitlines()
    assert lines[4] == "SHA_CRYPT_MIN_ROUNDS\t65536"
    assert lines[-1] == "PASS_MIN_DAYS\t1"
    assert "#SHA_CRYPT_MIN_ROUNDS 5000" not in result


def test_a_later_active_duplicate_is_commented_out_so_it_cannot_override():
    result = apply("UMASK 022\nFOO 1\nUMASK 077\n", {"UMASK": "027"})
    assert result == "UMASK\t027\nFOO 1\n# UMASK 077\n"


def test_equals_separated_files_and_quoted_values():
    text = 'IPV6=yes\nDEFAULT_INPUT_POLICY="ACCEPT"\nIPT_SYSCTL=/etc/ufw/sysctl.conf\n'
    result = apply(text, {"DEFAULT_INPUT_POLICY": '"DROP"', "IPT_SYSCTL": "/etc/sysctl.d/x.conf"}, "=")
    assert result == 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nIPT_SYSCTL=/etc/sysctl.d/x.conf\n'


def test_applying_twice_changes_nothing_the_second_time():
    settings = {"PASS_MAX_DAYS": "365", "SHA_CRYPT_MIN_ROUNDS": "65536", "NEW_KEY": "x"}
    once = apply(LOGIN_DEFS, settings)
    assert apply(once, settings) == once


def test_a_key_that_is_only_a_prefix_of_another_is_not_touched():
    assert apply("UMASKED 1\n", {"UMASK": "027"}) == "UMASKED 1\nUMASK\t027\n"


def test_a_file_without_a_final_newline_gets_one_before_an_appended_key():
    assert apply("A 1", {"B": "2"}) == "A 1\nB\t2\n"
