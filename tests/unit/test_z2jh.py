"""Zero to JupyterHub: docker/z2jh/config.yaml is valid for the chart, as Helm would check it.

Helm merges the user's values over the chart's values.yaml (maps merge key by key, anything else
replaces, null deletes) and validates the result against values.schema.json. The chart's files are
copied in docker/z2jh/ with their provenance. No Kubernetes cluster or container engine exists
here: this checks the configuration, not a deployment.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
Z2JH = ROOT / "docker" / "z2jh"


def helm_merge(base, override):
    if isinstance(base, dict) and isinstance(override, dict):
        out = copy.deepcopy(base)
        for key, value in override.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = helm_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    return copy.deepcopy(override)


def _load(name):
    return yaml.safe_load((Z2JH / name).read_text(encoding="utf-8"))


def _errors(values) -> list[str]:
    schema = _load("values.schema.yaml")
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(values)]


def test_config_validates_against_the_chart_schema():
    merged = helm_merge(_load("values.default.yaml"), _load("config.yaml"))
    assert _errors(merged) == []


def test_the_schema_catches_a_typo():
    """The check has teeth: a misspelled key or a wrong type is refused."""
    config = _load("config.yaml")
    config["singleuser"]["memmory"] = {"limit": "2G"}
    config["cull"]["timeout"] = "an hour"
    errors = _errors(helm_merge(_load("values.default.yaml"), config))
    assert any("memmory" in e for e in errors), errors
    assert any(e.startswith("cull.timeout") for e in errors), errors


def test_config_matches_the_image_and_the_hub_extra():
    config = _load("config.yaml")
    dockerfile = (ROOT / "docker" / "singleuser" / "Dockerfile").read_text()
    assert 'CMD ["jupyterhub-singleuser"]' in dockerfile and config["singleuser"]["cmd"] == "jupyterhub-singleuser"
    assert "dbwb-pod-start" in dockerfile and (ROOT / "docker" / "singleuser" / "dbwb-pod-start").exists()
    assert config["singleuser"]["extraEnv"]["DBWB_STATE_DIR"].startswith(
        config["singleuser"]["storage"]["homeMountPath"]
    )
    assert config["hub"]["config"]["JupyterHub"]["authenticator_class"] != "dummy"
    # the single-user server's JupyterHub is the chart's (5.5.0, PROVENANCE.md)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"jupyterhub==5\.5\.0"', pyproject)
    assert "JupyterHub 5.5.0" in (Z2JH / "PROVENANCE.md").read_text()
    assert 'pip install ".[hub]"' in dockerfile
