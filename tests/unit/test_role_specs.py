"""tools/role_specs.py, which `make lint` runs: a role whose defaults, argument_specs or README drift
apart is named, each disagreement with its file and variable."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import role_specs  # noqa: E402


def make_role(tmp_path: Path, port_default: int) -> Path:
    role = tmp_path / "demo"
    (role / "defaults").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "defaults" / "main.yml").write_text('demo_port: 22\ndemo_keys: []\ndemo_url: "{{ base }}/x"\n')
    options = {
        "demo_port": {"type": "int", "default": port_default, "description": "Port | number."},
        "demo_keys": {"type": "list", "elements": "str", "required": True, "description": "Keys."},
        "demo_url": {"type": "str", "default": "<base>/x", "description": "URL."},
        "demo_hook": {"type": "str", "description": "Optional; unset unless the inventory sets it."},
    }
    spec = {
        "main": {"short_description": "A demo role.", "description": ["Does one thing."], "options": options}
    }
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump({"argument_specs": spec}))
    return role


def test_agreeing_role_with_its_generated_readme_has_no_problem(tmp_path):
    role = make_role(tmp_path, port_default=22)
    (role / "README.md").write_text(role_specs.render_readme(role))
    assert role_specs.problems(role) == []
    readme = (role / "README.md").read_text()
    assert "| `demo_port` | int | `22` | Port \\| number. |" in readme
    assert "| `demo_keys` | list of str | required | Keys. |" in readme
    assert "| `demo_url` | str | `<base>/x` | URL. |" in readme  # a template: the spec's words
    assert "| `demo_hook` | str | unset |" in readme


def test_each_kind_of_drift_is_named(tmp_path):
    role = make_role(tmp_path, port_default=2222)
    (role / "README.md").write_text("# hand-written\n")
    with (role / "defaults" / "main.yml").open("a") as defaults:
        defaults.write("demo_typo: 1\ndemo_hook: http://example.org\n")
    found = role_specs.problems(role)
    assert found == [
        "roles/demo/meta/argument_specs.yml: demo_port default: 2222 but defaults/main.yml: 22",
        "roles/demo/defaults/main.yml: demo_typo has no option in meta/argument_specs.yml",
        'roles/demo/meta/argument_specs.yml: demo_hook has no default: ("http://example.org")',
        "roles/demo/README.md: not what argument_specs say; run python tools/role_specs.py readme",
    ]
