"""Render monitoring/ templates with example values so promtool and amtool can check real files.

    python monitoring/render_examples.py OUT_DIR [VARS_YML]

OUT_DIR gets prometheus.yml with rules/ beside it (as the role lays them out) and alertmanager.yml.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jinja2
import yaml

HERE = Path(__file__).resolve().parent


def render(out_dir: Path, variables: dict) -> None:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,  # as Ansible's template module renders
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    for template, target in (
        ("prometheus/prometheus.yml.j2", "prometheus.yml"),
        ("alertmanager/alertmanager.yml.j2", "alertmanager.yml"),
    ):
        text = environment.get_template(template).render(**variables)
        yaml.safe_load(text)  # a template that renders to broken YAML fails here, by file name
        (out_dir / target).write_text(text)
    shutil.copytree(HERE / "prometheus" / "rules", out_dir / "rules", dirs_exist_ok=True)


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2 or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)  # an option is never taken for the output folder
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    variables_file = Path(argv[1]) if len(argv) > 1 else HERE / "examples" / "vars.yml"
    render(Path(argv[0]), yaml.safe_load(variables_file.read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
