"""Schema validation: every bad value is refused with the key named and the allowed values."""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hdlearn.config import ConfigError, compose_schema, validate_config
from hdlearn.papers import PAPERS, figures, papers_at, part, plan, setting

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "schema.yaml"
BASE = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
FIGURES = figures()


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
         "is not allowed; allowed values: 'repo', 'tuned', 'paper'"),
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


def test_fc_local_d_max_must_reach_the_d_its_claims_read():
    config = _config(**{"scales/default/symmetry/fc_local_d_max": 40})
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    assert (
        "config.scales.default.symmetry.fc_local_d_max: 40 is below d = 80, which the claims "
        "read of fc_local (claims.conv_slope_d[1], claims.fc_over_conv_d); allowed: null or an "
        "integer >= 80" in str(error.value)
    )


def test_defaults_fill_missing_keys():
    config = _config()
    del config["device"]
    del config["scales"]["default"]["depth"]["hyper"]
    validated = validate_config(config, SCHEMA)
    assert validated["device"] == "auto"
    assert validated["scales"]["default"]["depth"]["hyper"] == {}


def test_schema_is_composed_from_every_paper_fragment():
    schema = compose_schema(SCHEMA)
    assert set(schema["properties"]["presets"]["properties"]) == set(PAPERS)
    assert set(schema["$defs"]["scale"]["properties"]) == set(PAPERS)
    assert schema["$defs"]["scale"].get("required", []) == []


def test_a_paper_absent_from_a_scale_is_not_built_there():
    config = _config()
    del config["scales"]["smoke"]["tensor"]
    validated = validate_config(config, SCHEMA)
    assert papers_at(validated, "smoke") == ["depth", "representation", "symmetry"]
    assert "tensor" not in plan(validated, "smoke")
    assert papers_at(validated, "default") == list(PAPERS)


def test_unknown_preset_names_the_allowed_ones():
    config = _config(**{"scales/smoke/tensor/preset": "mine"})
    with pytest.raises(ConfigError, match=r"config.scales.smoke.tensor.preset: 'mine'"):
        validate_config(config, SCHEMA)


def test_setting_reads_claims_preset_and_block_values():
    config = validate_config(_config(), SCHEMA)
    block = config["scales"]["default"]["symmetry"]
    preset = config["presets"]["symmetry"][block["preset"]]
    assert setting(config, "default", "symmetry", "min_learned") == block["claims"]["min_learned"]
    assert setting(config, "default", "symmetry", "preset.width") == preset["width"]
    eps1 = config["scales"]["default"]["depth"]["target"]["eps1"]
    assert setting(config, "default", "depth", "block.target.eps1") == eps1
    with pytest.raises(KeyError, match=r"preset\.nope"):
        setting(config, "default", "symmetry", "preset.nope")
    with pytest.raises(KeyError, match="no 'nope'"):
        setting(config, "default", "depth", "block.target.nope")
    with pytest.raises(KeyError, match=r"not a key of scales\.default\.depth\.claims"):
        setting(config, "default", "depth", "nope")


def _parameters_cell(figure: str) -> str:
    paper = FIGURES[figure]["paper"]
    path = ROOT / "workflow" / "notebooks" / paper / f"{figure}.ipynb"
    notebook = json.loads(path.read_text())
    cell = next(c for c in notebook["cells"] if "parameters" in c["metadata"].get("tags", []))
    return "".join(cell["source"])


@pytest.mark.parametrize("figure", list(FIGURES))
def test_figure_settings_exist_and_are_notebook_parameters(figure):
    """figures.yaml ``settings`` name a config value at every scale and a parameter of the
    notebook (papermill would add an unknown one silently), the notebook takes the claims
    table, and the caption formats with the settings."""
    spec = FIGURES[figure]
    assigned = {line.split("=")[0].strip() for line in _parameters_cell(figure).splitlines()}
    settings = spec.get("settings", {})
    assert set(settings) <= assigned
    assert {"claims_table", "output_pdf", "output_png", *spec["tables"]} <= assigned
    config = validate_config(_config(), SCHEMA)
    for scale in ("smoke", "default", "paper"):
        values = {
            name: setting(config, scale, spec["paper"], key) for name, key in settings.items()
        }
        assert "{" not in spec["caption"].format(**values)


@pytest.mark.parametrize("figure", list(FIGURES))
def test_figure_claims_are_ids_of_its_papers_registry(figure):
    spec = FIGURES[figure]
    config = validate_config(_config(), SCHEMA)
    registry = part(spec["paper"], "claims").claims(
        config["scales"]["default"][spec["paper"]]["claims"]
    )
    assert set(spec["claims"]) <= {claim.claim_id for claim in registry}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"scales/default/depth/seeds": [100, 3]}, "config.scales.default.depth.seeds: seed(s) "
         "[3] are pilot seeds (config.scales.default.depth.claims.pilot_seeds)"),
        ({"scales/default/tensor/student/seeds": [100, 1500]}, "config.scales.default.tensor."
         "student.seeds: seed(s) [1500] not below config.replicates.seed_stride = 1000"),
        ({"replicates/seed_stride": 50}, "config.scales.smoke.depth.seeds: seed(s) [100, 101] "
         "not below config.replicates.seed_stride = 50"),
        ({"replicates/seed_stride": 10}, "config.scales.smoke.depth.claims.pilot_seeds: seed(s) "
         "[10, 11,"),
    ],
)  # fmt: skip
def test_scored_seeds_are_neither_pilots_nor_replicates(change, expected):
    with pytest.raises(ConfigError) as error:
        validate_config(_config(**change), SCHEMA)
    assert expected in str(error.value)


@pytest.mark.parametrize("paper", PAPERS)
def test_every_claim_has_a_provenance_tag_and_no_other(paper):
    config = _config()
    provenance = config["scales"]["default"][paper]["claims"]["provenance"]
    first = next(iter(provenance))
    entry = provenance.pop(first)
    with pytest.raises(ConfigError, match=rf"claims.provenance: no entry for {first};"):
        validate_config(copy.deepcopy(config), SCHEMA)
    provenance[first] = entry
    provenance["NOPE-1"] = {"tag": "paper", "ref": "Sec. 1"}
    with pytest.raises(ConfigError, match=r"unknown claim\(s\) NOPE-1; allowed: "):
        validate_config(config, SCHEMA)
    provenance.pop("NOPE-1")
    provenance[first] = {"tag": "folklore", "ref": "everyone knows"}
    with pytest.raises(ConfigError, match=r"'folklore' is not allowed; allowed values: 'paper', "
                       "'theory', 'calibrated'"):  # fmt: skip
        validate_config(config, SCHEMA)


def test_semantic_checks_run_on_the_scales_asked_for():
    """The workflow checks the blocks of the scale it plans: a preset no paper has at paper
    scale is refused there, not in a smoke run (the schema still checks every scale)."""
    bad = _config(**{"scales/paper/depth/preset": "tuned"})
    bad["presets"]["depth"].pop("tuned")
    del bad["scales"]["smoke"]["depth"]["preset"], bad["scales"]["default"]["depth"]["preset"]
    validate_config(copy.deepcopy(bad), SCHEMA, scales=["smoke"])
    with pytest.raises(ConfigError, match=re.escape("config.scales.paper.depth.preset: 'tuned'")):
        validate_config(copy.deepcopy(bad), SCHEMA, scales=["paper"])
    with pytest.raises(ConfigError, match=re.escape("config.scales.paper.depth.preset")):
        validate_config(bad, SCHEMA)


def test_planning_and_validating_a_scale_never_import_torch():
    """The DAG plans at parse time: a no-op run must not pay the torch import (the papers'
    grid modules are pure Python; their experiment modules hold the training code)."""
    code = (
        "import sys, yaml\n"
        "from hdlearn.config import validate_config\n"
        "from hdlearn.papers import plan\n"
        f"config = yaml.safe_load(open({str(ROOT / 'config' / 'config.yaml')!r}))\n"
        f"validate_config(config, {str(SCHEMA)!r})\n"
        "for scale in ('smoke', 'default', 'paper'):\n"
        "    plan(config, scale)\n"
        "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'torch' in m)[:5]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
