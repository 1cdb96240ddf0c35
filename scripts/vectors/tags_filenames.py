#!/usr/bin/env python3
"""Reference vectors for wheel filenames, platform tags and best-wheel choice.

Oracle: pypa/packaging (26.2 when these were generated). Run from the repo root:

    python3 scripts/vectors/tags_filenames.py

Writes
  fixtures/vectors/tags/<spec>.json    the ordered supported tag list of one target
  fixtures/vectors/tags/best-wheel.json  which file of a set a target installs
  fixtures/vectors/wheel-filenames.json  parse_wheel_filename results, valid and invalid

How a target's tag list is computed (what packaging.tags.sys_tags() would yield on a machine of
that target, without running on one):
  * platforms
      - glibc: packaging._manylinux.platform_tags([arch]) with the machine probes replaced:
        _get_glibc_version -> (2, minor) and _have_compatible_abi -> True (the same seams
        packaging's own tests monkeypatch). The host-only `linux_<arch>` tag that
        _linux_platforms() appends is left out: a bundle target is never the build host.
      - musl:  packaging._musllinux.platform_tags([arch]) with _get_musl_version -> (1, minor).
      - macOS: packaging.tags.mac_platforms((major, minor), arch), which takes explicit values.
      - Windows: the one platform string (packaging's _generic_platforms()).
  * CPython: cpython_tags((3, m), abis=["cp3m"] or ["cp3mt"], platforms)
             + compatible_tags((3, m), "cp3m", platforms)          (= sys_tags on CPython)
  * PyPy:    generic_tags("pp3m", ["pypy3m_pp73"], platforms)
             + compatible_tags((3, m), "pp3", platforms)           (= sys_tags on PyPy)
"""
from __future__ import annotations

import json
import os
import sys

import packaging
from packaging import _manylinux, _musllinux, tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_TAGS = os.path.join(ROOT, "fixtures", "vectors", "tags")
OUT_FILENAMES = os.path.join(ROOT, "fixtures", "vectors", "wheel-filenames.json")


def manylinux_platforms(arch: str, minor: int) -> list[str]:
    saved = (_manylinux._get_glibc_version, _manylinux._have_compatible_abi)
    _manylinux._get_glibc_version = lambda: _manylinux._GLibCVersion(2, minor)
    _manylinux._have_compatible_abi = lambda executable, archs: True
    try:
        return list(_manylinux.platform_tags([arch]))
    finally:
        _manylinux._get_glibc_version, _manylinux._have_compatible_abi = saved


def musllinux_platforms(arch: str, minor: int) -> list[str]:
    saved = _musllinux._get_musl_version
    _musllinux._get_musl_version = lambda executable: _musllinux._MuslVersion(1, minor)
    try:
        return list(_musllinux.platform_tags([arch]))
    finally:
        _musllinux._get_musl_version = saved


def platforms_for(platform: str) -> list[str]:
    parts = platform.split("_")
    if platform.startswith("manylinux_"):
        return manylinux_platforms("_".join(parts[3:]), int(parts[2]))
    if platform.startswith("musllinux_"):
        return musllinux_platforms("_".join(parts[3:]), int(parts[2]))
    if platform.startswith("macosx_"):
        return list(tags.mac_platforms((int(parts[1]), int(parts[2])), "_".join(parts[3:])))
    if platform in ("win32", "win_amd64", "win_arm64"):
        return [platform]
    raise ValueError(platform)


def target_tags(platform: str, python: str) -> list[str]:
    plats = platforms_for(platform)
    if python.startswith("pp"):
        major, minor = (int(x) for x in python[2:].split("."))
        interp = f"pp{major}{minor}"
        generated = list(tags.generic_tags(interp, [f"pypy{major}{minor}_pp73"], plats))
        generated += list(tags.compatible_tags((major, minor), "pp3", plats))
    else:
        threaded = python.endswith("t")
        major, minor = (int(x) for x in python.rstrip("t").split(".")[:2])
        abi = f"cp{major}{minor}{'t' if threaded else ''}"
        generated = list(tags.cpython_tags((major, minor), [abi], plats))
        generated += list(tags.compatible_tags((major, minor), f"cp{major}{minor}", plats))
    return [str(t) for t in generated]


TARGETS = [
    # glibc
    "manylinux_2_17_x86_64@3.8",
    "manylinux_2_28_x86_64@3.12",
    "manylinux_2_34_x86_64@3.11",
    "manylinux_2_17_aarch64@3.10",
    "manylinux_2_28_aarch64@3.12",
    "manylinux_2_34_aarch64@3.13",
    "manylinux_2_17_i686@3.9",
    "manylinux_2_31_armv7l@3.11",
    "manylinux_2_17_ppc64le@3.12",
    "manylinux_2_28_s390x@3.10",
    "manylinux_2_39_x86_64@3.14",
    "manylinux_2_28_x86_64@3.15",
    # musl
    "musllinux_1_1_x86_64@3.9",
    "musllinux_1_2_x86_64@3.12",
    "musllinux_1_1_aarch64@3.10",
    "musllinux_1_2_aarch64@3.11",
    # macOS
    "macosx_10_9_x86_64@3.8",
    "macosx_10_13_x86_64@3.12",
    "macosx_11_0_x86_64@3.10",
    "macosx_12_0_x86_64@3.11",
    "macosx_14_0_x86_64@3.12",
    "macosx_11_0_arm64@3.10",
    "macosx_12_0_arm64@3.11",
    "macosx_14_0_arm64@3.12",
    "macosx_15_0_arm64@3.13",
    # Windows
    "win32@3.10",
    "win_amd64@3.8",
    "win_amd64@3.11",
    "win_arm64@3.12",
    # free-threaded
    "manylinux_2_28_x86_64@3.13t",
    "macosx_14_0_arm64@3.13t",
    "win_amd64@3.14t",
    # PyPy
    "manylinux_2_17_x86_64@pp3.10",
    "macosx_11_0_arm64@pp3.10",
    "win_amd64@pp3.9",
    "musllinux_1_2_x86_64@pp3.11",
]

# (target, [filenames]) -> the file pip/packaging order picks: lowest tag rank, then the highest
# build tag ((), then (int, str) ascending).
BEST_WHEEL_CASES = [
    ("manylinux_2_28_x86_64@3.12", [
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-musllinux_1_1_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-win_amd64.whl",
        "numpy-2.1.0-cp311-cp311-manylinux_2_28_x86_64.whl",
    ]),
    ("manylinux_2_17_x86_64@3.12", [
        "numpy-2.1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_5_x86_64.manylinux1_x86_64.whl",
    ]),
    ("manylinux_2_28_x86_64@3.12", [
        "pkg-1.0-cp39-abi3-manylinux_2_28_x86_64.whl",
        "pkg-1.0-cp312-cp312-manylinux1_x86_64.whl",
        "pkg-1.0-py3-none-any.whl",
    ]),
    ("manylinux_2_28_x86_64@3.12", [
        "pkg-1.0-cp38-abi3-manylinux_2_17_x86_64.whl",
        "pkg-1.0-cp310-abi3-manylinux_2_17_x86_64.whl",
        "pkg-1.0-py3-none-any.whl",
    ]),
    ("manylinux_2_28_x86_64@3.12", [
        "pkg-1.0-py3-none-any.whl",
        "pkg-1.0-2-py3-none-any.whl",
        "pkg-1.0-10-py3-none-any.whl",
        "pkg-1.0-9b-py3-none-any.whl",
    ]),
    ("win_amd64@3.11", [
        "pkg-1.0-1a-py3-none-any.whl",
        "pkg-1.0-1b-py3-none-any.whl",
        "pkg-1.0-1-py3-none-any.whl",
    ]),
    ("win_amd64@3.11", [
        "pkg-1.0-5-py3-none-any.whl",
        "pkg-1.0-1-cp311-cp311-win_amd64.whl",
    ]),
    ("win_amd64@3.11", [
        "pkg-1.0-py2.py3-none-any.whl",
        "pkg-1.0-py311-none-any.whl",
        "pkg-1.0-cp311-none-any.whl",
    ]),
    ("macosx_11_0_x86_64@3.11", [
        "pkg-1.0-cp311-cp311-macosx_10_9_x86_64.whl",
        "pkg-1.0-cp311-cp311-macosx_10_10_intel.whl",
        "pkg-1.0-cp311-cp311-macosx_11_0_universal2.whl",
    ]),
    ("macosx_14_0_arm64@3.12", [
        "pkg-1.0-cp312-cp312-macosx_10_9_universal2.whl",
        "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl",
        "pkg-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
    ]),
    ("macosx_11_0_arm64@3.12", [
        "pkg-1.0-cp312-cp312-macosx_14_0_arm64.whl",
        "pkg-1.0-cp312-cp312-macosx_10_9_x86_64.whl",
    ]),
    ("manylinux_2_28_x86_64@3.13t", [
        "pkg-1.0-cp313-cp313-manylinux_2_28_x86_64.whl",
        "pkg-1.0-cp39-abi3-manylinux_2_28_x86_64.whl",
        "pkg-1.0-py3-none-any.whl",
    ]),
    ("manylinux_2_28_x86_64@3.13t", [
        "pkg-1.0-cp313-cp313-manylinux_2_28_x86_64.whl",
        "pkg-1.0-cp313-cp313t-manylinux_2_17_x86_64.whl",
    ]),
    ("manylinux_2_17_x86_64@pp3.10", [
        "pkg-1.0-cp310-cp310-manylinux_2_17_x86_64.whl",
        "pkg-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",
        "pkg-1.0-py3-none-any.whl",
    ]),
    ("manylinux_2_17_x86_64@pp3.10", [
        "pkg-1.0-pp39-pypy39_pp73-manylinux_2_17_x86_64.whl",
        "pkg-1.0-cp310-abi3-manylinux_2_17_x86_64.whl",
    ]),
    ("musllinux_1_2_aarch64@3.11", [
        "pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
        "pkg-1.0-cp311-cp311-musllinux_1_1_aarch64.whl",
    ]),
]

WHEEL_FILENAMES = [
    # plain
    "foo-1.0-py3-none-any.whl",
    "Foo-1.0-py3-none-any.whl",
    "foo_bar-1.0-py3-none-any.whl",
    "foo.bar-1.0-py3-none-any.whl",
    "zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    "zope_interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    "Zope__Interface-6.0-py3-none-any.whl",
    "foo._bar-1.0-py3-none-any.whl",
    "a-1-py3-none-any.whl",
    "1-1-py3-none-any.whl",
    "_-1.0-py3-none-any.whl",
    # versions
    "foo-1.0.0rc1-py3-none-any.whl",
    "foo-1.0.0RC1-py3-none-any.whl",
    "foo-1.0.post1-py3-none-any.whl",
    "foo-1.0.dev0-py3-none-any.whl",
    "foo-1!2.0-py3-none-any.whl",
    "foo-v1.0-py3-none-any.whl",
    "foo-2.3.0+cu121-cp311-cp311-linux_x86_64.whl",
    "foo-1.0_post1-py3-none-any.whl",
    "foo-1.0a-py3-none-any.whl",
    "foo-1.0.0.0.0-py3-none-any.whl",
    "foo-latest-py3-none-any.whl",
    "foo-1.0+local_label-py3-none-any.whl",
    "foo-1..0-py3-none-any.whl",
    "foo- 1.0-py3-none-any.whl",
    "foo-1.0 -py3-none-any.whl",
    # build tags
    "foo-1.0-1-py3-none-any.whl",
    "foo-1.0-1a-py3-none-any.whl",
    "foo-1.0-00042-py3-none-any.whl",
    "foo-1.0-12_34-py3-none-any.whl",
    "foo-1.0-a1-py3-none-any.whl",
    "foo-1.0--py3-none-any.whl",
    "foo-1.0-20240101.1-cp312-cp312-win_amd64.whl",
    # compressed tag sets, sorted and unsorted
    "foo-1.0-py2.py3-none-any.whl",
    "foo-1.0-py3.py2-none-any.whl",
    "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "numpy-1.26.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    "foo-1.0-cp38.cp39.cp310-abi3.none-manylinux1_x86_64.manylinux_2_5_x86_64.whl",
    "foo-1.0-py3-none-macosx_10_9_x86_64.macosx_11_0_arm64.macosx_10_9_universal2.whl",
    "foo-1.0-py2.py3-none-any.any.whl",
    "foo-1.0-PY3-NONE-ANY.whl",
    "foo-1.0-cp312-cp312-Win_AMD64.whl",
    # dash counts and extensions
    "foo-1.0-none-any.whl",
    "foo-1.0-py3-none-any",
    "foo-1.0-py3-none-any.WHL",
    "foo-1.0-py3-none-any.zip",
    "foo-bar-1.0-py3-none-any.whl",
    "foo-1.0-1-2-py3-none-any.whl",
    "foo-py3-none-any.whl",
    "foo.whl",
    ".whl",
    "foo-1.0-py3-none-any.whl.whl",
    "foo-1.0-py3-none-any-.whl",
    # names
    "foo bar-1.0-py3-none-any.whl",
    "foo+bar-1.0-py3-none-any.whl",
    "foo__bar-1.0-py3-none-any.whl",
    "__foo-1.0-py3-none-any.whl",
    "café-1.0-py3-none-any.whl",
    # deliberate deviations (see DEVIATIONS)
    "-1.0-py3-none-any.whl",
    "foo-1.0-py3.-none-any.whl",
    "foo-1.0-py3-none-.whl",
    "foo-1.0-py3-none-any..linux_x86_64.whl",
    "foo\n-1.0-py3-none-any.whl",
    "foo-1.0-py3-none-any/../../evil.whl",
    "foo-1.0-1/..-py3-none-any.whl",
    "foo-1.0-py3-none-any x.whl",
]

# Filenames packaging accepts but wheelbarrow rejects on purpose (stricter than PEP 427), with why.
DEVIATIONS = {
    "-1.0-py3-none-any.whl": "empty project name",
    "foo-1.0-py3.-none-any.whl": "empty member in a compressed tag set",
    "foo-1.0-py3-none-.whl": "empty platform tag",
    "foo-1.0-py3-none-any..linux_x86_64.whl": "empty member in a compressed tag set",
    "foo\n-1.0-py3-none-any.whl": "newline in the name (packaging's `$` matches before a trailing newline)",
    "foo-1.0-py3-none-any/../../evil.whl": "a tag may hold only letters, digits and _ (a path must not escape wheels/)",
    "foo-1.0-1/..-py3-none-any.whl": "a build tag may hold only letters, digits, _ and . after its leading digits",
    "foo-1.0-py3-none-any x.whl": "a tag may hold only letters, digits and _",
}


def best_wheel(target: str, filenames: list[str]) -> str | None:
    platform, python = target.split("@")
    supported = target_tags(platform, python)
    rank = {}
    for i, t in enumerate(supported):
        rank.setdefault(t, i)
    scored = []
    for order, f in enumerate(filenames):
        _, _, build, ftags = parse_wheel_filename(f)
        ranks = [rank[str(t)] for t in ftags if str(t) in rank]
        if ranks:
            # lowest rank first; among equal ranks the highest build tag; then input order
            scored.append((min(ranks), build, order, f))
    if not scored:
        return None
    best_rank = min(s[0] for s in scored)
    tied = [s for s in scored if s[0] == best_rank]
    best_build = max(s[1] for s in tied)
    return [s for s in tied if s[1] == best_build][0][3]


def parse_vector(filename: str) -> dict:
    entry: dict = {"filename": filename}
    try:
        name, version, build, ftags = parse_wheel_filename(filename)
        entry["packaging"] = {
            "valid": True,
            "name": str(name),
            "version": str(version),
            "build": list(build) if build else None,
            "tags": sorted(str(t) for t in ftags),
        }
    except InvalidWheelFilename as e:
        entry["packaging"] = {"valid": False, "error": str(e)}
    if filename in DEVIATIONS:
        entry["wheelbarrow"] = {"valid": False, "reason": DEVIATIONS[filename]}
    return entry


def write_json(path: str, data) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main() -> int:
    os.makedirs(OUT_TAGS, exist_ok=True)
    generator = {"packaging": packaging.__version__, "python": sys.version.split()[0]}

    # Fixed tag counts (computed once with packaging) hold, or the vectors are wrong.
    t = target_tags("manylinux_2_28_x86_64", "3.12")
    assert len(t) == 744 and t[0] == "cp312-cp312-manylinux_2_28_x86_64", len(t)
    assert t[27] == "cp312-abi3-manylinux_2_28_x86_64", t[27]
    assert len(platforms_for("manylinux_2_28_x86_64")) == 27
    assert len(platforms_for("macosx_14_0_arm64")) == 21
    assert len(platforms_for("macosx_14_0_x86_64")) == 102

    for spec in TARGETS:
        platform, python = spec.split("@")
        data = {
            "generator": generator,
            "spec": spec,
            "platform": platform,
            "python": python,
            "platforms": platforms_for(platform),
            "tags": target_tags(platform, python),
        }
        write_json(os.path.join(OUT_TAGS, spec + ".json"), data)

    cases = [{"target": tgt, "files": files, "best": best_wheel(tgt, files)} for tgt, files in BEST_WHEEL_CASES]
    write_json(os.path.join(OUT_TAGS, "best-wheel.json"), {"generator": generator, "cases": cases})

    vectors = [parse_vector(f) for f in WHEEL_FILENAMES]
    for v in vectors:
        if "wheelbarrow" in v:
            assert v["packaging"]["valid"], f"{v['filename']!r}: deviation listed but packaging rejects it too"
    write_json(OUT_FILENAMES, {"generator": generator, "vectors": vectors})
    print(f"wrote {len(TARGETS)} tag lists, {len(cases)} best-wheel cases, {len(vectors)} filenames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
