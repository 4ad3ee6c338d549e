"""Name the file, line and column of a YAML mistake in an inventory's group_vars and host_vars.

Ansible 2.19 reads those files lazily, when a play first needs a host's variables, and a mistake there
(a tab, for one) ends the run with "YAML parsing failed: Tabs are usually invalid in YAML." and no file
or line. This plugin runs first (ansible.cfg: vars_plugins_enabled) and reads the same files once per
inventory folder; a mistake fails the run before anything connects, naming where it is, never the
line's content (it may be a secret).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from ansible.errors import AnsibleParserError
from ansible.plugins.vars import BaseVarsPlugin

DOCUMENTATION = """
    name: hbot_yaml_check
    short_description: Names where a group_vars or host_vars file is not valid YAML
    requirements:
      - Enabled in ansible.cfg's vars_plugins_enabled, before host_group_vars
    description:
      - Parses every plain (not vault-encrypted) YAML file under group_vars/ and host_vars/ beside an
        inventory source, once, and fails with the file, line, column and PyYAML's reason.
      - Returns no variables; host_group_vars still loads them.
    options:
      stage:
        ini:
          - key: stage
            section: vars_hbot_yaml_check
        env:
          - name: ANSIBLE_VARS_PLUGIN_STAGE
    extends_documentation_fragment:
      - vars_plugin_staging
"""

SUFFIXES = (".yml", ".yaml", "")  # as host_group_vars reads them (JSON is left to it)
HINTS = {"\\t": " (YAML indents with spaces, never tabs)"}


class _TagTolerantLoader(yaml.SafeLoader):
    """Safe loading that accepts Ansible's own tags (!vault, !unsafe) as plain values."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_TagTolerantLoader.add_multi_constructor("!", _untagged)


def vars_files(root: Path) -> list[Path]:
    """The plain files host_group_vars would read: hidden and backup files left out, encrypted ones too
    (Ansible decrypts and reports those itself)."""
    found = []
    for folder in ("group_vars", "host_vars"):
        for path in sorted((root / folder).rglob("*")):
            parts = path.relative_to(root).parts
            if any(part.startswith(".") or part.endswith("~") for part in parts):
                continue
            if (
                path.is_file()
                and path.suffix in SUFFIXES
                and not path.read_bytes().startswith(b"$ANSIBLE_VAULT;")
            ):
                found.append(path)
    return found


def yaml_problems(root: Path) -> list[str]:
    """One line per file that does not parse: where, and why in PyYAML's words (which quote no value)."""
    problems = []
    for path in vars_files(root):
        try:
            for _ in yaml.load_all(path.read_text(errors="replace"), Loader=_TagTolerantLoader):
                pass
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            reason = getattr(error, "problem", None) or type(error).__name__
            hint = next((text for key, text in HINTS.items() if key in reason), "")
            problems.append(f"{where}: not valid YAML: {reason}{hint}")
    return problems


# Inventory folders already read, for the whole run: Ansible makes a new instance of this plugin for
# each variable lookup (per task and host), so a per-instance record re-read every file each time (9% of
# a bots converge's controller CPU, sampled with py-spy).
_CHECKED: set[str] = set()


class VarsModule(BaseVarsPlugin):
    REQUIRES_ENABLED = True

    def get_vars(self, loader, path, entities, cache=True):
        super().get_vars(loader, path, entities)
        root = Path(self._basedir).resolve()
        if str(root) not in _CHECKED:
            _CHECKED.add(str(root))
            problems = yaml_problems(root)
            if problems:
                raise AnsibleParserError("\n".join(problems))
        return {}
