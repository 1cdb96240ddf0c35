#!/usr/bin/env python3
"""Reference vectors for PEP 440 versions/specifiers, PEP 508 markers and requirements.

Oracle: pypa/packaging (26.2 when these were generated). Run from the repo root:

    python3 scripts/vectors/markers_versions.py

Writes
  fixtures/vectors/versions.json      version parsing/normalisation, ordering pairs, specifier
                                      validity + str(SpecifierSet), SpecifierSet.contains with
                                      prereleases None/True/False, SpecifierSet.filter
  fixtures/vectors/markers.json       marker parsing (valid/invalid, str(Marker)) and evaluation of
                                      marker x environment (expected bool or error kind)
  fixtures/vectors/requirements.json  valid requirements (name, extras, specifier, url, marker,
                                      str) and invalid ones (message, caret column)

Inputs are drawn from packaging's own tests (tests/test_version.py, test_specifiers.py,
test_markers.py, test_requirements.py) plus wheelbarrow's own tricky cases. Every expected value
is computed here by packaging, never written by hand. Output is deterministic: inputs are
de-duplicated in first-seen order, environments are sorted, JSON keys are sorted.

Deliberately left out (wheelbarrow documents a different behaviour, see src/pypa/markers.ts):
  * markers comparing two literals or two variables (packaging looks the literal up as an
    environment key; wheelbarrow rejects the comparison),
  * quoted strings containing a backslash (packaging runs ast.literal_eval; PEP 508 has no escapes),
  * doubly parenthesised groups inside a larger expression (packaging's str() drops the parens),
  * str() of a literal containing `"` (packaging prints `"say "hi""`, which does not re-parse),
  * integers above 2**53 in versions (@renovatebot/pep440 uses JS numbers),
  * `extra` literals inside parentheses: packaging 26.2 normalises (PEP 685) only top-level
    ones, so `(extra == "Foo_Bar")` never matches extra "foo-bar" (fixed upstream later).
"""
from __future__ import annotations

import itertools
import json
import os
import sys

import packaging
from packaging.markers import InvalidMarker, Marker, UndefinedComparison
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "vectors")


def uniq(items):
    seen = set()
    out = []
    for i in items:
        key = json.dumps(i, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def write(name: str, data: dict) -> None:
    """JSON with one record per line: small diffs, reasonable size."""
    path = os.path.join(OUT, name)
    lines = ["{"]
    keys = sorted(data)
    for i, key in enumerate(keys):
        value = data[key]
        end = "," if i < len(keys) - 1 else ""
        if isinstance(value, list):
            lines.append(f" {json.dumps(key)}: [")
            for j, item in enumerate(value):
                sep = "," if j < len(value) - 1 else ""
                lines.append("  " + json.dumps(item, ensure_ascii=False, sort_keys=True) + sep)
            lines.append(" ]" + end)
        else:
            lines.append(f" {json.dumps(key)}: " + json.dumps(value, ensure_ascii=False, sort_keys=True) + end)
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    json.loads(open(path, encoding="utf-8").read())
    print(f"wrote {os.path.relpath(path, ROOT)}")


# --------------------------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------------------------

# tests/test_version.py VERSIONS (already in sort order)
SORTED_VERSIONS = [
    "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
    "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346", "1.0c1.dev456", "1.0c1", "1.0rc2",
    "1.0c3", "1.0", "1.0.post456.dev34", "1.0.post456", "1.1.dev1", "1.2+123abc",
    "1.2+123abc456", "1.2+abc", "1.2+abc123", "1.2+abc123def", "1.2+1234.abc", "1.2+123456",
    "1.2.r32+123456", "1.2.rev33+123456",
    "1!1.0.dev456", "1!1.0a1", "1!1.0a2.dev456", "1!1.0a12.dev456", "1!1.0a12",
    "1!1.0b1.dev456", "1!1.0b2", "1!1.0b2.post345.dev456", "1!1.0b2.post345", "1!1.0b2-346",
    "1!1.0c1.dev456", "1!1.0c1", "1!1.0rc2", "1!1.0c3", "1!1.0", "1!1.0.post456.dev34",
    "1!1.0.post456", "1!1.1.dev1", "1!1.2+123abc", "1!1.2+123abc456", "1!1.2+abc",
    "1!1.2+abc123", "1!1.2+abc123def", "1!1.2+1234.abc", "1!1.2+123456", "1!1.2.r32+123456",
    "1!1.2.rev33+123456",
]

# tests/test_version.py normalisation inputs + invalid ones
PACKAGING_VERSION_INPUTS = [
    "1.0dev", "1.0.dev", "1.0dev1", "1.0-dev", "1.0-dev1", "1.0DEV", "1.0.DEV", "1.0DEV1",
    "1.0.DEV1", "1.0-DEV", "1.0-DEV1", "1.0a", "1.0.a", "1.0.a1", "1.0-a", "1.0-a1", "1.0alpha",
    "1.0.alpha", "1.0.alpha1", "1.0-alpha", "1.0-alpha1", "1.0A", "1.0.A", "1.0.A1", "1.0-A",
    "1.0-A1", "1.0ALPHA", "1.0.ALPHA", "1.0.ALPHA1", "1.0-ALPHA", "1.0-ALPHA1", "1.0b", "1.0.b",
    "1.0.b1", "1.0-b", "1.0-b1", "1.0beta", "1.0.beta", "1.0.beta1", "1.0-beta", "1.0-beta1",
    "1.0B", "1.0.B", "1.0.B1", "1.0-B", "1.0-B1", "1.0BETA", "1.0.BETA", "1.0.BETA1", "1.0-BETA",
    "1.0-BETA1", "1.0c", "1.0.c", "1.0.c1", "1.0-c", "1.0-c1", "1.0rc", "1.0.rc", "1.0.rc1",
    "1.0-rc", "1.0-rc1", "1.0C", "1.0.C", "1.0.C1", "1.0-C", "1.0-C1", "1.0RC", "1.0.RC",
    "1.0.RC1", "1.0-RC", "1.0-RC1", "1.0post", "1.0.post", "1.0post1", "1.0-post", "1.0-post1",
    "1.0POST", "1.0.POST", "1.0POST1", "1.0r", "1.0rev", "1.0.POST1", "1.0.r1", "1.0.rev1",
    "1.0-POST", "1.0-POST1", "1.0-5", "1.0-r5", "1.0-rev5", "1.0+AbC", "1.01", "1.0a05",
    "1.0b07", "1.0c056", "1.0rc09", "1.0.post000", "1.1.dev09000", "00!1.2", "0100!0.0", "v1.0",
    "   v1.0\t\n", "  \r \f \v v1.0\t\n",
    "french toast", "1.0+a+", "1.0++", "1.0+_foobar", "1.0+foo&asd", "1.0+1+1", "lolwat",
]

OWN_VERSION_INPUTS = [
    "", " ", "1", "0", "00", "0.0", "1.0", "1.0.0", "01.02.03", "1.2.3.4.5.6.7.8.9.10",
    "2024.01.01", "20240101120000", "V1.0", "vv1.0", "v", "1.0v", " v 1.0", "1.0 ", "\t1.0\n",
    "1.0\n", "\n1.0", "1.0\x0b", "\u00a01.0", "\u20281.0", "\x1c1.0", "\ufeff1.0", "1.0 .post1",
    "1.0+", "1.0+a_b-c.D", "1.0+.a", "1.0+a..b", "1.0+-a", "1.0+a-", "1.0+007", "1.0+a.007",
    "1.0+1e5", "1.0+0x10", "1.0+infinity", "1.0+Infinity", "1.0+nan", "1.0+cu121", "1.0+cpu",
    "1.0+5", "2.3.0+cu121.with.pypi.cudnn", "1.0.post", "1.0-", "1.0--1", "1.0-1-1", "1!", "!1.0",
    "1!2!3", "1.0a.1", "1.0a-1", "1.0.a.1", "1.0_a_1", "1.0-a-1", "1.0a-", "1.0a.", "1.0.post-1",
    "1.0-post-1", "1.0.dev.1", "1.0-dev-1", "1.0_dev_1", "1.0a1b1", "1.0pre1", "1.0preview1",
    "1.0-r", "1.0.rev.1", "1.0.c.1", "1e5", "1..0", ".1", "1.", "1.0.", "1.0.dev1.post1",
    "1.0a1.dev1.post1", "1.0a1.post1.dev1", "1.0.post1.dev1", "1.0-post", "1.0post-1",
    "1.0.post.dev", "1.0-1.dev", "1.0-1dev", "1.0.1-1", "1.0-0", "1.0a1.post1", "1.0rc1.post1",
    "1.0c1.post1", "1.0.0a0", "1.0alpha0", "1.0.0-rc.1", "1.0.0-beta.2", "1.0.0-alpha",
    "\u0661.\u0662", "1.0\uff411", "1.0\u2160", "1.0\u017f", "1.0+\u212a", "1.0a1\u0307",
    "2!1.0", "1.0.0.0", "1.0.0.0.0+local", "0!0", "0.0.0.0.0.1", "3.13.0rc1", "3.11.1+local",
    "3.11.1+", "5.15.0-91-generic", "23.4.0", "10", "10.0.22631", "6.1", "1.0-dev0", "2.0.dev",
    "1.0.dev456+local", "1!1.0.post1.dev1+l.o.c.a.l", "1.0.POST1.DEV1", "1.0RC1.DEV1",
    "1.0Rc1", "1.0Alpha1", "1.0bETa1", "1.0pReView1",
]


def version_record(v: str) -> dict:
    try:
        p = Version(v)
    except InvalidVersion:
        return {"input": v, "valid": False}
    return {
        "input": v,
        "valid": True,
        "normalized": str(p),
        "public": p.public,
        "baseVersion": p.base_version,
        "epoch": p.epoch,
        "release": list(p.release),
        "local": p.local,
        "isPrerelease": p.is_prerelease,
        "isPostrelease": p.is_postrelease,
        "isDevrelease": p.is_devrelease,
    }


def sign(x: int) -> int:
    return (x > 0) - (x < 0)


def compare(a: str, b: str) -> int:
    va, vb = Version(a), Version(b)
    return -1 if va < vb else (1 if va > vb else 0)


ORDER_EXTRA = [
    "1.0", "1.0.0", "1", "1.0+cpu", "1.0+cu121", "1.0+5", "1.0+cu121.post", "1.0.post1",
    "1.0.1", "1.0.dev1", "1.0a1", "1.0a1.post1", "1.0rc1", "0!1.0", "1!0.1", "2.0", "10.0",
    "1.10", "1.9", "1.0+abc.5", "1.0+abc.b", "1.0+ABC", "1.0+abc", "1.0+007", "1.0+7",
    "1.0.post1.dev1", "1.0.post0", "1.0a0", "1.0.dev0", "1.0c1", "1.0.0.0.0",
]

# tests/test_specifiers.py SPECIFIERS, the invalid list, and own cases
SPECIFIER_INPUTS = [
    "~=2.0", "==2.1.*", "==2.1.0.3", "!=2.2.*", "!=2.2.0.5", "<=5", ">=7.9a1", "<1.0.dev1",
    ">2.0.post1",
    "2.0", "=>2.0", "==", "~=1.0+5", ">=1.0+deadbeef", "<=1.0+abc123", ">1.0+watwat", "<1.0+1.0",
    "~=1.0.*", ">=1.0.*", "<=1.0.*", ">1.0.*", "<1.0.*", "==1.0.*+5", "!=1.0.*+deadbeef",
    "==2.0a1.*", "!=2.0a1.*", "==2.0.post1.*", "!=2.0.post1.*", "==2.0.dev1.*", "!=2.0.dev1.*",
    "==1.0+5.*", "!=1.0+deadbeef.*", "==1.0.*.5", "~=1", "==1.0.dev1.*", "!=1.0.dev1.*",
    "", " ", ",", ">=1.0,", ",>=1.0", ">=1.0,,<2", ">=1.0, <2.0", " >= 1.0 , < 2.0 ", "< 2",
    "!=2.0 ,>1.0", "===lolwat", "=== lolwat", "===", "===1.0,==1.0", "===a b", "===a;b", "===a)b",
    "==1.0,==1.0.0", "==1.0.0,==1.0", ">=3.8", ">=3.8,<3.13", "!=3.0.*,!=3.1.*,>=2.7",
    "~=2.2.post3", "~=1.4.5a4", "~=2!1.0", "==v1.0", ">=V1.0", "==1.0+LOCAL", ">=1.0A1",
    ">=1.0alpha1", "==1.0-1", "==2!1.*", "== 1.0.*", "==1.0 .*", ">=1.0;", "(>=1.0)", ">=1.0)",
    "=1.0", "<>1.0", ">==1.0", "~1.0", "^1.0", ">=a", ">=1.0 2.0", ">=1.0 ,", "~=1.0.0",
    "~=1.0", "~=0.9", "==1.*", "!=1.*", "==0!2.*", "==1.0.0.0.*", "==01.0", ">=1.0\t", "\t<2",
    ">=1.0\n", ">=\u00a01.0", ">=1.0\u00a0", "===\u00a0x", "<=1.0.post1", ">=1.0.post1",
    "~=1.0.post1", ">1.0", "<1.0", "<1.0rc1", "<=1.0", "==1.0+local", "!=1.0+local", "===1.0",
    "===1.0.0", "===foo", "===FOO", ">=1.0,===1.0", ">1.0a1", "<2.0a1", "==2.*", ">1.0.dev1",
    "<1.0.post1", ">1.0.post1.dev1", "<1.0a1.post1", "==1.0a1.post1.dev1+local", ">=1!0",
    "<=1!2.0", ">=1.0,<=2.0", ">=1.0,<=2.0dev", "!=2.0a1", "==2.0a1", "~=2.0a1", ">=1.0.dev1",
    ">=1.2.3", "==1.0.*,!=1.0.1", ">=1,!=1.*,!=2.*,!=3.0,<=3.0", ">=1.0a1,!=1.*,!=2.*,<3.0",
    ">=1.0,!=1.0,!=1.1,<2.0", ">=1.0a1,!=1.0,<1.1", ">=0.9,!=0.9,<=1.0",
    ">=1!0,!=1!1.*,!=1!2.*,<1!3", "~=1.18.0,~=1.18", ">=2,<1", "==1.0,!=1.0",
]

CONTAINS_VERSIONS = [
    "0.9", "1.0.dev0", "1.0a1", "1.0a1.post1", "1.0rc1", "1.0", "1.0.0", "1.0+local",
    "1.0+cpu", "1.0.post1", "1.0.post1.dev1", "1.0.post1+local", "1.0.1", "1.0.1a1", "1.1",
    "1.1.dev0", "1.4.5", "1.4.5a4", "1.4.6", "1.5", "2.0.dev1", "2.0", "2.0+deadbeef", "2.1",
    "2!1.0", "3.0.dev0", "3.0a1", "3.7.9", "3.8", "3.8.0", "3.12.4", "3.13.0rc1", "1.18.5",
    "1.19.5", "foo", "FOO", "lolwat", "not a version", "1.0 ", " 1.0", "v1.0", "1.0.0.0",
]

FILTER_CANDIDATES = [
    "0.9", "1.0.dev0", "1.0a1", "1.0", "1.0+local", "1.0.post1", "1.1.dev0", "1.4.5a4", "1.4.6",
    "2.0.dev1", "2.0", "2!1.0", "3.8", "3.13.0rc1", "foo", "lolwat",
]

# (version, spec) pairs from tests/test_specifiers.py test_specifiers (true and false lists)
PACKAGING_SPEC_PAIRS = [
    ("2.0", "==2"), ("2.0", "==2.0"), ("2.0", "==2.0.0"), ("2.0+deadbeef", "==2"),
    ("2.0+deadbeef", "==2.0"), ("2.0+deadbeef", "==2.0.0"), ("2.0+deadbeef", "==2+deadbeef"),
    ("2.0+deadbeef", "==2.0+deadbeef"), ("2.0+deadbeef", "==2.0.0+deadbeef"),
    ("2.0+deadbeef.0", "==2.0.0+deadbeef.00"), ("2.dev1", "==2.*"), ("2a1", "==2.*"),
    ("2a1.post1", "==2.*"), ("2b1", "==2.*"), ("2b1.dev1", "==2.*"), ("2c1", "==2.*"),
    ("2c1.post1.dev1", "==2.*"), ("2c1.post1.dev1", "==2.0.*"), ("2rc1", "==2.*"),
    ("2rc1", "==2.0.*"), ("2", "==2.*"), ("2", "==2.0.*"), ("2", "==0!2.*"), ("0!2", "==2.*"),
    ("2.0", "==2.*"), ("2.0.0", "==2.*"), ("2.1+local.version", "==2.1.*"), ("2.1", "!=2"),
    ("2.1", "!=2.0"), ("2.0.1", "!=2"), ("2.0.1", "!=2.0"), ("2.0.1", "!=2.0.0"),
    ("2.0", "!=2.0+deadbeef"), ("2.0", "!=3.*"), ("2.1", "!=2.0.*"), ("2.0", ">=2"),
    ("2.0", ">=2.0"), ("2.0", ">=2.0.0"), ("2.0.post1", ">=2"), ("2.0.post1.dev1", ">=2"),
    ("3", ">=2"), ("3.0.0a8", ">=3.0.0a7"), ("2.0", "<=2"), ("2.0", "<=2.0"), ("2.0", "<=2.0.0"),
    ("2.0.dev1", "<=2"), ("2.0a1", "<=2"), ("2.0a1.dev1", "<=2"), ("2.0b1", "<=2"),
    ("2.0b1.post1", "<=2"), ("2.0c1", "<=2"), ("2.0c1.post1.dev1", "<=2"), ("2.0rc1", "<=2"),
    ("1", "<=2"), ("3.0.0a7", "<=3.0.0a8"), ("3", ">2"), ("2.1", ">2.0"), ("2.0.1", ">2"),
    ("2.1.post1", ">2"), ("2.1+local.version", ">2"), ("3.0.0a8", ">3.0.0a7"), ("1", "<2"),
    ("2.0", "<2.1"), ("2.0.dev0", "<2.1"), ("3.0.0a7", "<3.0.0a8"), ("1", "~=1.0"),
    ("1.0.1", "~=1.0"), ("1.1", "~=1.0"), ("1.9999999", "~=1.0"), ("1.1", "~=1.0a1"),
    ("2022.01.01", "~=2022.01.01"), ("2!1.0", "~=2!1.0"), ("2!1.0", "==2!1.*"),
    ("2!1.0", "==2!1.0"), ("2!1.0", "!=1.0"), ("2!1.0.0", "==2!1.0.0.0.*"),
    ("2!1.0.0", "==2!1.0.*"), ("2!1.0.0", "==2!1.*"), ("1.0", "!=2!1.0"), ("1.0", "<=2!0.1"),
    ("2!1.0", ">=2.0"), ("1.0", "<2!0.1"), ("2!1.0", ">2.0"), ("2.0.5", ">2.0dev"),
    ("2.1", "==2"), ("2.1", "==2.0"), ("2.1", "==2.0.0"), ("2.0", "==2.0+deadbeef"),
    ("2.0", "==3.*"), ("2.1", "==2.0.*"), ("2.0", "!=2"), ("2.0", "!=2.0"), ("2.0", "!=2.0.0"),
    ("2.0+deadbeef", "!=2"), ("2.0+deadbeef", "!=2.0"), ("2.0+deadbeef", "!=2.0.0"),
    ("2.0+deadbeef", "!=2+deadbeef"), ("2.0+deadbeef", "!=2.0+deadbeef"),
    ("2.0+deadbeef", "!=2.0.0+deadbeef"), ("2.0+deadbeef.0", "!=2.0.0+deadbeef.00"),
    ("2.dev1", "!=2.*"), ("2a1", "!=2.*"), ("2a1.post1", "!=2.*"), ("2b1", "!=2.*"),
    ("2b1.dev1", "!=2.*"), ("2c1", "!=2.*"), ("2c1.post1.dev1", "!=2.*"),
    ("2c1.post1.dev1", "!=2.0.*"), ("2rc1", "!=2.*"), ("2rc1", "!=2.0.*"), ("2", "!=2.*"),
    ("2", "!=2.0.*"), ("2.0", "!=2.*"), ("2.0.0", "!=2.*"), ("2.0.dev1", ">=2"),
    ("2.0a1", ">=2"), ("2.0a1.dev1", ">=2"), ("2.0b1", ">=2"), ("2.0b1.post1", ">=2"),
    ("2.0c1", ">=2"), ("2.0c1.post1.dev1", ">=2"), ("2.0rc1", ">=2"), ("1", ">=2"),
    ("2.0.post1", "<=2"), ("2.0.post1.dev1", "<=2"), ("3", "<=2"), ("1", ">2"),
    ("2.0.dev1", ">2"), ("2.0a1", ">2"), ("2.0a1.post1", ">2"), ("2.0b1", ">2"),
    ("2.0b1.dev1", ">2"), ("2.0c1", ">2"), ("2.0c1.post1.dev1", ">2"), ("2.0rc1", ">2"),
    ("2.0", ">2"), ("2.0.post1", ">2"), ("2.0.post1.dev1", ">2"), ("2.0+local.version", ">2"),
    ("2.0.dev1", "<2"), ("2.0a1", "<2"), ("2.0a1.post1", "<2"), ("2.0b1", "<2"),
    ("2.0b2.dev1", "<2"), ("2.0c1", "<2"), ("2.0c1.post1.dev1", "<2"), ("2.0rc1", "<2"),
    ("2.0", "<2"), ("2.post1", "<2"), ("2.post1.dev1", "<2"), ("3", "<2"), ("2.0", "~=1.0"),
    ("1.1.0", "~=1.0.0"), ("1.1.post1", "~=1.0.0"), ("1.0", "~=2!1.0"), ("2!1.0", "~=1.0"),
    ("2!1.0", "==1.0"), ("1.0", "==2!1.0"), ("2!1.0", "==1.0.0.*"), ("1.0", "==2!1.0.0.*"),
    ("2!1.0", "==1.*"), ("1.0", "==2!1.*"), ("2!1.0", "!=2!1.0"),
    ("1.0.0", "===1.0"), ("1.0.dev0", "===1.0"), ("1.0", "===1.0"), ("1.0.dev0", "===1.0.dev0"),
    ("1.0.0+local", "==1.0.0"), ("1.0.0+local", "!=1.0.0"), ("1.0.0+local", "<=1.0.0"),
    ("1.0.0+local", ">=1.0.0"), ("1.0.0+local", "<1.0.0"), ("1.0.0+local", ">1.0.0"),
    ("not a valid version", "==1.0"), ("invalid", "===invalid"), ("1.1.0.dev1", "~=1.0"),
    ("2.0.dev1", ">=1.0"), ("1.5.0a1", "==1.*"), ("2.0.dev1", ">=1.0,<3.0"), ("2.0.dev1", "!=2.0"),
    ("3.0.0.dev1", "~=1.0"), ("1.9.0.dev1", ">=2.0"), ("1.0.0.dev1", ">=1.0"),
    ("1.0.0.dev1", "<=1.0"), ("1.0.0.dev1", "<1.0"), ("0.9.0.dev1", "<1.0"),
    ("1.0.0.dev1", ">=1.0.dev1"), ("1.0.0.dev1", "==1.0.0.dev1"), ("1.1.0", "~=1.0"),
    ("1.19.5", "~=1.18.0,~=1.18"), ("1.18.0", "~=1.18.0,~=1.18"),
    # own
    ("1.0a1+local", ">1.0a1"), ("1.0a2+local", ">1.0a1"), ("1.0.post1", ">1.0"),
    ("1.0.post2", ">1.0.post1"), ("1.0.post1.dev2", ">1.0.post1"), ("1.0.post2.dev0", ">1.0.post1"),
    ("1.0.dev2", ">1.0.dev1"), ("1.0.dev1+local", ">1.0.dev1"), ("1.0rc1", "<1.0rc2"),
    ("1.0rc1", "<1.0.post1"), ("1.0.post1.dev0", "<1.0.post1"), ("1.0", "<1.0.post1"),
    ("0.9+local", "<1.0"), ("1.0+local", "<1.0.post1"), ("1.0a1.post1.dev1", "<1.0a1.post1"),
    ("1.0a1", "<1.0a1.post1"), ("1.0a1.dev1", "<1.0a1"), ("1.0.dev0", "<1.0.dev1"),
    ("1!1.0", "<2!0.dev0"), ("0.dev0", "<0.dev0"), ("0.dev0", "<0"), ("0", "<0.post0"),
    ("1.0.1", "~=1.0.0.post1"), ("1.0.0.post2", "~=1.0.0.post1"), ("1.0.0", "~=1.0.0.post1"),
    ("2.2.post3", "~=2.2.post3"), ("2.3", "~=2.2.post3"), ("3.0", "~=2.2.post3"),
    ("1.4.5", "~=1.4.5a4"), ("1.4.5a5", "~=1.4.5a4"), ("1.5.0", "~=1.4.5a4"),
    ("1.0", "==1.0.0.0.0"), ("1.0.0.0.1", "==1.0.*"), ("1.0", "==1.0.0.0.*"), ("10.0", "==1.*"),
    ("1.0+abc", "==1.0+ABC"), ("1.0+abc.1", "==1.0+abc"), ("1.0", "===1.0+local"),
    ("1.0+LOCAL", "===1.0+local"), ("v1.0", "===V1.0"), ("1.0 ", "===1.0"), ("1.0", ">=V1.0"),
    ("3.12.4", ">=3.8,<3.13"), ("3.13.0rc1", ">=3.8"), ("3.13.0rc1", "<3.13"),
    ("3.13.0rc1", ">=3.8,<3.14"), ("2.7.18", "!=3.0.*,!=3.1.*,>=2.7"), ("3.1.4", "!=3.0.*,!=3.1.*,>=2.7"),
]

FILTER_CASES = [
    # (specifier, prereleases, input) from tests/test_specifiers.py and own
    ("", None, ["1.0", "2.0a1"]), (">=1.0.dev1", None, ["1.0", "2.0a1"]), ("", None, ["1.0a1"]),
    (">=1.2.3", None, ["1.2", "1.5a1"]), (">=1.2.3", None, ["1.3", "1.5a1"]),
    (">=1.0", None, ["2.0a1"]), ("!=2.0a1", None, ["1.0a2", "1.0", "2.0a1"]),
    ("==2.0a1", None, ["2.0a1"]), (">2.0a1", None, ["2.0a1", "3.0a2", "3.0"]),
    ("<2.0a1", None, ["1.0a2", "1.0", "2.0a1"]), ("~=2.0a1", None, ["1.0", "2.0a1", "3.0a2", "3.0"]),
    ("", False, ["1.0a1"]), (">=1.0.dev1", False, ["1.0", "2.0a1"]), ("", True, ["1.0", "2.0a1"]),
    (">=1.0", False, ["1.0", "2.0a1"]), (">=1.0", True, ["1.0", "2.0a1"]),
    (">=1.0,<=2.0", None, ["1.0", "1.5a1"]), (">=1.0,<=2.0dev", None, ["1.0", "1.5a1"]),
    (">=1.0,<=2.0", False, ["1.0", "1.5a1"]), (">=1.0,<=2.0", True, ["1.0", "1.5a1"]),
    (">=1.0,<=2.0dev", False, ["1.0", "1.5a1"]), (">=1.0,<=2.0dev", True, ["1.0", "1.5a1"]),
    ("", None, ["invalid version"]), ("", False, ["invalid version"]),
    ("", True, ["invalid version"]), ("", None, ["1.0", "invalid version"]),
    ("", False, ["1.0", "invalid version"]), (">=1.0", None, ["not a valid version"]),
    (">=1.0", None, ["1.0", "not a valid version"]),
    (">=1,!=1.*,!=2.*,!=3.0,<=3.0", None, ["3.0.dev0", "3.0a1"]),
    (">=1,!=1.*,!=2.*,!=3.0,<=3.0", None, ["0.9", "3.0.dev0", "3.0a1", "4.0"]),
    (">=1,!=1.*,!=2.*,!=3.0,<=3.0", True, ["0.9", "3.0.dev0", "3.0a1", "4.0"]),
    (">=1,!=1.*,!=2.*,!=3.0,<=3.0", False, ["0.9", "3.0.dev0", "3.0a1", "4.0"]),
    (">=1.0a1,!=1.*,!=2.*,<3.0", None, ["1.0a1", "2.0a1", "3.0a1"]),
    (">=1.0.dev0,!=1.*,!=2.*,<3.0.dev0", None, ["1.0.dev0", "2.0.dev0", "3.0.dev0"]),
    (">=1.0,!=1.0,!=1.1,<2.0", None, ["0.9", "1.0.post1", "1.1.post1", "2.0"]),
    (">=1,!=1.*,!=2.*,!=3.0,!=3.1,<4", None, ["0.5", "3.0.dev0", "3.1.dev0", "5.0"]),
    (">=1.0a1,!=1.0,<1.1", None, ["0.9", "1.0a1", "1.0b1", "1.1"]),
    (">=1.0a1,!=1.0,<1.1", True, ["1.0a1", "1.0b1", "1.1.dev0", "1.1a1"]),
    (">=0.9,!=0.9,<=1.0", None, ["0.9.post1", "1.0.dev0", "1.0a1", "1.0", "1.0.post1"]),
    (">=0.9,!=0.9,<=1.0", True, ["0.9.post1", "1.0.dev0", "1.0a1", "1.0", "1.1"]),
    (">=1!0,!=1!1.*,!=1!2.*,<1!3", None, ["0!5.0", "1!0.5", "1!2.5", "2!0.0"]),
    ("===1.0", None, ["1.0", "1.0.0"]), ("===1.0,===1.0.0", None, ["1.0", "1.0.0"]),
    ("===1.0+local", None, ["1.0+local", "1.0"]), ("===foo", None, ["foo", "FOO", "1.0"]),
    ("===foo", False, ["foo", "1.0a1"]), ("===1.0a1", None, ["1.0a1", "1.0"]),
    ("===1.0a1", False, ["1.0a1"]), ("===foo,>=1.0", None, ["foo", "1.0"]),
    ("", None, ["2.0a1", "lolwat", "1.0", "x", "3.0b1"]), ("", None, ["2.0a1", "lolwat"]),
    ("===lolwat,===LOLWAT", None, ["lolwat", "LolWat", "1.0"]),
    (">=3.8", None, ["3.7", "3.8", "3.13.0rc1", "3.12.4"]),
    (">=3.8", None, ["3.13.0rc1"]), ("<2", None, ["1.0", "2.0a1", "1.1.dev0", "2.0"]),
    ("==1.*", None, ["1.0a1", "1.5", "2.0"]), ("==1.*", False, ["1.0a1", "1.5.dev0"]),
    ("~=1.0", None, ["1.0", "1.1", "1.2rc1", "2.0"]), (">=1.0rc1", None, ["1.0rc1", "1.0rc2", "0.9"]),
    (">=1.0rc1", False, ["1.0rc1", "1.0rc2", "0.9"]), ("!=1.0rc1", None, ["1.0rc1", "1.0rc2"]),
    ("<=1.0", None, ["1.0.dev0", "0.9a1"]), ("<=1.0", True, ["1.0.dev0", "0.9a1", "1.0.post1"]),
]

# --------------------------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------------------------

VARIABLES = [
    "extra", "implementation_name", "implementation_version", "os_name", "platform_machine",
    "platform_release", "platform_system", "platform_version", "python_full_version",
    "python_version", "platform_python_implementation", "sys_platform",
]
PEP_345_VARIABLES = ["os.name", "sys.platform", "platform.version", "platform.machine",
                     "platform.python_implementation"]
SETUPTOOLS_VARIABLES = ["python_implementation"]
OPERATORS = ["===", "==", ">=", "<=", "!=", "~=", ">", "<", "in", "not in"]
VALUES = ["1.0", "5.6a0", "dog", "freebsd", "literally any string can go here", "things @#4 dsfd ((("]

BASE_ENV = {
    "implementation_name": "cpython", "implementation_version": "3.12.4", "os_name": "posix",
    "platform_machine": "x86_64", "platform_release": "5.15.0-91-generic",
    "platform_system": "Linux", "platform_version": "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",
    "python_full_version": "3.12.4", "platform_python_implementation": "CPython",
    "python_version": "3.12", "sys_platform": "linux", "extra": "",
}
ENVIRONMENTS = {
    "linux-cp312": dict(BASE_ENV),
    "linux-cp312-extra-security": dict(BASE_ENV, extra="Security"),
    "linux-cp38-aarch64": dict(BASE_ENV, implementation_version="3.8.18", python_full_version="3.8.18",
                               python_version="3.8", platform_machine="aarch64"),
    "linux-cp310-release-1.0": dict(BASE_ENV, implementation_version="3.10.14", python_full_version="3.10.14",
                                    python_version="3.10", platform_release="1.0", extra="dog"),
    "macos-cp313rc-arm64": dict(BASE_ENV, implementation_version="3.13.0rc1", python_full_version="3.13.0rc1",
                                python_version="3.13", os_name="posix", sys_platform="darwin",
                                platform_system="Darwin", platform_machine="arm64", platform_release="23.4.0",
                                platform_version="Darwin Kernel Version 23.4.0", extra="pep-685-norm"),
    "windows-cp311": dict(BASE_ENV, implementation_version="3.11.9", python_full_version="3.11.9",
                          python_version="3.11", os_name="nt", sys_platform="win32", platform_system="Windows",
                          platform_machine="AMD64", platform_release="10", platform_version="10.0.22631",
                          extra="test_extra"),
    "linux-pypy310": dict(BASE_ENV, implementation_name="pypy", implementation_version="7.3.16",
                          python_full_version="3.10.14", python_version="3.10",
                          platform_python_implementation="PyPy"),
    "linux-cp311-untagged": dict(BASE_ENV, implementation_version="3.11.1", python_full_version="3.11.1+",
                                 python_version="3.11"),
    "weird-values": dict(BASE_ENV, os_name="dog", sys_platform="freebsd", platform_machine="1.0",
                         platform_release="5.6a0", platform_version="literally any string can go here",
                         implementation_version="dog", python_full_version="things @#4 dsfd (((",
                         python_version="5.6a0", extra="freebsd", platform_system="1.0"),
    "lock-extras-groups": dict(BASE_ENV, extras=["foo", "bar", "Dev_Tools"], dependency_groups=["test", "Docs"]),
}

OWN_MARKERS = [
    'python_version >= "3.8"', "python_version > '3.8'", 'python_version < "3.10"',
    'python_version > "3.1"', 'python_version >= "3.10"', '"3.1" in python_version',
    '"3.1" not in python_version', "'3.12' in python_version", 'python_version == "3.12.*"',
    'python_version == "3.*"', 'python_version != "3.12.*"', 'python_version ~= "3.8"',
    'python_version ~= "3"', 'python_version === "3.12"', 'python_version === "3.12.0"',
    'python_full_version >= "3.12.0"', 'python_full_version < "3.13"', 'python_full_version < "3.12.4"',
    'python_full_version == "3.12.4"', 'python_full_version == "3.12.4+local"',
    'python_full_version >= "3.13.0rc1"', 'python_full_version >= "3.13.0a1"',
    'python_full_version < "3.13"', 'python_full_version == "3.13.*"', 'python_full_version > "3.6.2"',
    '"2.7.9" < python_full_version', '"3.13" > python_full_version', '"3.9" <= python_version',
    '"3.12" == python_version', 'implementation_version >= "3.8"', 'implementation_version == "dog"',
    'implementation_version < "dog"', 'implementation_version > "dog"', 'implementation_version ~= "dog"',
    'platform_release >= "5.0"', 'platform_release == "5.15.0-91-generic"', 'platform_release < "6"',
    'platform_release >= "10"', '"generic" in platform_release', 'platform_release ~= "1.0"',
    'platform_release === "1.0"', 'platform_release ~= "x"', 'platform_release ~= "1"',
    'os_name == "posix"', "os_name == 'nt'", 'os_name != "nt"', 'os_name < "z"', 'os_name > "a"',
    'os_name <= "posix"', 'os_name >= "posix"', 'os_name <= "nt"', 'os_name ~= "posix"',
    'os_name === "posix"', 'os_name in "posix nt"', '"os" in os_name', '"x" not in os_name',
    'sys_platform == "linux"', 'sys_platform == "win32"', "sys_platform == 'darwin'",
    'sys_platform in "linux darwin"',
    '"linux" in sys_platform', 'platform_system == "Linux"', 'platform_system != "Windows"',
    'platform_machine == "x86_64"', 'platform_machine in "x86_64 AMD64"', 'platform_machine == "AMD64"',
    'platform_machine == "aarch64" or platform_machine == "arm64"', 'platform_machine >= "1.0"',
    'platform_python_implementation == "CPython"', "platform_python_implementation != 'PyPy'",
    'implementation_name == "cpython"', 'implementation_name == "pypy"',
    '"Ubuntu" in platform_version', '"#101" in platform_version', 'platform_version > "1"',
    "os.name == 'posix'", "sys.platform == 'win32'", "platform.version in 'Ubuntu'",
    "platform.machine=='x86_64'", "platform.python_implementation=='Jython'",
    "python_implementation=='CPython'", "python_implementation == 'PyPy'",
    "python_version == '2.5' and platform.python_implementation!= 'Jython'",
    "os_name == 'posix' and python_version ~= '3.12.0'", "python_version ~= '3.12.0'",
    "python_full_version ~= '3.12.0'", "python_full_version ~= '3.12.1'",
    "python_version ~= '2.7.0' and (os_name == 'foo' or os_name == 'bar')",
    'extra == "security"', "extra == 'SECURITY'", "extra == 'Security'", "extra == 'pep-685-norm'",
    "extra == 'PEP_685...norm'", "extra == 'Different.punctuation..is...equal'", "extra == 'test-extra'",
    "extra == 'test.extra'", "extra == 'dog'", "extra == ''", 'extra != "security"', '"sec" in extra',
    '"security" == extra', "'Test_Extra' == extra", 'extra == "v2"', 'extra == "v2a3"', 'extra > "a"',
    'extra ~= "1.0"', 'extra === "dog"', 'extra == "freebsd"',
    'os_name == "posix" and sys_platform == "linux"', 'os_name == "nt" or sys_platform == "linux"',
    'os_name == "nt" and sys_platform == "linux" or python_version >= "3"',
    'os_name == "nt" and (sys_platform == "linux" or python_version >= "3")',
    '(os_name == "nt" or sys_platform == "linux") and python_version < "3"',
    'os_name == "posix" or os_name == "nt" and python_version < "3"',
    '(os_name == "posix" or os_name == "nt") and python_version < "3"',
    '((os_name == "posix"))', '(os_name == "posix")', '( os_name == "posix" )',
    'os_name=="posix"and sys_platform=="linux"', "os_name=='posix'or(sys_platform=='x')",
    'python_version >= "3.8" and extra == "security"', 'extra == "security" or extra == "dog"',
    'os_name == "posix" and extra == "Test_Extra"',
    '"foo" in extras', '"bar" in extras', '"baz" in extras', '"baz" not in extras', '"Foo" in extras',
    '"dev-tools" in extras', '"dev_tools" in extras', '"test" in dependency_groups',
    '"docs" in dependency_groups', '"Test" in dependency_groups', '"lint" not in dependency_groups',
    '"foo" in extras and "bar" in extras', '"baz" in extras and "foo" in extras',
    '"foo" in extras or "baz" in extras',
    'os_name == "a" or python_version ~= "dog"', 'python_version ~= "dog" or os_name == "posix"',
    'python_version < "dog"', 'python_version > "dog"', 'python_version == "dog"',
    'python_version != "dog"', 'python_version in "dog"', 'python_version >= "dog"',
    'python_version <= "3.12"', 'python_version == "3.12"', 'python_version == "3.12.0"',
    'python_version != "3.12.0"', 'python_version >= "3.12.0a1"', 'python_version > "3.12.0a1"',
    'python_version < "3.13.dev0"', 'python_version === "3.12 "', "python_version == ' 3.12'",
    "python_version == '3.12 '", "python_version == '3.12, 3.13'", "python_version == ''",
    "os_name == ''", "os_name == ' posix'", "platform_release > ''", "platform_release == '5.15.0+local'",
]

INVALID_MARKERS = [
    "this_isnt_a_real_variable >= '1.0'", "python_version", "(python_version)",
    "python_version >= 1.0 and (python_version)", '(python_version == "2.7" and os_name == "linux"',
    '(python_version == "2.7") with random text', "", " ", "os_name", "os_name ==", "== 'posix'",
    "os_name = 'posix'", "os_name == posix", "os_name == 'posix", 'os_name == "posix\'',
    "os_name == 'posix' and", "and os_name == 'posix'", "os_name == 'posix' && sys_platform == 'x'",
    "os_name == 'posix' AND sys_platform == 'x'", "os_name == 'posix' xor sys_platform == 'x'",
    "os_name <> 'posix'", "os_name => 'posix'", "os_name ! = 'posix'", "'3.7' notin python_version",
    "'3.6'inpython_version", "'3.7' not python_version", "'3.7' ~ python_version",
    "os_name == 'a' or", "()", "(os_name == 'a'))", "os_namex == 'a'", "xos_name == 'a'",
    "os-name == 'a'", "Os_Name == 'a'", "python_versions == '1'", "extras_ == 'a'",
    "os_name == 'a'\n", "os_name\t== 'a'", "os_name ==\n'a'", "platform.release == '1'",
    "platform.system == 'Linux'", "platform_python.implementation == 'x'", "sys-platform == 'x'",
    "os_name == 'a' or or os_name == 'b'", "not os_name == 'a'", "os_name not  in 'a'",
    "os_name not\tin 'a'", "os_name in('a')", "os_name == ('a')",
]

VALID_ODD_MARKERS = [
    "os_name\t==\t'a'", " os_name == 'a' ", "os_name in'posix'", "'posix'in os_name",
    "os_name=='a'or os_name=='b'", "os_name ==  'a'  and  (  sys_platform  ==  'b'  )",
    "os_name not in 'a'", "os_name == \"it's\"", "os_name == ''",
    "extras == 'a'", "dependency_groups == 'a'", "platform.python_implementation == 'x'",
    "os.name == 'posix'", "os_name == 'a' and os_name == 'b' or os_name == 'c' and os_name == 'd'",
    "(os_name == 'a' or os_name == 'b') and (os_name == 'c' or os_name == 'd')",
    "os_name == 'a' and (os_name == 'b' and os_name == 'c')", "os_name == 'a' or (os_name == 'b' or os_name == 'c')",
    "((os_name == 'a' or os_name == 'b'))", "(((os_name == 'a')))", "os_name == '\u00e9t\u00e9'",
    "os_name == 'a' and ((os_name == 'b'))",
]


def marker_product(variables):
    out = []
    for var, op, val in itertools.product(variables, OPERATORS, VALUES):
        out.append(f"{var} {op} {val!r}")
    for var, op, val in itertools.product(variables, OPERATORS, VALUES):
        out.append(f"{val!r} {op} {var}")
    return out


def py_env(env: dict) -> dict:
    out = {}
    for k, v in env.items():
        out[k] = frozenset(v) if isinstance(v, list) else v
    return out


def evaluate(marker: str, env: dict):
    try:
        m = Marker(marker)
    except InvalidMarker:
        return {"error": "syntax"}
    try:
        return {"expected": m.evaluate(py_env(env))}
    except UndefinedComparison:
        return {"error": "undefined-comparison"}
    except KeyError:
        return {"error": "unknown-variable"}
    except AssertionError:  # a set-valued variable (extras, dependency_groups) on the left
        return {"error": "invalid-comparison"}


def marker_vectors() -> dict:
    product = marker_product(VARIABLES)
    legacy = marker_product(PEP_345_VARIABLES + SETUPTOOLS_VARIABLES)
    parse_inputs = uniq(product + legacy + OWN_MARKERS + INVALID_MARKERS + VALID_ODD_MARKERS)
    parse = []
    for text in parse_inputs:
        try:
            m = Marker(text)
            parse.append({"marker": text, "valid": True, "str": str(m)})
        except InvalidMarker:
            parse.append({"marker": text, "valid": False})

    env_names = sorted(ENVIRONMENTS)
    cases = []

    def add(markers, envs):
        for text in markers:
            for name in envs:
                cases.append(dict({"marker": text, "env": name}, **evaluate(text, ENVIRONMENTS[name])))

    # the full product alternately against two contrasting environments (each marker string
    # once), the legacy product against one
    add(product[0::2], ["linux-cp312"])
    add(product[1::2], ["weird-values"])
    add(legacy, ["windows-cp311"])
    # own markers (and valid odd ones) against every environment
    add(uniq(OWN_MARKERS + VALID_ODD_MARKERS), env_names)
    cases = uniq(cases)
    # markers naming extras/dependency_groups need a set-valued environment
    cases = [c for c in cases if c.get("error") != "unknown-variable"]
    return {
        "generator": GENERATOR,
        "environments": {k: ENVIRONMENTS[k] for k in env_names},
        "parse": parse,
        "cases": cases,
    }


# --------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------

REQ_NAMES = ["package", "pAcKaGe", "foo-bar.quux_bAz", "android12", "A", "a.b-c_d"]
REQ_EXTRAS = [set(), {"a"}, {"a", "B", "CDEF123"}, {"Foo_Bar", "foo-bar"}]
REQ_URL_SPECS = [
    (None, ""), ("https://example.com/packagename.zip", ""),
    ("ssh://user:pass%20word@example.com/packagename.zip", ""),
    ("https://example.com/name;v=1.1/?query=foo&bar=baz#blah", ""),
    ("git+https://git.example.com/MyProject.git@v1.0", ""), ("file:///absolute/path", ""),
    (None, "==={ws}arbitrarystring"), (None, "({ws}==={ws}arbitrarystring{ws})"),
    (None, "=={ws}1.0"), (None, "({ws}=={ws}1.0{ws})"), (None, "=={ws}1.0-alpha"),
    (None, "<={ws}1!3.0.0.rc2"), (None, ">{ws}2.2{ws},{ws}<{ws}3"), (None, "(>{ws}2.2{ws},{ws}<{ws}3)"),
]
REQ_MARKERS = [
    None, "python_version{ws}>={ws}'3.3'",
    '({ws}python_version{ws}>={ws}"3.4"{ws}){ws}and extra{ws}=={ws}"oursql"',
    "sys_platform{ws}!={ws}'linux' and(os_name{ws}=={ws}'linux' or python_version{ws}>={ws}'3.3'{ws}){ws}",
]

OWN_REQUIREMENTS = [
    "name", "name[]", "name[ ]", "name()", "name ( )", "foo (>=1.0)", "foo>=1.0,", "foo >=1.0 , <2 ,",
    "foo[bar]>=1.0; python_version >= '3.8'", "foo[bar,baz] (>=1.0, <2.0) ; os_name == 'nt'",
    "name@ http://foo.com", 'name@ http://foo.com ; extra == "feature"', "name @ https://x/y.whl",
    "name @ https://x/y.whl;os_name=='a'", "name @ https://x/y.whl ;os_name=='a'",
    "name @ https://x/y.whl\t; os_name=='a'", "name @ https://x/y.whl ", "name @https://x/y.whl",
    "name@https://x/y.whl", "name[a]@ https://x/y.whl", "name [a] @ https://x/y.whl ; extra == 'a'",
    "name===1.0", "name===1.0,>=1", "name ===foo;os_name=='a'", "name==1.0.*", "name!=1.0.*,>=1",
    "name~=1.4.5", "name~=1", "name==1.0+local", "name>=1.0+local", "name>=1.0.*", "name==1.0a1.*",
    "name==1.0.dev1.*", "name>=1.0 ; python_version < '3'", "name>=1.0;python_version<'3'",
    "name>=1.0 #", "name>=1.0 ; # comment", "name 1.0", "name==", "==0.0", "", " ", "foo!",
    "name[bar baz]", "name[bar, baz,]", "name[bar, baz", "name[bar, baz >= 1.0", "name (>= 1.0",
    "name (>= 1.0))", "black (>=20.*) ; extra == 'format'", "name @ https://example.com/; extra == 'example'",
    "name; (extra == 'example'", "name @ ", "name @", "name; invalid_name", "name; '3.7' <= invalid_name",
    "name; '3.7' notin python_version", "name; '3.6'inpython_version", "name; '3.7' not python_version",
    "name; '3.7' ~ python_version", "name==1.0.org1", "name>=1.x.y;python_version=='2.6'",
    "name @ gopher:/foo/com", "name @ file:.", "name @ file://.", "toto 42", "name>=3,<2",
    "name >=2, <3", "foobar [quux,bar]", "name[quux, strange];python_version<'2.7' and platform_version=='2'",
    "name; os_name=='a' and os_name=='b' or os_name=='c'", "name; foobar=='x'", "name;",
    "name ;", "name; ", "name>=1.0;", "-name", "name-", "name.", "_name", "name_", "na me",
    "name\t>=1.0", "\tname", "name\n", "name>=1.0\n", "zope.interface>=5", "Django<5,>=4.2",
    "requests[security,socks]>=2.31.0; python_version >= '3.8'",
    "requests [security , tests] >= 2.8.1, == 2.8.* ; python_version < \"2.7\"",
    "appdirs>=1.4.4,<2; os_name==\"posix\" and extra==\"testing\"", "importlib-metadata; python_version<'3.8'",
    "torch==2.3.0+cu121", "numpy>=1.26; platform_machine != 'aarch64' or python_version >= '3.12'",
    "pkg[Extra_One,extra.two]", "pkg[extra1,extra1]", "pkg==1.0==2.0", "pkg>=1.0 <2.0", "pkg>=1.0,<2.0,",
    "pkg(>=1.0)", "pkg (>=1.0) ; os_name == 'a'", "pkg(>=1.0);os_name=='a'", "pkg @ file:///tmp/x.whl",
    "pkg >= 1.0 ; extra == 'Foo_Bar'", "pkg; extra == 'Foo_Bar'", "pkg ; extra=='Foo_Bar' and 'x' in extra",
    "pkg==1.0;python_version>='3'and os_name=='posix'", "pkg[a]==1.0 @ https://x", "pkg @ https://x ==1.0",
    "pkg>=\u00a01.0", "p\u00e9kg", "pkg[\u00e9]", "pkg; os_name == '\u00e9'", "name===a,b",
    "name===a,>=1", "name (===a)", "name===a)", "name\n\n", "name ; os_name == 'a'\n",
]


def requirement_vectors() -> dict:
    inputs = []
    for name, extras, (url, spec), marker, ws in itertools.product(
        REQ_NAMES, REQ_EXTRAS, REQ_URL_SPECS, REQ_MARKERS, ["", " ", "\t"]
    ):
        # keep the product small: every url/specifier form with every marker, but the
        # name x extras variation only with the first two whitespace styles and no marker
        if marker is not None and (name != "foo-bar.quux_bAz" or len(extras) == 1):
            continue
        if ws == "\t" and (extras or url or name != "package"):
            continue
        parts = [name]
        if extras:
            parts += ["[", "{ws},{ws}".format(ws=ws).join(sorted(extras)), "]"]
        if spec:
            parts.append(spec.format(ws=ws))
        if url is not None:
            parts += ["@", url]
        if marker is not None:
            parts.append(" ;" if url is not None else ";")
            parts.append(marker.format(ws=ws))
        inputs.append(ws.join(parts))
    inputs = uniq(inputs + OWN_REQUIREMENTS)

    valid, invalid = [], []
    for text in inputs:
        try:
            req = Requirement(text)
        except InvalidRequirement as e:
            cause = e.__cause__
            entry = {"input": text}
            if cause is not None and hasattr(cause, "span"):
                entry["message"] = cause.message
                entry["column"] = cause.span[1]
            invalid.append(entry)
            continue
        except InvalidSpecifier:  # `===` swallowed a comma: `name===a,b`
            invalid.append({"input": text})
            continue
        raw_extras = sorted(req.extras)
        req.extras = {canonicalize_name(x) for x in req.extras}
        valid.append({
            "input": text,
            "name": req.name,
            "extras": sorted(req.extras),
            "rawExtras": raw_extras,
            "specifier": str(req.specifier),
            "url": req.url,
            "marker": str(req.marker) if req.marker is not None else None,
            "str": str(req),
        })
    return {"generator": GENERATOR, "valid": valid, "invalid": invalid}


# --------------------------------------------------------------------------------------------


def version_vectors() -> dict:
    version_inputs = uniq(SORTED_VERSIONS + PACKAGING_VERSION_INPUTS + OWN_VERSION_INPUTS
                          + ORDER_EXTRA + CONTAINS_VERSIONS)
    versions = [version_record(v) for v in version_inputs]

    pairs = [[a, b, compare(a, b)] for a, b in itertools.product(ORDER_EXTRA, ORDER_EXTRA)]
    pairs += [[a, b, compare(a, b)] for a, b in zip(SORTED_VERSIONS, SORTED_VERSIONS[1:])]
    pairs += [[b, a, compare(b, a)] for a, b in zip(SORTED_VERSIONS, SORTED_VERSIONS[2:])]
    pairs = uniq(pairs)

    specifiers = []
    for s in uniq(SPECIFIER_INPUTS + [p[1] for p in PACKAGING_SPEC_PAIRS] + [f[0] for f in FILTER_CASES]):
        try:
            ss = SpecifierSet(s)
            specifiers.append({"spec": s, "valid": True, "str": str(ss)})
        except InvalidSpecifier:
            specifiers.append({"spec": s, "valid": False})
    valid_specs = [e["spec"] for e in specifiers if e["valid"]]

    contains = []
    pairs_in = list(PACKAGING_SPEC_PAIRS)
    pairs_in += [(v, s) for s in valid_specs for v in CONTAINS_VERSIONS]
    for v, s in uniq(pairs_in):
        ss = SpecifierSet(s)
        row = [v, s]
        for pre in (None, True, False):
            row.append(ss.contains(v, prereleases=pre))
        contains.append(row)

    filters = []
    for s, pre, items in FILTER_CASES:
        ss = SpecifierSet(s)
        filters.append({"spec": s, "prereleases": pre, "input": items,
                        "expected": list(ss.filter(items, prereleases=pre))})
    # every valid specifier over a mixed candidate list, each prerelease mode
    for s in valid_specs:
        ss = SpecifierSet(s)
        for pre in (None, True, False):
            filters.append({"spec": s, "prereleases": pre, "input": FILTER_CANDIDATES,
                            "expected": list(ss.filter(FILTER_CANDIDATES, prereleases=pre))})

    return {
        "generator": GENERATOR,
        "versions": versions,
        "sorted": SORTED_VERSIONS,
        "compare": pairs,
        "specifiers": specifiers,
        "contains": contains,
        "containsColumns": ["version", "specifier", "prereleases=None", "prereleases=True", "prereleases=False"],
        "filter": filters,
    }


GENERATOR = {"packaging": packaging.__version__, "python": sys.version.split()[0],
             "script": "scripts/vectors/markers_versions.py"}


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    # The PEP 440 ordering examples hold, or the oracle is not what we think it is.
    assert [str(v) for v in sorted(map(Version, SORTED_VERSIONS))] == [str(Version(v)) for v in SORTED_VERSIONS]
    assert Version("1.0") == Version("1.0.0")
    assert SpecifierSet("==1.0").contains("1.0+cpu")
    write("versions.json", version_vectors())
    write("markers.json", marker_vectors())
    write("requirements.json", requirement_vectors())
    return 0


if __name__ == "__main__":
    sys.exit(main())
