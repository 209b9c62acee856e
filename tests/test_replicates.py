"""Replicates: disjoint seed sets, shared with no other run, and the replication table."""

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hdlearn.analysis.verdicts import (
    BELOW_SCALE,
    CHECK_FAILED,
    CHECK_OK,
    FAIL,
    INCONCLUSIVE,
    PASS,
)
from hdlearn.papers import PAPERS, plan
from hdlearn.replicates import replicate_config, run_name, seed_lists, split_run
from hdlearn.replication import replication_table, to_markdown

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_run_names_round_trip():
    assert split_run("default") == ("default", 0)
    assert split_run("default/replicate-2") == ("default", 2)
    assert run_name("smoke", 0) == "smoke" and run_name("smoke", 3) == "smoke/replicate-3"


def _seeds(config, scale):
    return {
        paper: {s for _, seeds in seed_lists(config["scales"][scale][paper]) for s in seeds}
        for paper in PAPERS
    }


@pytest.mark.parametrize("scale", ["smoke", "default", "paper"])
def test_replicate_seeds_are_disjoint_from_main_pilots_and_each_other(scale):
    runs = [_seeds(replicate_config(CONFIG, j), scale) for j in range(4)]
    for paper in PAPERS:
        pilots = set(CONFIG["scales"][scale][paper]["claims"]["pilot_seeds"])
        sets = [run[paper] for run in runs]
        assert all(len(s) == len(sets[0]) for s in sets)
        for j, seeds in enumerate(sets):
            assert not seeds & pilots
            assert all(not seeds & other for other in sets[j + 1 :])


def test_replicates_share_no_cell_with_the_main_run():
    main = plan(CONFIG, "smoke")
    again = plan(replicate_config(CONFIG, 1), "smoke")
    assert main.keys() == again.keys()
    for paper in main:
        assert main[paper].keys() == again[paper].keys()
        for experiment, cells in main[paper].items():
            assert len(cells) == len(again[paper][experiment])
            if experiment != "reference":  # digitised paper points: no seeds to draw
                assert not set(cells) & set(again[paper][experiment])
    assert CONFIG == yaml.safe_load((ROOT / "config" / "config.yaml").read_text())  # untouched


def _card(verdicts, values=None, kinds=None):
    ids = [f"X-{i}" for i in range(len(verdicts))]
    return pd.DataFrame({
        "claim_id": ids, "paper": "x", "kind": kinds or ["claim"] * len(ids),
        "statement": "s", "verdict": verdicts, "value": values or [0.5] * len(ids),
    })  # fmt: skip


def test_replication_table_lists_broken_checks_and_fragile_claims_first():
    kinds = ["claim", "claim", "claim", "identity", "claim", "claim", "identity"]
    runs = {
        0: _card([PASS, PASS, FAIL, CHECK_OK, BELOW_SCALE, FAIL, CHECK_OK], kinds=kinds),
        1: _card([PASS, PASS, FAIL, CHECK_OK, BELOW_SCALE, PASS, CHECK_OK], kinds=kinds),
        2: _card([PASS, INCONCLUSIVE, FAIL, CHECK_OK, BELOW_SCALE, PASS, CHECK_FAILED],
                 kinds=kinds),
    }  # fmt: skip
    table = replication_table(runs)
    assert list(table["claim_id"]) == ["X-6", "X-1", "X-2", "X-5", "X-0", "X-3", "X-4"]
    assert list(table["section"]) == [
        "identity check failed", "fragile", "fragile", "fragile", "stable", "identity check",
        "not tested",
    ]  # fmt: skip
    # X-5 passes in every replicate but FAILs in the main run: fragile, pass fraction 1
    assert list(table["pass_fraction"])[:6] == [0.5, 0.5, 0.0, 1.0, 1.0, 1.0]
    assert pd.isna(table["pass_fraction"].iloc[-1])
    text = to_markdown(table, "Replication")
    assert "2 replicates" in text
    assert "1 identity check failed, 3 fragile, 1 stable, 1 identity check, 1 not tested" in text
    assert "| X-1 | fragile | PASS (0.5) | PASS (0.5) | INCONCLUSIVE (0.5) | 0.50 |" in text
    assert (
        "| X-4 | not tested | BELOW-SCALE (0.5) | BELOW-SCALE (0.5) | BELOW-SCALE (0.5) | - |"
        in text
    )


def test_replication_table_refuses_a_run_without_a_claim():
    runs = {0: _card([PASS, PASS]), 1: _card([PASS])}
    with pytest.raises(ValueError, match="run 1 has no row for X-1"):
        replication_table(runs)
    with pytest.raises(ValueError, match="main run"):
        replication_table({1: _card([PASS])})


def test_replicate_config_keeps_everything_but_seeds():
    shifted = replicate_config(CONFIG, 2)
    strip = copy.deepcopy(shifted)
    base = copy.deepcopy(CONFIG)
    for config in (strip, base):
        for grids in config["scales"].values():
            for block in grids.values():
                for _, seeds in seed_lists(block):
                    seeds.clear()
    assert strip == base
    assert shifted["scales"]["default"]["depth"]["seeds"][0] == CONFIG["scales"]["default"][
        "depth"]["seeds"][0] + 2 * CONFIG["replicates"]["seed_stride"]  # fmt: skip
