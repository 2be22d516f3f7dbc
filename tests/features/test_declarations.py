"""Declared features: the table, its agreement with extraction, and refused declarations."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hms_features import feature_table
from hms_features.features.concepts import CONCEPTS, LOCATIONS, concept_groups, concept_label
from hms_features.features.extractor import extract_window_dict
from hms_features.features.families import FAMILIES, describe, family_of, feature_names
from hms_features.features.registry import (
    DeclarationError,
    Family,
    Feature,
    check_declarations,
)

COLUMNS = ["name", "family", "source", "description", "unit", "span", "concepts", "concept"]


def test_table_has_a_row_per_feature_in_output_order() -> None:
    table = feature_table()
    assert set(COLUMNS) <= set(table.columns)
    assert tuple(table["name"]) == feature_names()
    assert table["name"].is_unique
    assert len(table) == sum(len(f.names) for f in FAMILIES)
    assert list(table["family"].drop_duplicates()) == [f.name for f in FAMILIES]
    for col in ("description", "unit", "span", "concept"):
        assert (table[col].str.len() > 0).all(), col
    assert set(table["span"]) == {"50 s", "10 s", "10 min"}
    assert (table[table["name"].str.endswith("_10s")]["span"] == "10 s").all()
    # the spectrogram family reads the 10-minute spectrogram, never the 50-s EEG window
    assert set(table.loc[table["family"] == "spectrogram", "span"]) == {"10 min", "10 s"}


def test_every_feature_belongs_to_a_known_concept_group() -> None:
    table = feature_table()
    assert set(table["concept"]) <= set(concept_groups())
    assert all(c[0] in CONCEPTS and set(c) <= set(CONCEPTS) for c in table["concepts"])
    base = table["concept"].str.split("@").str[0]
    assert (base == table["concepts"].str[0]).all()
    # located concepts carry the side of their source; the three unlocated ones never do
    located = table["concept"].str.contains("@")
    assert (
        table.loc[located, "concept"].str.split("@").str[1] == table.loc[located, "location"]
    ).all()
    assert set(base[~located]) == {"lateralization", "synchrony", "quality"}
    # every concept of the vocabulary is used, and the labels read as words
    assert set(base) == set(CONCEPTS)
    assert concept_label("periodic_discharges@left") == "Periodic discharges, left hemisphere"
    assert set(LOCATIONS) == {"left", "right", "head"}


def test_examples_of_declared_rows() -> None:
    t = feature_table().set_index("name")
    assert t.loc["Fp2-F8__delta_rel_power", "concept"] == "delta@right"
    assert t.loc["Cz-Pz__delta_rel_power", "concept"] == "delta@head"
    assert t.loc["LL-RL__delta_asymmetry", "concept"] == "lateralization"
    assert t.loc["LL-RL__delta_asymmetry", "concepts"] == ["lateralization", "delta"]
    assert t.loc["global__interhemispheric_corr", "concept"] == "synchrony"
    assert t.loc["LP__discharge_rate", "concept"] == "periodic_discharges@left"
    assert t.loc["LP__discharge_rate", "unit"] == "Hz"
    assert t.loc["spec_RL__delta_mean_10min", "span"] == "10 min"
    assert t.loc["spec_RL__delta_rel_power_center", "span"] == "10 s"
    assert t.loc["global__missing_fraction", "family"] == "quality"
    assert t.loc["LL__std", "description"] == describe("LL__std")
    assert "left temporal" in t.loc["LL__std", "description"]


def test_table_equals_the_columns_extracted_from_genuine_samples(
    hms_samples: Path, tmp_path
) -> None:
    import shutil

    from hms_features.factory.runner import extract_features

    data = tmp_path / "hms"
    shutil.copytree(hms_samples, data, ignore=shutil.ignore_patterns("example_figures"))
    feats = extract_features(data, "test", progress=False)
    assert list(feats.columns[2:]) == list(feature_table()["name"])
    eeg = pd.read_parquet(data / "test_eegs" / "3911565283.parquet")
    from hms_features.constants import EEG_CHANNELS, WINDOW_SAMPLES

    window = eeg[list(EEG_CHANNELS)].to_numpy(np.float32)[:WINDOW_SAMPLES]
    assert list(extract_window_dict(window)) == list(feature_table()["name"])


def _family(name: str, *features: Feature) -> Family:
    return Family(name, lambda ctx: {}, features)


def _feature(suffix: str = "x", **kw) -> Feature:
    args = {
        "description": "A feature",
        "unit": "uV",
        "concept": "amplitude",
        "sources": ("LL", "global"),
    }
    args.update(kw)
    return Feature(suffix, **args)


@pytest.mark.parametrize(
    ("families", "message"),
    [
        ((_family("a", _feature()), _family("b", _feature())), "clashes"),
        ((_family("a", _feature(), _feature()),), "clashes"),
        ((_family("a", _feature()), _family("a", _feature("y"))), "declared twice"),
        ((_family("a", _feature(description=" ")),), "no description"),
        ((_family("a", _feature(unit="")),), "no unit"),
        ((_family("a", _feature(concept="mood")),), "unknown concept"),
        ((_family("a", _feature(also=("mood",))),), "unknown concept"),
        ((_family("a", _feature(sources=("LL", "Q9"))),), "unknown feature source"),
        ((_family("a", _feature(sources=())),), "non-empty"),
        ((_family("a", _feature(span="5 s")),), "span"),
        ((_family("a"),), "declares no features"),
    ],
)
def test_bad_declarations_are_refused(families, message) -> None:
    with pytest.raises(DeclarationError, match=message):
        check_declarations(families)


def test_the_shipped_declarations_pass_and_a_clash_fails_at_import() -> None:
    check_declarations(FAMILIES)
    # a time feature renamed to a suffix of the spectral family
    code = (
        "import dataclasses\n"
        "from hms_features.features import time_domain as td\n"
        "f = dataclasses.replace(td.FAMILY.features[0], suffix='delta_rel_power')\n"
        "td.FAMILY = dataclasses.replace(td.FAMILY, features=(*td.FAMILY.features, f))\n"
        "import hms_features.features.families\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "DeclarationError" in proc.stderr and "delta_rel_power" in proc.stderr
    assert "of family 'spectral' clashes with the feature of the same name in family 'time'" in (
        proc.stderr
    )


def test_a_family_that_skips_a_declared_feature_is_a_bug(monkeypatch) -> None:
    from hms_features.features import extractor

    fam = FAMILIES[0]
    broken = dataclasses.replace(fam, compute=lambda ctx: dict(list(fam.compute(ctx).items())[1:]))
    monkeypatch.setattr(extractor, "FAMILIES", (broken, *FAMILIES[1:]))
    window = np.random.default_rng(0).normal(0, 20, (10_000, 20)).astype(np.float32)
    with pytest.raises(RuntimeError, match="did not compute its declared feature"):
        extractor.extract_window_dict(window)


def test_a_family_that_gives_a_feature_the_wrong_number_of_values_is_a_bug(monkeypatch) -> None:
    from hms_features.features import extractor

    fam = FAMILIES[0]

    def one_short(ctx):
        values = dict(fam.compute(ctx))
        values[fam.features[0].suffix] = values[fam.features[0].suffix][:-1]
        return values

    broken = dataclasses.replace(fam, compute=one_short)
    monkeypatch.setattr(extractor, "FAMILIES", (broken, *FAMILIES[1:]))
    window = np.random.default_rng(0).normal(0, 20, (10_000, 20)).astype(np.float32)
    with pytest.raises(RuntimeError, match="declared for 23 sources"):
        extractor.extract_window_dict(window)


def test_lookups_answer_from_the_declarations() -> None:
    table = feature_table().set_index("name")
    for name in ("Fp1-F7__hjorth_mobility", "LL-RL__delta_asymmetry", "spec_RP__valid_fraction"):
        assert describe(name) == table.loc[name, "description"]
        assert family_of(name) == table.loc[name, "family"]
    # a declared suffix on a source it is not declared for is not a feature
    for name in ("LL__bsi", "delta_rel_power", "LL__no_such_feature"):
        with pytest.raises(KeyError, match="not a declared feature name"):
            describe(name)


def _imports(path: Path, package: str) -> set[str]:
    """The modules of ``package`` that a module imports, at its top or inside a function."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m.startswith(package + ".")}


def test_no_import_circle_in_the_features_package() -> None:
    import hms_features.features as pkg

    folder = Path(pkg.__file__).parent
    modules = {f"{pkg.__name__}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    graph = {m: _imports(p, pkg.__name__) & set(modules) for m, p in modules.items()}
    # depth-first search for a back edge
    state: dict[str, int] = {}

    def visit(m: str, path: tuple[str, ...]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            assert state.get(n) != 1, "import circle: " + " -> ".join((*path, m, n))
            if n not in state:
                visit(n, (*path, m))
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, ())
    assert "hms_features.features.families" not in graph["hms_features.features.registry"]
