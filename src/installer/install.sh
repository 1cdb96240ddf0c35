#!/bin/sh
# wheelbarrow bundle installer (POSIX sh): picks a python that fits the bundle's target and runs
# install.py with it, passing every argument through.
#
#   ./install.sh [DEST] [--python PATH] [--check] [--no-compile] [--repair] [--json]
#
# The python is --python PATH if given; otherwise pick_python's choice: the first of python3.X
# (X from manifest.json's target.python), python3, python on PATH whose version is 3.X. install.py
# then checks the rest (patch version, libc, arch, wheel tags) and explains any mismatch.
set -u

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd) || exit 1
manifest="$here/manifest.json"
json=''
for arg in "$@"; do
    [ "$arg" = --json ] && json=1
done

json_string() {
    # a JSON string literal of $1 (backslash, quote and control characters escaped)
    printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g' | tr -d '\000-\010\013-\037' | tr '\n' ' ')"
}

fail() {
    # fail CODE MESSAGE [HINT...]: error[CODE] on stderr; with --json also the error object on stdout
    code=$1
    message=$2
    shift 2
    printf 'error[%s]: %s\n' "$code" "$message" >&2
    hints=''
    for hint in "$@"; do
        printf 'hint: %s\n' "$hint" >&2
        hints="$hints${hints:+, }$(json_string "$hint")"
    done
    if [ -n "$json" ]; then
        printf '{"ok": false, "error": {"code": "%s", "message": %s, "hints": [%s]}}\n' "$code" "$(json_string "$message")" "$hints"
    fi
    exit 1
}

[ -f "$manifest" ] || fail E_BUNDLE "$here has no manifest.json" \
    "run install.sh from inside an unpacked wheelbarrow bundle"

# Take --python PATH / --python=PATH out of the arguments; keep the rest in order.
python=''
count=$#
while [ "$count" -gt 0 ]; do
    arg=$1
    shift
    count=$((count - 1))
    case $arg in
        --python)
            [ "$count" -gt 0 ] || fail E_USAGE "--python needs a path" "usage: ./install.sh [DEST] [--python PATH] [--check] [--no-compile] [--repair] [--json]"
            python=$1
            shift
            count=$((count - 1))
            ;;
        --python=*)
            python=${arg#--python=}
            ;;
        *)
            set -- "$@" "$arg"
            ;;
    esac
done

# target.python ("3.11" or "3.11.4") and target.implementation, read without a JSON parser: the
# manifest's only "python" and "implementation" keys are in its target block.
want=$(sed -n 's/.*"python"[[:space:]]*:[[:space:]]*"\([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' "$manifest" | head -n 1)
impl=$(sed -n 's/.*"implementation"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p' "$manifest" | head -n 1)
[ -n "$want" ] || fail E_BUNDLE "manifest.json has no target.python" \
    "the bundle was damaged or altered after it was built: copy it again from its source"

# pick_python: set $python to the interpreter to run install.py with, or fail with
# E_TARGET_MISMATCH. The one place that decides; a python shipped inside the bundle would be
# tried first here.
pick_python() {
    stem=python
    [ "$impl" = pypy ] && stem=pypy
    probe='import sys; print("%s %d.%d" % (sys.implementation.name, sys.version_info[0], sys.version_info[1]))'
    seen=''
    for name in "$stem$want" "${stem}3" "$stem"; do
        candidate=$(command -v -- "$name" 2>/dev/null) || continue
        version=$("$candidate" -c "$probe" 2>/dev/null) || version='unknown'
        seen="$seen${seen:+, }$candidate is ${version#* }"
        if [ "$version" = "${impl:-cpython} $want" ]; then
            python=$candidate
            return 0
        fi
    done
    if [ -n "$seen" ]; then
        fail E_TARGET_MISMATCH "no python $want on PATH: $seen" \
            "install Python $want (the package is usually named python$want), then run ./install.sh again" \
            "or name one: ./install.sh --python /path/to/python$want"
    fi
    fail E_TARGET_MISMATCH "no python found on PATH (looked for $stem$want, ${stem}3, $stem)" \
        "install Python $want (the package is usually named python$want), then run ./install.sh again" \
        "or name one: ./install.sh --python /path/to/python$want"
}

if [ -n "$python" ]; then
    if [ ! -f "$python" ] || [ ! -x "$python" ]; then
        found=$(command -v -- "$python" 2>/dev/null) || fail E_USAGE "--python $python is not an executable file"
        python=$found
    fi
else
    pick_python
fi
exec "$python" "$here/install.py" "$@"
