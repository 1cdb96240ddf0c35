"""Selection vectors for the planner: a multi-platform fixture index and, for each
(project pin, target), the file pypa/packaging's tag order picks or the error the rules give.

The fixture index: wheels for manylinux1/2010/2014/2_28, musllinux, macOS 10.9 x86_64 / intel /
universal2 / 11 arm64, Windows, abi3, build tags, a local version (1.0+cpu, served as %2B), names
needing normalisation, a Requires-Python-gated file, a yanked file, an sdist-only project and a
linux_x86_64-only project. Expected picks come from `best_wheel` (scripts/vectors/tags_filenames.py,
packaging.tags order + build tag); Requires-Python from packaging.specifiers.

Run: python3 scripts/vectors/selection.py   (writes fixtures/vectors/selection.json)
"""
import json
import os
import sys

from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename

sys.path.insert(0, os.path.dirname(__file__))
from tags_filenames import best_wheel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "fixtures", "vectors", "selection.json")

# project -> list of files: (filename, {"requires_python": ..., "yanked": ...})
PROJECTS = {
    "numpy-like": [
        ("numpy_like-2.0.0-cp311-cp311-manylinux_2_5_x86_64.manylinux1_x86_64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-manylinux_2_28_x86_64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-musllinux_1_1_x86_64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-macosx_10_9_x86_64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-macosx_10_9_intel.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-macosx_10_9_universal2.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-macosx_11_0_arm64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-win_amd64.whl", {}),
        ("numpy_like-2.0.0-cp311-cp311-win32.whl", {}),
        ("numpy_like-2.0.0.tar.gz", {}),
    ],
    "abi3-ext": [
        ("abi3_ext-1.1.0-cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", {}),
        ("abi3_ext-1.1.0-cp38-abi3-macosx_10_12_universal2.whl", {}),
        ("abi3_ext-1.1.0-cp38-abi3-win_amd64.whl", {}),
        ("abi3_ext-1.1.0-py3-none-any.whl", {}),
    ],
    "built": [
        ("built-3.0-py3-none-any.whl", {}),
        ("built-3.0-1-py3-none-any.whl", {}),
        ("built-3.0-2b-py3-none-any.whl", {}),
        ("built-3.0-10-py3-none-any.whl", {}),
    ],
    "torch-like": [
        ("torch_like-1.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", {}),
        ("torch_like-1.0+cpu-cp311-cp311-win_amd64.whl", {}),
    ],
    "Zope.Interface-Like": [
        ("zope.interface_like-5.0-py3-none-any.whl", {}),
    ],
    "gated": [
        ("gated-4.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", {"requires_python": ">=3.12"}),
        ("gated-4.0-py3-none-any.whl", {"requires_python": ">=3.12"}),
    ],
    "yanky": [
        ("yanky-1.0-py3-none-any.whl", {"yanked": "broken metadata"}),
        ("yanky-1.0-py2.py3-none-any.whl", {}),
    ],
    "only-yanked": [
        ("only_yanked-0.9-py3-none-any.whl", {"yanked": "security issue"}),
    ],
    "sdist-only": [
        ("sdist-only-0.1.tar.gz", {}),
    ],
    "linux-only": [
        ("linux_only-1.0-cp311-cp311-linux_x86_64.whl", {}),
    ],
}

PINS = {
    "numpy-like": "2.0.0",
    "abi3-ext": "1.1.0",
    "built": "3.0",
    "torch-like": "1.0+cpu",
    "Zope.Interface-Like": "5.0",
    "gated": "4.0",
    "yanky": "1.0",
    "only-yanked": "0.9",
    "sdist-only": "0.1",
    "linux-only": "1.0",
}

TARGETS = [
    "manylinux_2_17_x86_64@3.11",
    "manylinux_2_28_x86_64@3.11",
    "manylinux_2_34_x86_64@3.11",
    "manylinux_2_12_x86_64@3.11",
    "manylinux_2_28_aarch64@3.11",
    "musllinux_1_2_x86_64@3.11",
    "macosx_10_13_x86_64@3.11",
    "macosx_11_0_x86_64@3.11",
    "macosx_14_0_arm64@3.11",
    "win_amd64@3.11",
    "win32@3.11",
    "win_arm64@3.11",
    "manylinux_2_28_x86_64@3.12",
    "manylinux_2_28_x86_64@3.13t",
]


def expected(project, target):
    files = PROJECTS[project]
    python = target.split("@")[1].rstrip("t")
    full = python if python.count(".") == 2 else python + ".0"
    wheels = [(f, a) for f, a in files if f.endswith(".whl")]
    if not wheels:
        return {"error": "E_SDIST_ONLY"}
    compatible = [(f, a) for f, a in wheels if best_wheel(target, [f]) is not None]
    if not compatible:
        return {"error": "E_NO_COMPATIBLE_WHEEL"}
    allowed = [(f, a) for f, a in compatible if "requires_python" not in a or SpecifierSet(a["requires_python"]).contains(full, prereleases=True)]
    if not allowed:
        return {"error": "E_REQUIRES_PYTHON"}
    not_yanked = [(f, a) for f, a in allowed if not a.get("yanked")]
    pool = not_yanked or allowed
    return {"pick": best_wheel(target, [f for f, _ in pool]), "yankedWarning": not not_yanked}


def main():
    for files in PROJECTS.values():
        for f, _ in files:
            if f.endswith(".whl"):
                parse_wheel_filename(f)  # every fixture name is valid for packaging
    cases = []
    for project in PROJECTS:
        for target in TARGETS:
            cases.append({"project": project, "version": PINS[project], "target": target, **expected(project, target)})
    data = {
        "projects": {p: [{"filename": f, **a} for f, a in files] for p, files in PROJECTS.items()},
        "cases": cases,
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print("wrote %d selection cases to %s" % (len(cases), os.path.relpath(OUT)))


if __name__ == "__main__":
    main()
