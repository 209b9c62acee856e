"""Schema validation: every bad value is refused with the key named and the allowed values."""

import copy
from pathlib import Path

import pytest
import yaml

from hdlearn.config import ConfigError, validate_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"
BASE = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def _config(**changes):
    config = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = config
        *parents, last = dotted.split("/")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[last] = value
    return config


def test_shipped_config_is_valid():
    validated = validate_config(copy.deepcopy(BASE), SCHEMA)
    assert validated["scale"] == "default"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"scale": "huge"}, "config.scale: 'huge' is not allowed; allowed values: 'smoke', "
         "'default', 'paper'"),
        ({"device": "tpu"}, "config.device: 'tpu' is not allowed; allowed values: 'auto', "
         "'cpu', 'cuda'"),
        ({"scales/default/depth/preset": "mine"}, "config.scales.default.depth.preset: 'mine' "
         "is not allowed; allowed values: 'repo', 'paper'"),
        ({"scales/default/depth/sweep/d": [-3]}, "config.scales.default.depth.sweep.d[0]: -3 is "
         "less than the minimum of 2"),
        ({"scales/smoke/depth/seeds": "three"}, "config.scales.smoke.depth.seeds: 'three' is "
         "not of type 'array'"),
        ({"scales/default/depth/sweep/learners": ["svm"]}, "config.scales.default.depth.sweep."
         "learners[0]: 'svm' is not allowed; allowed values: 'krr', 'two_layer', "
         "'three_layer_layerwise', 'three_layer_joint'"),
        ({"scales/paper/depth/hyper": {"lr": -1.0}}, "config.scales.paper.depth.hyper.lr: -1.0 "
         "is less than or equal to the minimum of 0"),
        ({"scales/default/depth/target/hermite": "physicist"}, "config.scales.default.depth."
         "target.hermite: 'physicist' is not allowed; allowed values: 'probabilist', "
         "'factorial', 'orthonormal'"),
    ],
)  # fmt: skip
def test_bad_values_name_the_key(change, expected):
    with pytest.raises(ConfigError) as error:
        validate_config(_config(**change), SCHEMA)
    assert expected in str(error.value)


def test_unknown_key_lists_allowed_keys():
    config = _config()
    config["scales"]["default"]["depth"]["sweep"]["kapas"] = [1.0]
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    assert (
        "config.scales.default.depth.sweep: unknown key(s) 'kapas'; allowed keys: d, "
        "kappas, learners" in str(error.value)
    )


def test_too_many_branches_for_d():
    config = _config(**{"scales/smoke/depth/target/branches": 5})
    with pytest.raises(
        ConfigError, match=r"config.scales.smoke.depth.sweep.d: d = 16 is too small"
    ):
        validate_config(config, SCHEMA)


def test_defaults_fill_missing_keys():
    config = _config()
    del config["device"]
    del config["scales"]["default"]["depth"]["hyper"]
    validated = validate_config(config, SCHEMA)
    assert validated["device"] == "auto"
    assert validated["scales"]["default"]["depth"]["hyper"] == {}
