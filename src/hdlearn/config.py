"""Configuration validation with messages that name the key and the allowed values.

The pipeline validates the merged configuration (``config/config.yaml`` plus any
``--configfile``/``--config``) against ``config/schema.yaml`` before any job runs. Errors are
reported as ``config.scales.default.depth.sweep.d[0]: -3 is less than the minimum of 2``,
listing the allowed values of enums and the allowed keys of objects, so a typo is caught at
once. Checks the schema cannot express (such as ``branches * d_eff <= d``) follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from hdlearn.targets.hierarchical import effective_dimension


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


def validate_config(config: dict[str, Any], schema_path: str | Path) -> dict[str, Any]:
    """Fill defaults into ``config`` and validate it; raise :class:`ConfigError` on the first
    problem (all problems are listed in the message, most specific first)."""
    schema = yaml.safe_load(Path(schema_path).read_text())
    _fill_defaults(config, schema, schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (-len(e.absolute_path), e.path))
    if errors:
        lines = [_describe(leaf) for error in errors for leaf in _leaves(error)]
        unique = list(dict.fromkeys(lines))
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(unique))
    _check_semantics(config)
    return config


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The most specific sub-errors of an ``anyOf``/``$ref`` error (or the error itself)."""
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in _leaves(sub)]


def _check_semantics(config: Mapping[str, Any]) -> None:
    for scale, grids in config["scales"].items():
        depth = grids["depth"]
        where = f"config.scales.{scale}.depth"
        if depth["preset"] not in config["presets"]["depth"]:
            allowed = ", ".join(sorted(config["presets"]["depth"]))
            raise ConfigError(f"{where}.preset: {depth['preset']!r}; allowed values: {allowed}")
        target = depth["target"]
        for experiment in ("sweep", "ablation", "dynamics"):
            for d in depth[experiment]["d"]:
                d_eff = effective_dimension(d, target["eps1"])
                if target["branches"] * d_eff > d or d_eff < 1:
                    raise ConfigError(
                        f"{where}.{experiment}.d: d = {d} is too small for branches = "
                        f"{target['branches']} of d_eff = floor(d^eps1) = {d_eff} directions"
                    )
        low, high = depth["claims"]["threshold_range"]
        if low > high:
            raise ConfigError(f"{where}.claims.threshold_range: {low} > {high}")


def scale_grid(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The grids of the selected scale."""
    return config["scales"][config["scale"]]
