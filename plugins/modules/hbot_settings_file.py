#!/usr/bin/python
"""Set several `KEY<sep>VALUE` lines of a distribution's config file in one pass.

Files such as /etc/login.defs or /etc/default/ufw belong to their package: the role changes only
its keys and keeps the rest. One module call instead of one lineinfile per key keeps a rerun fast.
"""

from __future__ import annotations

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: hbot_settings_file
short_description: Set several KEY<sep>VALUE lines of a config file in one pass
description:
  - The first line setting a key (commented out or not) is replaced; later duplicates are commented
    out; keys that are missing are appended. Every other line is kept as it is.
options:
  path: {description: The file; it must exist., type: path, required: true}
  settings: {description: Key to value., type: dict, required: true}
  separator:
    description: Written between key and value; a value is read after "=" or blanks.
    type: str
    default: "\t"
author: hbot-fleet
"""

KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


LINE_KEY = re.compile(r"^\s*(#?)\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s*=|\s)")


def apply_settings(lines: list[str], settings: dict[str, str], separator: str) -> list[str]:
    """The file's lines with every key set; pure, so it is unit-tested without a host.

    A key's line is its first active one, else its last commented one (the distribution's default,
    as lineinfile would pick); later active duplicates are commented out; missing keys are appended.
    """
    active: dict[str, list[int]] = {}
    commented: dict[str, list[int]] = {}
    for index, line in enumerate(lines):
        match = LINE_KEY.match(line)
        if match and match.group(2) in settings:
            (commented if match.group(1) else active).setdefault(match.group(2), []).append(index)
    result = list(lines)
    if result and not result[-1].endswith("\n"):
        result[-1] += "\n"
    for key, value in settings.items():
        if key in active:
            target, *duplicates = active[key]
            for index in duplicates:
                result[index] = "# " + lines[index]  # a later duplicate would override ours
        elif key in commented:
            target = commented[key][-1]
        else:
            result.append(f"{key}{separator}{value}\n")
            continue
        result[target] = f"{key}{separator}{value}\n"
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "settings": {"type": "dict", "required": True},
            "separator": {"type": "str", "default": "\t"},
        },
        supports_check_mode=True,
    )
    path = module.params["path"]
    settings = {str(k): str(v) for k, v in module.params["settings"].items()}
    bad = [k for k in settings if not KEY_PATTERN.match(k)]
    if bad:
        module.fail_json(msg=f"settings: invalid key(s) {', '.join(bad)}")
    if not os.path.isfile(path):
        module.fail_json(msg=f"path: {path} does not exist")
    with open(path, encoding="utf-8") as handle:
        before = handle.readlines()
    after = apply_settings(before, settings, module.params["separator"])
    changed = after != before
    diff = {"before": "".join(before), "after": "".join(after), "before_header": path, "after_header": path}
    if changed and not module.check_mode:
        stat = os.stat(path)
        fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".hbot-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(after)
        os.chown(temp, stat.st_uid, stat.st_gid)
        os.chmod(temp, stat.st_mode & 0o7777)
        module.atomic_move(temp, path)
    module.exit_json(changed=changed, diff=diff if module._diff else {})


if __name__ == "__main__":
    main()
