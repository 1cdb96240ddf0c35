#!/bin/sh
# wheelbarrow bundle installer (POSIX sh): picks a python that fits the bundle's target and runs
# install.py with it, passing every argument through.
#
#   ./install.sh [DEST] [--python PATH | --system-python] [--check] [--no-compile] [--repair] [--json]
#
# The python is --python PATH if given; otherwise pick_python's choice. When the bundle embeds an
# interpreter (manifest.json "python": python/<archive>.tar.gz), that one: its sha256 is checked
# against the manifest, it is unpacked once beside DEST into .<DEST name>.python/<sha256 prefix>/
# (reused by later installs of the same interpreter; a --check run unpacks into a temp dir it
# removes) and the venv is made from it; --system-python prefers a fitting python on PATH and falls
# back to the embedded one. Otherwise the first of python3.X (X from manifest.json's
# target.python), python3, python on PATH whose version is 3.X. install.py then checks the rest
# (patch version, libc, arch, wheel tags) and explains any mismatch.
# With an embedded interpreter it needs only POSIX sh, sed, tar and one of sha256sum, shasum or openssl.
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
system_python=''
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
        --system-python)
            system_python=1
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

stem=python
[ "$impl" = pypy ] && stem=pypy
probe='import sys; print("%s %d.%d" % (sys.implementation.name, sys.version_info[0], sys.version_info[1]))'
seen=''

# find_system_python: sets $python to the first fitting python on PATH; returns 1 if none.
find_system_python() {
    for name in "$stem$want" "${stem}3" "$stem"; do
        candidate=$(command -v -- "$name" 2>/dev/null) || continue
        version=$("$candidate" -c "$probe" 2>/dev/null) || version='unknown'
        seen="$seen${seen:+, }$candidate is ${version#* }"
        if [ "$version" = "${impl:-cpython} $want" ]; then
            python=$candidate
            return 0
        fi
    done
    return 1
}

# sha256_of FILE: prints the file's sha256 with whichever tool the machine has.
sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | sed 's/ .*//'
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | sed 's/ .*//'
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r "$1" | sed 's/ .*//'
    else
        fail E_INSTALL "no sha256sum, shasum or openssl on this machine to check the embedded interpreter" \
            "install one of them (coreutils, perl or openssl), or name a python: ./install.sh --python /path/to/python$want"
    fi
}

# The embedded interpreter, from manifest.json's "python" block (2-space indented, fixed key order).
check=''
pyblock=$(sed -n '/^  "python": {/,/^  }/p' "$manifest")
embedded=''
if [ -n "$pyblock" ]; then
    embedded=$(printf '%s\n' "$pyblock" | sed -n 's/^    "path": "\(python\/[^"/]*\.tar\.gz\)",$/\1/p')
    embedded_sha=$(printf '%s\n' "$pyblock" | sed -n 's/^    "sha256": "\([0-9a-f]\{64\}\)",$/\1/p')
    embedded_glibc=$(printf '%s\n' "$pyblock" | sed -n 's/^      "glibc": "\([0-9.]*\)",*$/\1/p')
    [ -n "$embedded" ] && [ -n "$embedded_sha" ] || fail E_BUNDLE "manifest.json's python entry is malformed" \
        "the bundle was damaged or altered after it was built: copy it again from its source"
fi

# use_embedded: unpacks (or reuses) the embedded interpreter and sets $python to it.
use_embedded() {
    archive="$here/$embedded"
    [ -f "$archive" ] || fail E_BUNDLE "$embedded is missing from the bundle" \
        "the bundle was damaged or altered after it was built: copy it again from its source"
    # DEST: the first argument that is not an option (install.py's default is ./<app name>).
    dest=''
    for a in "$@"; do
        case $a in
            -*) ;;
            *) dest=$a; break ;;
        esac
    done
    if [ -z "$dest" ]; then
        dest=$(sed -n 's/^    "name": "\(.*\)",$/\1/p' "$manifest" | head -n 1)
        [ -n "$dest" ] || fail E_BUNDLE "manifest.json has no app.name"
    fi
    check=''
    for a in "$@"; do [ "$a" = --check ] && check=1; done
    parent=$(dirname -- "$dest")
    base=$(basename -- "$dest")
    if [ -n "$check" ]; then
        home=$(mktemp -d "${TMPDIR:-/tmp}/wheelbarrow-python.XXXXXX") || fail E_INSTALL "cannot create a temp dir for the embedded interpreter"
        trap 'rm -rf "$home"' EXIT INT TERM
    else
        [ -d "$parent" ] || fail E_INSTALL "the parent directory $parent of DEST does not exist" "create it first: mkdir -p $parent"
        home="$parent/.$base.python/$(printf '%s' "$embedded_sha" | cut -c1-16)"
    fi
    if [ ! -f "$home/.wheelbarrow-sha256" ] || [ "$(cat "$home/.wheelbarrow-sha256")" != "$embedded_sha" ]; then
        found=$(sha256_of "$archive")
        [ "$found" = "$embedded_sha" ] || fail E_BUNDLE "$embedded does not match manifest.json (sha256 expected $embedded_sha, found $found)" \
            "the bundle was damaged or altered after it was built: copy it again from its source"
        tmp="$home.tmp-$$"
        rm -rf "$tmp"
        mkdir -p "$tmp" || fail E_INSTALL "cannot create $tmp"
        if ! tar -xzf "$archive" -C "$tmp"; then
            rm -rf "$tmp"
            fail E_INSTALL "cannot unpack $embedded into $tmp" "free space on that filesystem, or choose another DEST"
        fi
        printf '%s\n' "$embedded_sha" > "$tmp/.wheelbarrow-sha256"
        mkdir -p "$(dirname -- "$home")" && rm -rf "$home" && mv "$tmp" "$home" || fail E_INSTALL "cannot move the interpreter into $home"
    fi
    python="$home/python/bin/python3"
    [ -x "$python" ] || python="$home/python/python.exe"
    if ! "$python" -c 'pass' 2>/dev/null; then
        fail E_TARGET_MISMATCH "the embedded interpreter ($embedded) does not run on this machine" \
            ${embedded_glibc:+"it needs glibc $embedded_glibc or newer: check with 'ldd --version'"} \
            "or name a python here: ./install.sh --python /path/to/python$want"
    fi
}

# pick_python: set $python to the interpreter to run install.py with, or fail with
# E_TARGET_MISMATCH. The one place that decides: the embedded interpreter first (unless
# --system-python), then PATH.
pick_python() {
    if [ -n "$embedded" ] && [ -z "$system_python" ]; then
        use_embedded "$@"
        return 0
    fi
    find_system_python && return 0
    if [ -n "$embedded" ]; then
        use_embedded "$@"
        return 0
    fi
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
    pick_python "$@"
fi
if [ -n "$check" ]; then
    # not exec: the temp dir holding the unpacked interpreter is removed on exit
    "$python" "$here/install.py" "$@"
    exit $?
fi
exec "$python" "$here/install.py" "$@"
