#!/bin/sh
# wheelbarrow target probe (POSIX sh): describes this machine for
# `wheelbarrow bundle --target-file target.json` (also `lock` and `targets`).
#
#   sh probe.sh [PYTHON...] > target.json
#
# Prints one JSON document on stdout: the OS (uname -s, -r, -v), the CPU architecture, the C
# library (glibc or musl, and its version), the macOS version, and for every python found its
# path, version, implementation, PEP 508 marker environment and supported wheel tags (best
# first), as that python computes them with its standard library alone. The pythons are each
# PYTHON given, then the first python3, python, python3.6 ... python3.15 on PATH, counted once
# per real interpreter. A python that does not run is listed under "skipped" with the reason.
# It changes nothing on the machine and needs only sh, uname, sed and tr (getconf or ldd on
# Linux, sw_vers on macOS); no python at all gives "pythons": [].
set -u

case ${1-} in
    -h | --help)
        sed -n '2,13s/^# \{0,1\}//p' "$0" >&2
        exit 0
        ;;
esac

json_string() {
    # a JSON string literal of $1 (backslash, quote and control characters escaped)
    printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g' | tr -d '\000-\010\013-\037' | tr '\n' ' ')"
}

json_or_null() {
    if [ -n "$1" ]; then json_string "$1"; else printf 'null'; fi
}

# The part each python runs. It must run on Python 2.7 and 3.6+: no f-strings, no `yield from`.
# The tags are pypa/packaging's sys_tags() (packaging.tags, _manylinux, _musllinux), the marker
# environment its markers.default_environment(), rewritten for the standard library alone.
py_probe() {
    cat <<'PYEOF'
import json, os, platform, re, struct, sys


def text(s):
    # bytes (a Python 2 str) -> text, so that json.dumps never fails on a byte it cannot decode
    if isinstance(s, bytes):
        return s.decode("utf-8", "replace")
    return s


def config_var(name):
    try:
        import sysconfig
        return sysconfig.get_config_var(name)
    except Exception:
        return None


def get_platform():
    import sysconfig
    return sysconfig.get_platform()


def normalize(s):
    return s.replace(".", "_").replace("-", "_").replace(" ", "_")


def nodot(v):
    return "".join(str(x) for x in v)


try:
    from importlib.machinery import EXTENSION_SUFFIXES
except ImportError:
    import imp
    EXTENSION_SUFFIXES = [s[0] for s in imp.get_suffixes() if s[2] == imp.C_EXTENSION]

IS_32BIT = struct.calcsize("P") == 4


def elf_header(path):
    # (capacity, encoding, machine, flags, PT_INTERP path or None), or None: packaging's _elffile.
    try:
        f = open(path, "rb")
    except (IOError, OSError, TypeError, ValueError):
        return None
    try:
        try:
            def read(fmt):
                return struct.unpack(fmt, f.read(struct.calcsize(fmt)))
            ident = read("16B")
            if tuple(ident[:4]) != (0x7F, 0x45, 0x4C, 0x46):
                return None
            capacity, encoding = ident[4], ident[5]
            formats = {
                (1, 1): ("<HHIIIIIHHH", "<IIIIIIII", (0, 1, 4)),
                (1, 2): (">HHIIIIIHHH", ">IIIIIIII", (0, 1, 4)),
                (2, 1): ("<HHIQQQIHHH", "<IIQQQQQQ", (0, 2, 5)),
                (2, 2): (">HHIQQQIHHH", ">IIQQQQQQ", (0, 2, 5)),
            }
            if (capacity, encoding) not in formats:
                return None
            e_fmt, p_fmt, p_idx = formats[(capacity, encoding)]
            h = read(e_fmt)
            machine, phoff, flags, phentsize, phnum = h[1], h[4], h[6], h[8], h[9]
            interp = None
            for index in range(phnum):
                f.seek(phoff + phentsize * index)
                try:
                    data = read(p_fmt)
                except struct.error:
                    continue
                if data[p_idx[0]] != 3:
                    continue
                f.seek(data[p_idx[1]])
                interp = text(f.read(data[p_idx[2]])).strip("\0")
                break
            return (capacity, encoding, machine, flags, interp)
        except (IOError, OSError, struct.error, ValueError, TypeError):
            return None
    finally:
        f.close()


def glibc_version_string():
    try:
        s = os.confstr("CS_GNU_LIBC_VERSION")
        assert s is not None
        _, version = s.rsplit()
        return version
    except (AssertionError, AttributeError, OSError, ValueError, TypeError):
        pass
    try:
        import ctypes
    except ImportError:
        return None
    try:
        namespace = ctypes.CDLL(None)
    except OSError:
        return None
    try:
        fn = namespace.gnu_get_libc_version
    except AttributeError:
        return None
    fn.restype = ctypes.c_char_p
    v = fn()
    if not isinstance(v, str):
        v = v.decode("ascii")
    return v


_GLIBC = []


def glibc_version():
    if not _GLIBC:
        s = glibc_version_string()
        m = re.match(r"(?P<major>[0-9]+)\.(?P<minor>[0-9]+)", s) if s else None
        _GLIBC.append((int(m.group("major")), int(m.group("minor"))) if m else (-1, -1))
    return _GLIBC[0]


def manylinux_compatible(arch, version):
    if glibc_version() < version:
        return False
    try:
        import _manylinux
    except ImportError:
        return True
    if hasattr(_manylinux, "manylinux_compatible"):
        result = _manylinux.manylinux_compatible(version[0], version[1], arch)
        if result is not None:
            return bool(result)
        return True
    legacy = {(2, 5): "manylinux1_compatible", (2, 12): "manylinux2010_compatible", (2, 17): "manylinux2014_compatible"}
    if version in legacy and hasattr(_manylinux, legacy[version]):
        return bool(getattr(_manylinux, legacy[version]))
    return True


def have_compatible_abi(archs):
    if "armv7l" in archs:
        h = elf_header(sys.executable)
        return h is not None and h[0] == 1 and h[1] == 1 and h[2] == 40 and h[3] & 0xFF000000 == 0x05000000 and h[3] & 0x400 == 0x400
    if "i686" in archs:
        h = elf_header(sys.executable)
        return h is not None and h[0] == 1 and h[1] == 1 and h[2] == 3
    allowed = ("x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64")
    return any(a in allowed for a in archs)


LEGACY_MANYLINUX = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}


def manylinux_platforms(archs):
    out = []
    if not have_compatible_abi(archs):
        return out
    too_old = (2, 4) if set(archs) & set(["x86_64", "i686"]) else (2, 16)
    current = glibc_version()
    maxima = [current]
    for major in range(current[0] - 1, 1, -1):
        maxima.append((major, 50))
    for arch in archs:
        for gmax in maxima:
            min_minor = too_old[1] if gmax[0] == too_old[0] else -1
            for minor in range(gmax[1], min_minor, -1):
                v = (gmax[0], minor)
                if manylinux_compatible(arch, v):
                    out.append("manylinux_%d_%d_%s" % (v[0], v[1], arch))
                    if v in LEGACY_MANYLINUX:
                        out.append("%s_%s" % (LEGACY_MANYLINUX[v], arch))
    return out


def musl_version():
    h = elf_header(sys.executable)
    ld = h[4] if h else None
    if not ld or "musl" not in ld:
        return None
    import subprocess
    try:
        p = subprocess.Popen([ld], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = text(p.communicate()[1])
    except (OSError, ValueError):
        return None
    lines = [n for n in (n.strip() for n in err.splitlines()) if n]
    if len(lines) < 2 or lines[0][:4] != "musl":
        return None
    m = re.match(r"Version (\d+)\.(\d+)", lines[1])
    return (int(m.group(1)), int(m.group(2))) if m else None


def musllinux_platforms(archs):
    v = musl_version()
    if v is None:
        return []
    return ["musllinux_%d_%d_%s" % (v[0], minor, arch) for arch in archs for minor in range(v[1], -1, -1)]


def linux_platforms():
    linux = normalize(get_platform())
    if not linux.startswith("linux_"):
        return [linux]
    if IS_32BIT:
        if linux == "linux_x86_64":
            linux = "linux_i686"
        elif linux == "linux_aarch64":
            linux = "linux_armv8l"
    arch = linux.split("_", 1)[1]
    archs = {"armv8l": ["armv8l", "armv7l"]}.get(arch, [arch])
    return manylinux_platforms(archs) + musllinux_platforms(archs) + ["linux_%s" % a for a in archs]


def mac_binary_formats(version, arch):
    formats = [arch]
    if arch == "x86_64":
        if version < (10, 4):
            return []
        formats.extend(["intel", "fat64", "fat32"])
    elif arch == "i386":
        if version < (10, 4):
            return []
        formats.extend(["intel", "fat32", "fat"])
    elif arch == "ppc64":
        if version > (10, 5) or version < (10, 4):
            return []
        formats.append("fat64")
    elif arch == "ppc":
        if version > (10, 6):
            return []
        formats.extend(["fat32", "fat"])
    if arch in ("arm64", "x86_64"):
        formats.append("universal2")
    if arch in ("x86_64", "i386", "ppc64", "ppc", "intel"):
        formats.append("universal")
    return formats


def mac_version():
    release = platform.mac_ver()[0]
    version = tuple(int(x) for x in release.split(".")[:2])
    if version == (10, 16):
        # Built against an older SDK, Python reports 10.16 instead of the real version.
        import subprocess
        env = dict(os.environ)
        env["SYSTEM_VERSION_COMPAT"] = "0"
        p = subprocess.Popen([sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"], stdout=subprocess.PIPE, env=env)
        release = text(p.communicate()[0]).strip()
        version = tuple(int(x) for x in release.split(".")[:2])
    return version


def mac_platforms():
    version = mac_version()
    arch = platform.mac_ver()[2]
    if IS_32BIT:
        arch = "ppc" if arch.startswith("ppc") else "i386"
    out = []
    if (10, 0) <= version < (11, 0):
        for minor in range(version[1], -1, -1):
            for fmt in mac_binary_formats((10, minor), arch):
                out.append("macosx_10_%d_%s" % (minor, fmt))
    if version >= (11, 0):
        for major in range(version[0], 10, -1):
            for fmt in mac_binary_formats((major, 0), arch):
                out.append("macosx_%d_0_%s" % (major, fmt))
        for minor in range(16, 3, -1):
            if arch == "x86_64":
                for fmt in mac_binary_formats((10, minor), arch):
                    out.append("macosx_10_%d_%s" % (minor, fmt))
            else:
                out.append("macosx_10_%d_universal2" % minor)
    return out


def platform_tags():
    system = platform.system()
    if system == "Darwin":
        return mac_platforms()
    if system == "Linux":
        return linux_platforms()
    return [normalize(get_platform())]


SHORT_NAMES = {"python": "py", "cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy"}


def implementation_name():
    if hasattr(sys, "implementation"):
        return sys.implementation.name
    return platform.python_implementation().lower()


def interpreter_name():
    name = implementation_name()
    return SHORT_NAMES.get(name) or name


def interpreter_version():
    v = config_var("py_version_nodot")
    return str(v) if v else nodot(sys.version_info[:2])


def cpython_abis(py_version):
    abis = []
    version = nodot(py_version[:2])
    threading = debug = pymalloc = ucs4 = ""
    with_debug = config_var("Py_DEBUG")
    has_refcount = hasattr(sys, "gettotalrefcount")
    has_ext = "_d.pyd" in EXTENSION_SUFFIXES
    if with_debug or (with_debug is None and (has_refcount or has_ext)):
        debug = "d"
    if py_version >= (3, 13) and config_var("Py_GIL_DISABLED"):
        threading = "t"
    if py_version < (3, 8):
        with_pymalloc = config_var("WITH_PYMALLOC")
        if with_pymalloc or with_pymalloc is None:
            pymalloc = "m"
        if py_version < (3, 3):
            unicode_size = config_var("Py_UNICODE_SIZE")
            if unicode_size == 4 or (unicode_size is None and sys.maxunicode == 0x10FFFF):
                ucs4 = "u"
    elif debug:
        abis.append("cp%s%s" % (version, threading))
    abis.insert(0, "cp%s%s%s%s%s" % (version, threading, debug, pymalloc, ucs4))
    return abis


def cpython_tags(py_version, platforms):
    out = []
    interpreter = "cp" + nodot(py_version[:2])
    abis = [a for a in cpython_abis(py_version) if a not in ("abi3", "none")]
    for abi in abis:
        for p in platforms:
            out.append((interpreter, abi, p))
    m = re.match(r"cp\d+(.*)", abis[0]) if abis else None
    threading = bool(m and "t" in m.group(1))
    use_abi3 = py_version >= (3, 2) and not threading
    use_abi3t = py_version >= (3, 2) and threading
    if use_abi3:
        out.extend((interpreter, "abi3", p) for p in platforms)
    if use_abi3t:
        out.extend((interpreter, "abi3t", p) for p in platforms)
    out.extend((interpreter, "none", p) for p in platforms)
    if use_abi3 or use_abi3t:
        for minor in range(py_version[1] - 1, 1, -1):
            for p in platforms:
                older = "cp" + nodot((py_version[0], minor))
                if use_abi3:
                    out.append((older, "abi3", p))
                if use_abi3t:
                    out.append((older, "abi3t", p))
    return out


def generic_abi():
    ext_suffix = config_var("EXT_SUFFIX")
    if not isinstance(ext_suffix, str) or not ext_suffix.startswith("."):
        return []
    parts = ext_suffix.split(".")
    if len(parts) < 3:
        return cpython_abis(tuple(sys.version_info[:2]))
    soabi = parts[1]
    if soabi.startswith("cpython"):
        abi = "cp" + soabi.split("-")[1]
    elif soabi.startswith("cp"):
        abi = soabi.split("-")[0]
    elif soabi.startswith("pypy"):
        abi = "-".join(soabi.split("-")[:2])
    elif soabi.startswith("graalpy"):
        abi = "-".join(soabi.split("-")[:3])
    elif soabi:
        abi = soabi
    else:
        return []
    return [normalize(abi)]


def generic_tags(platforms):
    interpreter = interpreter_name() + interpreter_version()
    abis = generic_abi()
    if "none" not in abis:
        abis.append("none")
    return [(interpreter, abi, p) for abi in abis for p in platforms]


def py_interpreter_range(py_version):
    out = ["py" + nodot(py_version[:2]), "py%d" % py_version[0]]
    for minor in range(py_version[1] - 1, -1, -1):
        out.append("py" + nodot((py_version[0], minor)))
    return out


def compatible_tags(py_version, interpreter, platforms):
    out = []
    for version in py_interpreter_range(py_version):
        for p in platforms:
            out.append((version, "none", p))
    if interpreter:
        out.append((interpreter, "none", "any"))
    for version in py_interpreter_range(py_version):
        out.append((version, "none", "any"))
    return out


def sys_tags():
    py_version = tuple(sys.version_info[:2])
    platforms = platform_tags()
    name = interpreter_name()
    if name == "cp":
        tags = cpython_tags(py_version, platforms)
    else:
        tags = generic_tags(platforms)
    if name == "pp":
        interp = "pp3"
    elif name == "cp":
        interp = "cp" + interpreter_version()
    else:
        interp = None
    tags.extend(compatible_tags(py_version, interp, platforms))
    return ["-".join(part.lower() for part in t) for t in tags]


def full_version(info):
    version = "%d.%d.%d" % (info[0], info[1], info[2])
    if info[3] != "final":
        version += info[3][0] + str(info[4])
    return version


def marker_environment():
    if hasattr(sys, "implementation"):
        iver = full_version(sys.implementation.version)
        iname = sys.implementation.name
    else:
        iver = "0"
        iname = ""
    return {
        "implementation_name": iname,
        "implementation_version": iver,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def main():
    path = text(sys.argv[1]) if len(sys.argv) > 1 else text(sys.executable)
    executable = text(os.path.realpath(sys.executable or path))
    out = {
        "path": path,
        "executable": executable,
        "version": platform.python_version(),
        "implementation": implementation_name() or "cpython",
        "freeThreaded": bool(config_var("Py_GIL_DISABLED")),
        "bits": struct.calcsize("P") * 8,
        "markerEnvironment": dict((k, text(v)) for k, v in marker_environment().items()),
    }
    try:
        out["tags"] = sys_tags()
    except Exception as e:
        out["tags"] = None
        out["error"] = "computing tags: %s: %s" % (type(e).__name__, text(str(e)))
    sys.stdout.write("wbprobe-key " + json.dumps(executable) + "\n")
    sys.stdout.write("wbprobe-python " + json.dumps(out, sort_keys=True) + "\n")


main()
PYEOF
}

pythons=''
skipped=''
seen=''

add_skipped() {
    skipped="$skipped${skipped:+,
    }{\"path\": $(json_string "$1"), \"reason\": $(json_string "$2")}"
}

probe_python() {
    # probe_python PATH: add PATH's description to $pythons, unless its interpreter is already there
    out=$("$1" -s -c "$(py_probe)" "$1" 2>&1 </dev/null)
    status=$?
    obj=$(printf '%s\n' "$out" | sed -n 's/^wbprobe-python //p' | sed -n 1p)
    key=$(printf '%s\n' "$out" | sed -n 's/^wbprobe-key //p' | sed -n 1p)
    if [ "$status" -ne 0 ] || [ -z "$obj" ]; then
        # the first line says what failed to run (a shim's "command not found"), the last why (a traceback's error)
        first=$(printf '%s\n' "$out" | sed -n 1p | cut -c1-200)
        last=$(printf '%s\n' "$out" | sed -n '$p' | cut -c1-200)
        [ "$last" = "$first" ] && last=''
        add_skipped "$1" "exit status $status${first:+: $first}${last:+ ... $last}"
        return 0
    fi
    case "
$seen
" in
        *"
$key
"*) return 0 ;;
    esac
    seen="$seen
$key"
    pythons="$pythons${pythons:+,
    }$obj"
}

for arg in "$@"; do
    if [ -f "$arg" ] && [ -x "$arg" ]; then
        probe_python "$arg"
    else
        add_skipped "$arg" "not an executable file"
    fi
done
for name in python3 python python3.6 python3.7 python3.8 python3.9 python3.10 python3.11 python3.12 python3.13 python3.14 python3.15; do
    found=$(command -v "$name" 2>/dev/null) || continue
    case $found in
        /*) probe_python "$found" ;;
    esac
done

os=$(uname -s 2>/dev/null) || os=''
release=$(uname -r 2>/dev/null) || release=''
kernel_version=$(uname -v 2>/dev/null) || kernel_version=''
arch=$(uname -m 2>/dev/null) || arch=''
libc_family=''
libc_version=''
macos=''

case $os in
    Linux)
        v=$(getconf GNU_LIBC_VERSION 2>/dev/null </dev/null) || v=''
        case $v in
            glibc\ *)
                libc_family=glibc
                libc_version=${v#glibc }
                ;;
        esac
        if [ -z "$libc_family" ]; then
            # "ldd (GNU libc) 2.36", "ldd (Ubuntu GLIBC 2.35-0ubuntu3) 2.35"; musl's ldd says "musl libc" on stderr
            v=$(ldd --version 2>&1 </dev/null | sed -n 1,2p) || v=''
            case $v in
                *GLIBC* | *"GNU libc"* | *glibc*)
                    libc_family=glibc
                    libc_version=$(printf '%s\n' "$v" | sed -n '1s/.* \([0-9][0-9]*\.[0-9][0-9]*\)[^ ]*$/\1/p')
                    ;;
                musl*)
                    libc_family=musl
                    libc_version=$(printf '%s\n' "$v" | sed -n 's/^Version \([0-9][0-9.]*\).*/\1/p')
                    ;;
            esac
        fi
        if [ -z "$libc_family" ]; then
            for ld in /lib/ld-musl-*.so.1; do
                [ -f "$ld" ] || continue
                libc_family=musl
                libc_version=$("$ld" 2>&1 </dev/null | sed -n 's/^Version \([0-9][0-9.]*\).*/\1/p')
                break
            done
        fi
        ;;
    Darwin)
        macos=$(sw_vers -productVersion 2>/dev/null) || macos=''
        # a shell under Rosetta says x86_64; the machine is arm64
        [ "$(sysctl -n hw.optional.arm64 2>/dev/null)" = 1 ] && arch=arm64
        ;;
esac

if [ -n "$libc_family" ]; then
    libc="{\"family\": \"$libc_family\", \"version\": $(json_or_null "$libc_version")}"
else
    libc=null
fi

printf '{\n  "wheelbarrowProbe": 1,\n  "os": %s,\n  "release": %s,\n  "version": %s,\n  "arch": %s,\n  "libc": %s,\n  "macos": %s,\n' \
    "$(json_string "$os")" "$(json_string "$release")" "$(json_string "$kernel_version")" "$(json_string "$arch")" "$libc" "$(json_or_null "$macos")"
if [ -n "$pythons" ]; then
    printf '  "pythons": [\n    %s\n  ],\n' "$pythons"
else
    printf '  "pythons": [],\n'
fi
if [ -n "$skipped" ]; then
    printf '  "skipped": [\n    %s\n  ]\n}\n' "$skipped"
else
    printf '  "skipped": []\n}\n'
fi
