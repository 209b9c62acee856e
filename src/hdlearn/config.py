"""Configuration validation with messages that name the key and the allowed values.

The pipeline validates the merged configuration (``config/config.yaml`` plus any
``--configfile``/``--config``) against ``config/schema.yaml`` before any job runs. Errors are
reported as ``config.scales.default.depth.sweep.d[0]: -3 is less than the minimum of 2``,
listing the allowed values of enums and the allowed keys of objects, so a typo is caught at
once. Checks the schema cannot express (such as ``branches * d_eff <= d``) follow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from hdlearn import papers, replicates


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key."""


def _key_path(path: Any) -> str:
    out = "config"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(error: jsonschema.ValidationError) -> str:
    where = _key_path(error.absolute_path)
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"{where}: {error.instance!r} is not allowed; allowed values: {allowed}"
    if error.validator == "additionalProperties" and isinstance(error.schema, Mapping):
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(known))
        return (
            f"{where}: unknown key(s) {', '.join(map(repr, extra))}; allowed keys: "
            f"{', '.join(known) if known else '(none)'}"
        )
    if error.validator == "required":
        return f"{where}: {error.message}"
    return f"{where}: {error.message}"


def _fill_defaults(instance: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    """Insert ``default:`` values of missing keys, following local ``$ref``s."""
    schema = _resolve(schema, root)
    if not isinstance(instance, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        sub = _resolve(sub, root)
        if key not in instance and "default" in sub:
            instance[key] = _copy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub, root)


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow a local ``$ref`` (``#/$defs/name``)."""
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def _copy(value: Any) -> Any:
    return yaml.safe_load(yaml.safe_dump(value))


def compose_schema(core_path: str | Path) -> dict[str, Any]:
    """The full schema: the core (``config/schema.yaml``) plus every registered paper's
    fragment (``src/hdlearn/papers/<paper>/schema.yaml``).

    A fragment has three keys: ``presets`` (the schema of ``config.presets.<paper>``), ``block``
    (the schema of ``config.scales.<scale>.<paper>``) and ``$defs`` (joined to the core's; a
    clashing name is an error). A paper's block is optional at every scale; its ``claims``
    object gains the verdict engine's keys (the core's ``$defs/claims_settings``).
    """
    schema = yaml.safe_load(Path(core_path).read_text())
    defs = schema["$defs"]
    for paper in papers.PAPERS:
        path = papers.package_dir(paper) / "schema.yaml"
        fragment = yaml.safe_load(path.read_text())
        clash = sorted(set(fragment["$defs"]) & set(defs))
        if clash:
            raise ConfigError(f"{path}: $defs {', '.join(clash)} already defined")
        defs.update(fragment["$defs"])
        schema["properties"]["presets"]["properties"][paper] = fragment["presets"]
        defs["scale"]["properties"][paper] = fragment["block"]
        claims = _resolve(fragment["block"], schema)["properties"]["claims"]
        claims["properties"].update(defs["claims_settings"]["properties"])
        claims["required"] = [*claims["required"], *defs["claims_settings"]["required"]]
    return schema


def validate_config(
    config: dict[str, Any], schema_path: str | Path, scales: Iterable[str] | None = None
) -> dict[str, Any]:
    """Fill defaults into ``config`` and validate it against :func:`compose_schema` of the core
    schema at ``schema_path``; raise :class:`ConfigError` on the first problem (all problems are
    listed in the message, most specific first). The checks the schema cannot express
    (:func:`_check_semantics`) run on the blocks of ``scales`` only (every scale when ``None``):
    the workflow checks the scale it runs, not the others it never plans."""
    schema = compose_schema(schema_path)
    _fill_defaults(config, schema, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (-len(e.absolute_path), e.path))
    if errors:
        lines = [_describe(leaf) for error in errors for leaf in _leaves(error)]
        unique = list(dict.fromkeys(lines))
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(unique))
    _check_semantics(config, None if scales is None else set(scales))
    return config


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific sub-errors of an ``anyOf``/``$ref`` error (or the error itself)."""
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in _leaves(sub)]


def _check_semantics(config: Mapping[str, Any], scales: set[str] | None) -> None:
    """Checks the schema cannot express, on the blocks of ``scales`` (all when ``None``): a
    block's ``preset`` names one of its paper's presets, its seeds and claims pass
    :func:`_check_seeds` and :func:`_check_provenance`, then the paper's own
    ``check_config(block, presets, where)`` where it has one."""
    stride = int(config["replicates"]["seed_stride"])
    for scale, grids in config["scales"].items():
        if scales is not None and scale not in scales:
            continue
        for paper, block in grids.items():
            where = f"config.scales.{scale}.{paper}"
            _check_seeds(block, where, stride)
            _check_provenance(paper, block["claims"], f"{where}.claims")
            presets = config["presets"].get(paper, {})
            if "preset" in block and block["preset"] not in presets:
                allowed = ", ".join(sorted(presets)) or "(none: config.presets." + paper + ")"
                raise ConfigError(f"{where}.preset: {block['preset']!r}; allowed values: {allowed}")
            check = getattr(papers.part(paper, "grid"), "check_config", None)
            if check is not None:
                check(block, presets, where)


def _check_seeds(block: Mapping[str, Any], where: str, stride: int) -> None:
    """Every seed lies below ``replicates.seed_stride`` (so replicates stay disjoint) and no
    scored seed is a pilot seed (a threshold calibrated on a seed is never scored on it)."""
    pilots = set(block["claims"]["pilot_seeds"])
    for path, seeds in [("claims.pilot_seeds", block["claims"]["pilot_seeds"]),
                        *replicates.seed_lists(block)]:  # fmt: skip
        high = [s for s in seeds if s >= stride]
        if high:
            raise ConfigError(
                f"{where}.{path}: seed(s) {high} not below config.replicates.seed_stride = "
                f"{stride} (replicate j adds j * seed_stride to every seed)"
            )
    for path, seeds in replicates.seed_lists(block):
        scored = sorted(pilots.intersection(seeds))
        if scored:
            raise ConfigError(
                f"{where}.{path}: seed(s) {scored} are pilot seeds ({where}.claims.pilot_seeds),"
                " on which calibrated thresholds were set; score other seeds"
            )


def _check_provenance(paper: str, claims: Mapping[str, Any], where: str) -> None:
    """``claims.provenance`` has one entry per claim of the paper's registry that a run can
    test (not theory-only), and none for a claim the registry does not have."""
    registry = papers.part(paper, "claims").claims(claims)
    ids = [c.claim_id for c in registry if not c.theory_only]
    given = claims["provenance"]
    missing = [cid for cid in ids if cid not in given]
    unknown = sorted(set(given) - set(ids))
    if missing:
        raise ConfigError(
            f"{where}.provenance: no entry for {', '.join(missing)}; every claim's threshold "
            "needs {tag: paper|theory|calibrated, ref: ...}"
        )
    if unknown:
        raise ConfigError(
            f"{where}.provenance: unknown claim(s) {', '.join(unknown)}; allowed: {', '.join(ids)}"
        )
