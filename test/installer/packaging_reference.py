"""What pypa/packaging says about the running interpreter, for test/installer/probe-sh.test.ts.

    python packaging_reference.py packaging|pip

prints {"source", "version", "env", "tags"} as JSON: markers.default_environment() and
list(tags.sys_tags()) from an importable `packaging` (mode packaging) or pip's vendored copy
(mode pip); "tags" is null when that copy has no tags module. Runs on Python 2.7 and 3.6+.
"""
import json
import sys

if sys.argv[1] == "packaging":
    import packaging
    from packaging import markers
    try:
        from packaging import tags
    except ImportError:
        tags = None
else:
    from pip._vendor import packaging
    from pip._vendor.packaging import markers
    try:
        from pip._vendor.packaging import tags
    except ImportError:
        tags = None

print(json.dumps({
    "source": sys.argv[1],
    "version": packaging.__version__,
    "env": markers.default_environment(),
    "tags": [str(t) for t in tags.sys_tags()] if tags else None,
}))
