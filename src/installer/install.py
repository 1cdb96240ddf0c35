#!/usr/bin/env python3
"""wheelbarrow's offline installer, shipped verbatim in every bundle (Python 3.8+, stdlib only).

    python3 install.py [DEST] [--python PATH] [--check] [--no-compile] [--repair] [--json]
    python3 DEST/install.py releases|verify|rollback|prune|unit [DEST] [options] [--json]

DEST is a site that holds every installed release side by side:

    DEST/current -> releases/<version>-<12 hex of the manifest's sha256>   (switched atomically)
    DEST/releases/<name>/   venv/ app/ bin/<name> manifest.json .wheelbarrow-release.json
    DEST/shared/            the operator's: .env and the bundle's state paths; never touched
    DEST/bin/<name>         stable launcher: runs the release `current` points to
    DEST/install.py         this file, so that the commands work without the bundle

An install, in order, and nothing else:
  1. reads manifest.json (the only file it trusts; every field that reaches a file name, a script
     or a shell is validated) and checks that this python fits the bundle's target:
     implementation, version, free-threading, OS, arch, libc, macOS version, and every wheel's
     tags against the tags recomputed here with the stdlib;
  2. verifies every file of the bundle (sha256 and size) against manifest.json;
  3. decides what to do (plan_install, shared with --check): install, upgrade, switch, nothing,
     repair; or refuses (E_DEST_OCCUPIED, E_PERMISSION, E_NO_SPACE, E_DRIFT, a live lock);
  4. under DEST's lock, builds the new release in DEST/.tmp-<pid> (venv without pip, the wheels
     installed by this file, app/, the release's launcher, RECORDs, bytecode), verifies it against
     its RECORDs, renames it into releases/, seeds shared/, writes bin/<name> and DEST/install.py,
     and only then switches `current`. A failure or a signal removes the temp dir; `current` and
     every existing release are untouched. The next run removes what a killed run left.

Shape (after pypa/installer): a source (WheelSource: one wheel, members and RECORD validated
before a byte is written, members inflated with a limit), a destination (VenvDestination: the
venv's scheme dirs; files are hashed while they are written), RECORD parse/format. Around them:
Bundle (manifest and verification), the interpreter check (Machine, tags), Site (DEST's layout,
lock, switch), the release check (verify_release) and the command line.

Decisions (the README's installer section says the same to the operator):
  - target.python "3.11" accepts any 3.11.x; "3.11.4" accepts 3.11.4 and newer 3.11 patches. Any
    other minor version is refused, even for pure-Python bundles (compiled cp311 wheels do not load
    on 3.12, and the lock was resolved for 3.11's markers and Requires-Python).
  - Symlink members, absolute paths, drive letters, `..`, backslashes and NUL in wheel member names
    are refused (E_BUNDLE), as is any member missing from RECORD or not matching its hash, or
    inflating past the size its zip header declares.
  - Two wheels may install the same file only with identical content; otherwise E_INSTALL.
  - Nothing in DEST that this file did not write is ever deleted or overwritten, --force or not.
  - Windows: console/gui scripts are `.cmd` shims, not launcher .exe files: an .exe would be a
    prebuilt binary in the bundle with no provenance of its own, and building one needs a compiler.
  - Compiled .pyc files are listed in RECORD without hash and size (they are generated here).
  - Everything printed passes through terminal_safe: no escape sequence from a bundle reaches the
    terminal raw.
  - Exit codes: 0 success, 1 the bundle, the machine or the input is at fault
    (`error[E_CODE]: message` + `hint:` lines), 2 a bug in this file.

The first lines below run on any Python from 2.7 on (this file is kept parseable by 2.7 and 3.x):
an older interpreter gets a coded error naming the Python the bundle needs, not a SyntaxError.
"""
import sys


def _refuse_old_python():
    """On Python < 3.8: error[E_TARGET_MISMATCH] (and the JSON object with --json), exit 1."""
    import json
    import os
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    want, impl = "?", "cpython"
    try:
        with open(os.path.join(here, "manifest.json")) as f:
            target = json.load(f).get("target", {})
        want, impl = str(target.get("python", "?")), str(target.get("implementation") or "cpython")
    except Exception:  # the message below is all this Python can give
        pass
    minor = ".".join(want.split(".")[:2])
    stem = "pypy" if impl == "pypy" else "python"
    fits, seen = [], set()
    for name in (stem + minor, stem + "3", stem):
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            path = os.path.join(folder, name)
            if not (os.path.isfile(path) and os.access(path, os.X_OK)) or os.path.realpath(path) in seen:
                continue
            seen.add(os.path.realpath(path))
            try:
                out = subprocess.Popen([path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE).communicate()[0]
            except OSError:
                continue
            if out.decode("ascii", "replace").strip() == minor:
                fits.append(path)
    have = "%d.%d.%d" % tuple(sys.version_info[:3])
    message = "%s is Python %s: this bundle needs %s %s (and its installer Python 3.8 or newer)" % (
        sys.executable, have, "PyPy" if impl == "pypy" else "CPython", want)
    hints = ["%s fits: run ./install.sh --python %s" % (fits[0], fits[0])] if fits else [
        "no python%s on PATH: install Python %s (the package is usually named python%s), then run ./install.sh again" % (minor, want, minor)]
    sys.stderr.write("error[E_TARGET_MISMATCH]: %s\n%s\n" % (message, "\n".join("hint: " + h for h in hints)))
    if "--json" in sys.argv[1:]:
        error = {"code": "E_TARGET_MISMATCH", "message": message, "hints": hints, "fitting": fits,
                 "machine": {"executable": sys.executable, "version": have}, "target": {"python": want, "implementation": impl}}
        sys.stdout.write(json.dumps({"ok": False, "error": error}, indent=2) + "\n")
    sys.exit(1)


if sys.version_info < (3, 8):
    _refuse_old_python()

import argparse
import base64
import collections
import configparser
import csv
import errno
import hashlib
import importlib.machinery
import io
import json
import os
import platform
import re
import shutil
import signal
import stat
import struct
import subprocess
import sysconfig
import threading
import time
import zipfile
import zlib
from concurrent import futures

INSTALLER = "wheelbarrow"
CHUNK = 1 << 20
WINDOWS = os.name == "nt"
SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")
HASHES = ("sha256", "sha384", "sha512")  # RECORD hashes we accept: sha256 or stronger
TEXT_LIMIT = 16 << 20  # WHEEL, RECORD, entry_points.txt: read at most this much
# What the bundler accepts for app.name (it names bin/<name> and the venv prompt), app.version
# (it names releases/<version>-<id>) and a script entry (app/<path>.py).
APP_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
SCRIPT_ENTRY_RE = re.compile("^[^\\\\\x00-\x1f\x7f]+\\.py$")
ENTRY_RE = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$")
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


# --- errors ----------------------------------------------------------------------------------


class InstallError(Exception):
    """A failure the operator can act on: `error[CODE]: message` plus `hint:` lines, exit 1."""

    def __init__(self, code, message, hints=(), **details):
        super().__init__(message)
        self.code, self.message = code, message
        self.hints = [hints] if isinstance(hints, str) else list(hints)
        self.details = details

    def format(self):
        return "\n".join(["error[%s]: %s" % (self.code, self.message)] + ["hint: " + h for h in self.hints])

    def to_json(self):
        return dict(code=self.code, message=self.message, hints=self.hints, **self.details)


class Interrupted(BaseException):
    """SIGTERM/SIGHUP, raised like KeyboardInterrupt so that cleanup runs."""


class Cancelled(Exception):
    """Another worker failed; this one stopped early."""


class signals_blocked:
    """Ignore SIGINT/SIGTERM while a rename or a cleanup must not be cut short."""

    def __enter__(self):
        self.saved = [(s, signal.signal(s, signal.SIG_IGN)) for s in STOP_SIGNALS] if threading.current_thread() is threading.main_thread() else []

    def __exit__(self, *exc):
        for s, handler in self.saved:
            signal.signal(s, handler)


def _raise_interrupted(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def bundle_error(message, *hints, **details):
    hints = hints or ("the bundle was damaged or altered after it was built: copy it again from its "
                      "source and check it with `sha256sum -c SHA256SUMS`",)
    return InstallError("E_BUNDLE", message, hints, **details)


# --- records (RECORD files and their hashes) -------------------------------------------------


def record_digest(digest):
    """RECORD's hash encoding: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class RecordEntry(collections.namedtuple("RecordEntry", "algo digest size")):
    """One RECORD row's hash and size: `algo` ("" when the row has no hash), the urlsafe-b64
    `digest` ("" likewise) and `size` (None when absent). The path is the key it is filed under."""

    __slots__ = ()

    def matches(self, digest, size):
        """Do this raw digest (of `algo`) and size agree with the row?"""
        return digest == _b64(self.digest) and self.size in (None, size)


def parse_record(text, where):
    """RECORD text -> {path: RecordEntry}."""
    entries = {}
    for row in csv.reader(io.StringIO(text)):
        if not row:
            continue
        if len(row) != 3:
            raise bundle_error("%s: RECORD row %r does not have 3 columns" % (where, ",".join(row)))
        path, hash_, size = row
        if path in entries:
            raise bundle_error("%s: RECORD lists %s twice" % (where, path))
        algo, digest = "", ""
        if hash_:
            algo, _, digest = hash_.partition("=")
            if algo not in HASHES or not digest:
                raise bundle_error("%s: RECORD hash %r of %s is not sha256 or stronger" % (where, hash_, path))
        if size and not size.isdigit():
            raise bundle_error("%s: RECORD size %r of %s is not a number" % (where, size, path))
        entries[path] = RecordEntry(algo, digest, int(size) if size else None)
    return entries


def format_record(rows):
    """[(path, hash, size)] -> RECORD text (sorted, `\\n` line ends)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(sorted(rows))
    return out.getvalue()


# --- paths -----------------------------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(name):
    """Why a `/`-separated relative path from a wheel or manifest is unsafe, or None."""
    if not name:
        return "empty path"
    if "\0" in name:
        return "NUL byte"
    if "\\" in name:
        return "backslash"
    if name.startswith("/") or _DRIVE.match(name):
        return "absolute path"
    parts = name.rstrip("/").split("/")
    if ".." in parts:
        return "'..' component"
    if any(p in ("", ".") for p in parts):
        return "empty or '.' component"
    return None


def inside(base, parts):
    """join(base, *parts), refusing anything that leaves base (belt and braces after unsafe_reason)."""
    path = os.path.join(base, *parts)
    if ".." in parts or not path.startswith(base + os.sep):
        raise bundle_error("path %s leaves %s" % ("/".join(parts), base))
    return path


def canonical_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def sh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


# --- the interpreter and the target ----------------------------------------------------------


def _normalize(text):
    return text.replace(".", "_").replace("-", "_").replace(" ", "_")


def _version_tuple(text, n=2):
    nums = re.findall(r"\d+", text or "")
    return tuple(int(x) for x in nums[:n]) if len(nums) >= n else None


def glibc_version():
    try:
        found = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (AttributeError, OSError, ValueError):
        found = None
    if found and found.startswith("glibc "):
        return _version_tuple(found.split()[1])
    lib, version = platform.libc_ver()
    return _version_tuple(version) if lib == "glibc" else None


def elf_interpreter(path):
    """The PT_INTERP of an ELF file (its dynamic loader), or None."""
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
                return None
            end = "<" if ident[5] == 1 else ">"
            is64 = ident[4] == 2
            fmt = end + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
            header = struct.unpack(fmt, f.read(struct.calcsize(fmt)))
            phoff, phentsize, phnum = header[4], header[8], header[9]
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                if is64:
                    p_type, _, p_offset, _, _, p_filesz = struct.unpack(end + "IIQQQQ", f.read(40))
                else:
                    p_type, p_offset, _, _, p_filesz = struct.unpack(end + "IIIII", f.read(20))
                if p_type == 3:  # PT_INTERP
                    f.seek(p_offset)
                    return f.read(p_filesz).rstrip(b"\0").decode("ascii", "replace")
    except (OSError, struct.error):
        return None
    return None


def musl_version(executable):
    """musl's version from the loader named in the python binary (it prints it when run bare)."""
    loader = elf_interpreter(executable)
    commands = [[loader]] if loader and "musl" in loader else []
    commands.append(["ldd", "--version"])
    for command in commands:
        try:
            done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        text = done.stdout.decode("utf-8", "replace")
        match = re.search(r"Version (\d+)\.(\d+)", text)
        if "musl" in text and match:
            return int(match.group(1)), int(match.group(2))
    return None


def macos_version():
    version = platform.mac_ver()[0]
    if version == "10.16":  # an x86_64 python built against an old SDK sees the compat version
        try:
            version = subprocess.run(
                [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
                stdout=subprocess.PIPE, env=dict(os.environ, SYSTEM_VERSION_COMPAT="0"), timeout=10,
            ).stdout.decode().strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return _version_tuple(version)


def manylinux_platforms(arch, glibc):
    legacy = {(2, 17): "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}
    oldest = 5 if arch in ("x86_64", "i686") else 17
    out = []
    for minor in range(glibc[1], oldest - 1, -1):
        out.append("manylinux_2_%d_%s" % (minor, arch))
        if (2, minor) in legacy:
            out.append("%s_%s" % (legacy[(2, minor)], arch))
    return out


def musllinux_platforms(arch, musl):
    return ["musllinux_%d_%d_%s" % (musl[0], minor, arch) for minor in range(musl[1], -1, -1)]


def mac_binary_formats(version, arch):
    formats = [arch]
    if arch == "x86_64":
        if version < (10, 4):
            return []
        formats += ["intel", "fat64", "fat32"]
    elif arch == "i386":
        if version < (10, 4):
            return []
        formats += ["intel", "fat32", "fat"]
    elif arch == "ppc64":
        if version > (10, 5) or version < (10, 4):
            return []
        formats.append("fat64")
    elif arch == "ppc":
        if version > (10, 6):
            return []
        formats += ["fat32", "fat"]
    if arch in ("arm64", "x86_64"):
        formats.append("universal2")
    if arch in ("x86_64", "i386", "ppc64", "ppc", "intel"):
        formats.append("universal")
    return formats


def mac_platforms(version, arch):
    """macOS platform tags, newest first: 14.0 -> 14_0 ... 11_0, then 10_16 ... 10_4."""
    out = []
    if (10, 0) <= version < (11, 0):
        for minor in range(version[1], -1, -1):
            out += ["macosx_10_%d_%s" % (minor, f) for f in mac_binary_formats((10, minor), arch)]
    if version >= (11, 0):
        for major in range(version[0], 10, -1):
            out += ["macosx_%d_0_%s" % (major, f) for f in mac_binary_formats((major, 0), arch)]
        for minor in range(16, 3, -1):
            formats = mac_binary_formats((10, minor), arch) if arch == "x86_64" else ["universal2"]
            out += ["macosx_10_%d_%s" % (minor, f) for f in formats]
    return out


def cpython_tags(version, abis, platforms):
    """PEP 425 tags of a CPython: specific ABIs, then abi3 (abi3t if free-threaded), then none."""
    interpreter = "cp%d%d" % version
    threaded = abis[0].endswith("t") or "t" in abis[0][len(interpreter):]
    stable = "abi3t" if threaded else "abi3"
    out = ["%s-%s-%s" % (interpreter, abi, p) for abi in abis for p in platforms]
    out += ["%s-%s-%s" % (interpreter, stable, p) for p in platforms]
    out += ["%s-none-%s" % (interpreter, p) for p in platforms]
    for minor in range(version[1] - 1, 1, -1):
        out += ["cp%d%d-%s-%s" % (version[0], minor, stable, p) for p in platforms]
    return out


def compatible_tags(version, interpreter, platforms):
    """py3X/py3/py3(X-1).. x platforms, then <interpreter>-none-any, then the py*-none-any tags."""
    pys = ["py%d%d" % version, "py%d" % version[0]] + ["py%d%d" % (version[0], m) for m in range(version[1] - 1, -1, -1)]
    out = ["%s-none-%s" % (py, p) for py in pys for p in platforms]
    if interpreter:
        out.append("%s-none-any" % interpreter)
    return out + ["%s-none-any" % py for py in pys]


class Machine:
    """This interpreter on this machine, as far as wheel compatibility goes (stdlib only)."""

    def __init__(self):
        self.executable = sys.executable
        self.implementation = sys.implementation.name
        self.version = tuple(sys.version_info[:3])
        self.free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
        self.libc = self.macos = None
        system = platform.system()
        if system == "Linux":
            self.os = "linux"
            self.platforms = self._linux()
        elif system == "Darwin":
            self.os = "macos"
            self.macos = macos_version() or (10, 0)
            machine = platform.mac_ver()[2] or platform.machine()
            self.arch = ("ppc" if machine.startswith("ppc") else "i386") if sys.maxsize <= 2 ** 32 else machine
            self.platforms = mac_platforms(self.macos, self.arch)
        else:
            self.os = "windows" if system == "Windows" else system.lower()
            self.platforms = [_normalize(sysconfig.get_platform())]
            self.arch = self.platforms[0].split("_", 1)[-1]
        self.tags = self._tags()

    def _linux(self):
        plat = _normalize(sysconfig.get_platform())
        arch = plat[len("linux_"):] if plat.startswith("linux_") else platform.machine()
        if sys.maxsize <= 2 ** 32:
            arch = {"x86_64": "i686", "aarch64": "armv8l"}.get(arch, arch)
        self.arch = arch
        archs = ["armv8l", "armv7l"] if arch == "armv8l" else [arch]
        glibc = glibc_version()
        musl = None if glibc else musl_version(self.executable)
        self.libc = ("glibc", glibc) if glibc else ("musl", musl) if musl else None
        out = []
        for a in archs:
            out += manylinux_platforms(a, glibc) if glibc and glibc >= (2, 5) else []
        for a in archs:
            out += musllinux_platforms(a, musl) if musl else []
        return out + ["linux_%s" % a for a in archs]

    def _abis(self):
        nodot = "%d%d" % self.version[:2]
        debug = sysconfig.get_config_var("Py_DEBUG")
        if debug is None:
            debug = hasattr(sys, "gettotalrefcount") or "_d.pyd" in importlib.machinery.EXTENSION_SUFFIXES
        threaded = "t" if self.version >= (3, 13) and self.free_threaded else ""
        return ["cp%s%sd" % (nodot, threaded), "cp%s%s" % (nodot, threaded)] if debug else ["cp%s%s" % (nodot, threaded)]

    def _tags(self):
        version = self.version[:2]
        if self.implementation == "cpython":
            interpreter = "cp%d%d" % version
            return cpython_tags(version, self._abis(), self.platforms) + compatible_tags(version, interpreter, self.platforms)
        short = {"pypy": "pp", "ironpython": "ip", "jython": "jy"}.get(self.implementation, self.implementation)
        nodot = sysconfig.get_config_var("py_version_nodot") or "%d%d" % version
        suffix = (sysconfig.get_config_var("EXT_SUFFIX") or "").split(".")
        abis = []
        if len(suffix) >= 3 and suffix[1]:
            soabi = suffix[1]
            abis = [_normalize("-".join(soabi.split("-")[:2]) if soabi.startswith("pypy") else soabi)]
        abis.append("none")
        generic = ["%s%s-%s-%s" % (short, nodot, abi, p) for abi in abis for p in self.platforms]
        return generic + compatible_tags(version, "pp3" if short == "pp" else None, self.platforms)

    def describe(self):
        words = [{"cpython": "CPython", "pypy": "PyPy"}.get(self.implementation, self.implementation),
                 ".".join(map(str, self.version)) + (" free-threaded" if self.free_threaded else "")]
        words = [" ".join(words), "%s %s" % ({"linux": "Linux", "macos": "macOS", "windows": "Windows"}.get(self.os, self.os), self.arch)]
        if self.libc:
            words.append("%s %s" % (self.libc[0], ".".join(map(str, self.libc[1])) if self.libc[1] else "(version unknown)"))
        elif self.os == "linux":
            words.append("libc neither glibc nor musl")
        if self.macos:
            words.append("macOS %d.%d" % self.macos)
        return ", ".join(words)

    def to_json(self):
        return {"executable": self.executable, "implementation": self.implementation,
                "version": ".".join(map(str, self.version)), "freeThreaded": self.free_threaded,
                "os": self.os, "arch": self.arch,
                "libc": {"family": self.libc[0], "version": ".".join(map(str, self.libc[1] or ()))} if self.libc else None,
                "macos": "%d.%d" % self.macos if self.macos else None, "platforms": self.platforms, "tags": self.tags}

    @classmethod
    def from_json(cls, data):
        self = cls.__new__(cls)
        self.executable, self.implementation = data["executable"], data["implementation"]
        self.version = tuple(int(x) for x in data["version"].split("."))
        self.free_threaded, self.os, self.arch = data["freeThreaded"], data["os"], data["arch"]
        libc = data["libc"]
        self.libc = (libc["family"], _version_tuple(libc["version"])) if libc else None
        self.macos = _version_tuple(data["macos"]) if data["macos"] else None
        self.platforms, self.tags = data["platforms"], data["tags"]
        return self


def platform_needs(tag):
    """What a target platform tag asks of a machine: (os, arch, libc family, libc version, macOS)."""
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    m = re.match(r"^(manylinux|musllinux)_(\d+)_(\d+)_(.+)$", tag)
    if m:
        return "linux", m.group(4), "glibc" if m.group(1) == "manylinux" else "musl", (int(m.group(2)), int(m.group(3))), None
    m = re.match(r"^(manylinux1|manylinux2010|manylinux2014)_(.+)$", tag)
    if m:
        return "linux", m.group(2), "glibc", legacy[m.group(1)], None
    m = re.match(r"^macosx_(\d+)_(\d+)_(.+)$", tag)
    if m:
        return "macos", m.group(3), None, None, (int(m.group(1)), int(m.group(2)))
    if tag.startswith("linux_"):
        return "linux", tag[len("linux_"):], None, None, None
    if tag in ("win32", "win_amd64", "win_arm64"):
        return "windows", {"win32": "win32", "win_amd64": "amd64", "win_arm64": "arm64"}[tag], None, None, None
    return None, None, None, None, None


def wheel_tags(filename):
    """The expanded tag set of a wheel filename (compressed tag sets like a.b-none-any expand)."""
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        raise bundle_error("%s is not a valid wheel filename" % filename)
    py, abi, plat = parts[-3:]
    return {"%s-%s-%s" % (x, y, z) for x in py.split(".") for y in abi.split(".") for z in plat.split(".")}


def target_problems(machine, target, wheel_files):
    """Why `machine` cannot install a bundle for `target`: a list of short phrases (empty = it fits)."""
    problems = []
    impl = target.get("implementation") or "cpython"
    if machine.implementation != impl:
        problems.append("its implementation is %s, the bundle needs %s" % (machine.implementation, impl))
    want = target["python"]
    want_t = tuple(int(x) for x in want.split("."))
    if machine.version[:2] != want_t[:2]:
        problems.append("it is Python %s, the bundle needs %s" % (".".join(map(str, machine.version)), want if len(want_t) == 2 else "%s or a newer %d.%d.x" % (want, want_t[0], want_t[1])))
    elif len(want_t) > 2 and machine.version[2] < want_t[2]:
        problems.append("it is Python %s, the bundle needs %s or a newer %d.%d.x" % (".".join(map(str, machine.version)), want, want_t[0], want_t[1]))
    if bool(target.get("freeThreaded")) != machine.free_threaded:
        problems.append("it is %s, the bundle needs a %s build" % (
            "free-threaded" if machine.free_threaded else "a GIL build", "free-threaded" if target.get("freeThreaded") else "GIL (default)"))
    os_, arch, libc, libc_version, macos = platform_needs(target["platform"])
    if os_ and os_ != machine.os:
        problems.append("it runs %s, the bundle is for %s" % (machine.os, os_))
    elif os_:
        if arch and not any(p == target["platform"] or p.endswith("_" + arch) for p in machine.platforms):
            problems.append("its architecture is %s, the bundle needs %s" % (machine.arch, arch))
        have = machine.libc
        if libc and (not have or have[0] != libc):
            problems.append("its C library is %s, the bundle needs %s" % (have[0] if have else "unknown", libc))
        elif libc and (not have[1] or have[1] < libc_version):
            problems.append("it has %s %s, the bundle needs %s %d.%d or newer" % (
                libc, ".".join(map(str, have[1] or ())) or "(unknown version)", libc, libc_version[0], libc_version[1]))
        if macos and (machine.macos or (0, 0)) < macos:
            problems.append("it runs macOS %s, the bundle needs %d.%d or newer" % (
                "%d.%d" % machine.macos if machine.macos else "(unknown)", macos[0], macos[1]))
    if problems:
        return problems
    supported = set(machine.tags)
    for filename in wheel_files:
        if not wheel_tags(filename) & supported:
            problems.append("no tag of %s is supported here (%s)" % (filename, ", ".join(sorted(wheel_tags(filename)))))
    return problems


def candidate_pythons(target):
    """Executables on PATH (and the py launcher on Windows) that might fit `target`, best first."""
    major_minor = ".".join(target["python"].split(".")[:2])
    stem = "pypy" if target.get("implementation") == "pypy" else "python"
    names = [stem + major_minor + ("t" if target.get("freeThreaded") else ""), stem + "3", stem]
    seen = {os.path.realpath(sys.executable)}
    found = []
    for name in names:
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            path = os.path.join(folder, name + (".exe" if WINDOWS else ""))
            if os.path.isfile(path) and os.access(path, os.X_OK) and os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                found.append(path)
    if WINDOWS and shutil.which("py"):
        try:
            exe = subprocess.run(["py", "-" + major_minor, "-c", "import sys; print(sys.executable)"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=15).stdout.decode().strip()
            if exe and os.path.realpath(exe) not in seen:
                found.insert(0, exe)
        except (OSError, subprocess.SubprocessError):
            pass
    return found[:12]


def find_fitting_python(target, wheel_files):
    for path in candidate_pythons(target):
        try:
            done = subprocess.run([path, "-I", "-B", os.path.abspath(__file__), "--describe-interpreter"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20)
            if done.returncode == 0 and not target_problems(Machine.from_json(json.loads(done.stdout.decode())), target, wheel_files):
                return path
        except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
            continue
    return None


# --- the bundle ------------------------------------------------------------------------------


class Bundle:
    """An unpacked bundle: manifest.json (the root of trust) and the files it lists."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        path = os.path.join(self.root, "manifest.json")
        try:
            with open(path, "rb") as f:
                self.manifest_bytes = f.read()
            manifest = json.loads(self.manifest_bytes.decode("utf-8"))
        except FileNotFoundError:
            raise bundle_error("%s has no manifest.json" % self.root,
                               "run install.py from inside an unpacked wheelbarrow bundle (the directory holding manifest.json and wheels/)")
        except (ValueError, UnicodeDecodeError) as e:
            raise bundle_error("manifest.json is not valid JSON: %s" % e)
        self.manifest = self._validate(manifest)

    def _validate(self, m):
        def need(obj, key, kinds, where, optional=False):
            value = obj.get(key) if isinstance(obj, dict) else None
            if value is None and optional:
                return None
            if not isinstance(value, kinds) or (isinstance(value, bool) and kinds is not bool):
                raise bundle_error("manifest.json: %s%s is missing or has the wrong type" % (where, key))
            return value

        version = need(m, "formatVersion", str, "")
        if not re.match(r"^1\.\d+\.\d+", version):
            raise InstallError("E_BUNDLE", "manifest.json has formatVersion %s; this installer reads 1.x" % version,
                               ["use the install.py shipped inside the same bundle: it always matches its manifest"])
        app = need(m, "app", dict, "")
        self.name = need(app, "name", str, "app.")
        if not APP_NAME_RE.match(self.name):
            raise bundle_error("manifest.json: app.name %r is not letters, digits, '.', '_', '+' or '-' (as the bundler requires)" % self.name)
        self.version = need(app, "version", str, "app.")
        if not VERSION_RE.match(self.version):
            raise bundle_error("manifest.json: app.version %r is not letters, digits, '.', '_', '+' or '-' (as the bundler requires)" % self.version)
        self.entry = need(app, "entry", str, "app.", optional=True)
        state = need(app, "state", list, "app.", optional=True) or []
        self.state = []
        for path in state:
            if not isinstance(path, str) or unsafe_reason(path) or not re.match(r"^[A-Za-z0-9_.][A-Za-z0-9_./-]*$", path):
                raise bundle_error("manifest.json: app.state entry %r is not a safe relative path" % (path,))
            if any(p == path or state_root(p, [path]) or state_root(path, [p]) for p in self.state):
                raise bundle_error("manifest.json: app.state entry %r overlaps another one" % path)
            self.state.append(path)
        self.target = need(m, "target", dict, "")
        need(self.target, "platform", str, "target.")
        if not re.match(r"^\d+\.\d+(\.\d+)?$", need(self.target, "python", str, "target.")):
            raise bundle_error("manifest.json: target.python %r is not X.Y or X.Y.Z" % self.target["python"])
        self.packages, self.files = [], []
        for i, p in enumerate(need(m, "packages", list, "")):
            where = "packages[%d]." % i
            entry = {k: need(p, k, t, where) for k, t in (("name", str), ("version", str), ("filename", str), ("sha256", str), ("size", int))}
            entry["requested"] = bool(need(p, "requested", bool, where, optional=True))
            entry["path"] = need(p, "path", str, where, optional=True) or "wheels/" + entry["filename"]
            if not entry["filename"].endswith(".whl") or entry["path"].split("/")[-1] != entry["filename"]:
                raise bundle_error("manifest.json: %spath %s does not name the wheel %s" % (where, entry["path"], entry["filename"]))
            wheel_tags(entry["filename"])
            self.packages.append(entry)
        for i, f in enumerate(need(m, "files", list, "")):
            where = "files[%d]." % i
            entry = {k: need(f, k, t, where) for k, t in (("path", str), ("sha256", str), ("size", int))}
            entry["executable"] = bool(need(f, "executable", bool, where, optional=True))
            entry["mode"] = need(f, "mode", int, where, optional=True)
            if entry["mode"] is not None:
                if not 0 <= entry["mode"] <= 0o777:
                    raise bundle_error("manifest.json: %smode %r is not a permission mode (0 to 0o777)" % (where, entry["mode"]))
                entry["mode"] |= 0o400  # the owner can always read what it installed
            self.files.append(entry)
        seen = {}
        for entry in self.packages + self.files:
            reason = unsafe_reason(entry["path"])
            if reason or entry["path"] in ("manifest.json",):
                raise bundle_error("manifest.json lists an unsafe path %r (%s)" % (entry["path"], reason or "reserved"))
            if not re.match(r"^[0-9a-f]{64}$", entry["sha256"]):
                raise bundle_error("manifest.json: sha256 of %s is not 64 lowercase hex digits" % entry["path"])
            if seen.setdefault(entry["path"], entry["sha256"]) != entry["sha256"]:
                raise bundle_error("manifest.json lists %s twice with different hashes" % entry["path"])
        self.app_files = [f for f in self.files if f["path"].startswith("app/")]
        if self.entry is not None and not (ENTRY_RE.match(self.entry) or SCRIPT_ENTRY_RE.match(self.entry) and not unsafe_reason(self.entry)):
            raise bundle_error("manifest.json: app.entry %r is neither module:function nor a path/to/script.py" % self.entry)
        if self.entry and not ENTRY_RE.match(self.entry) and "app/" + self.entry not in seen:
            raise bundle_error("manifest.json: app.entry %s is not a file under app/" % self.entry)
        return m

    def local(self, rel):
        return os.path.join(self.root, *rel.split("/"))

    def verify(self, jobs):
        """Every listed file exists, is a regular file, and has its size and sha256; nothing is unlisted
        under app/ or wheels/. Returns (file count, total bytes)."""
        entries = list({e["path"]: e for e in self.packages + self.files}.values())
        with futures.ThreadPoolExecutor(jobs) as pool:
            problems = [p for p in pool.map(self._check_file, entries) if p]
        listed = {e["path"] for e in entries}
        for top in ("app", "wheels"):
            for folder, dirs, names in os.walk(self.local(top)):
                for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
                    rel = os.path.relpath(os.path.join(folder, name), self.root).replace(os.sep, "/")
                    if rel not in listed:
                        problems.append("%s is not listed in manifest.json" % rel)
        if problems:
            more = " (and %d more problems)" % (len(problems) - 1) if len(problems) > 1 else ""
            raise bundle_error("the bundle does not match its manifest.json: %s%s" % (problems[0], more), problems=problems)
        return len(entries), sum(e["size"] for e in entries)

    def _check_file(self, entry):
        path = self.local(entry["path"])
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return "%s is missing" % entry["path"]
        if not stat.S_ISREG(st.st_mode):
            return "%s is not a regular file" % entry["path"]
        if st.st_size != entry["size"]:
            return "%s has %d bytes, manifest.json says %d" % (entry["path"], st.st_size, entry["size"])
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                h.update(chunk)
        if h.hexdigest() != entry["sha256"]:
            return "%s has sha256 %s, manifest.json says %s" % (entry["path"], h.hexdigest(), entry["sha256"])
        return None


# --- the source: one wheel -------------------------------------------------------------------


class WheelSource:
    """A wheel file whose members, dist-info, WHEEL and RECORD are validated before anything is
    written (pypa/installer's WheelFile). `members` yields (ZipInfo, scheme key, relative path)."""

    def __init__(self, path, filename):
        self.path, self.filename = path, filename
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as e:
            raise bundle_error("%s is not a readable wheel: %s" % (filename, e))
        self.raw = open(path, "rb", buffering=0)
        self.fd, self.lock = self.raw.fileno(), threading.Lock()
        self.infos = self.zip.infolist()
        names = [i.filename for i in self.infos]
        problems = []
        for info in self.infos:
            reason = unsafe_reason(info.filename)
            if reason:
                problems.append(("%s holds an unsafe member %r (%s)" % (filename, info.filename, reason),
                                 "the wheel tries to write outside its install directory: do not install it"))
            if stat.S_ISLNK(info.external_attr >> 16):
                problems.append(("%s holds a symlink member %s" % (filename, info.filename), "wheels must not contain symlinks: do not install it"))
        if len(set(names)) != len(names):
            problems.append(("%s lists a member twice" % filename, None))
        self._refuse(problems)
        project = canonical_name(filename.split("-")[0])
        tops = {n.split("/")[0] for n in names}
        dist_infos = [t for t in tops if t.endswith(".dist-info")]
        if len(dist_infos) != 1 or canonical_name(dist_infos[0][:-10].rpartition("-")[0]) != project:
            raise bundle_error("%s must hold exactly one %s-<version>.dist-info directory, it has %s" % (filename, project, sorted(dist_infos) or "none"))
        self.dist_info = dist_infos[0]
        self.data_dir = self.dist_info[:-10] + ".data"
        for t in tops:
            if t.endswith(".data") and t != self.data_dir:
                raise bundle_error("%s has a data directory %s that does not match %s" % (filename, t, self.dist_info))
        wheel = self._text("WHEEL")
        fields = dict(line.split(":", 1) for line in wheel.splitlines() if ":" in line)
        fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
        if not fields.get("wheel-version", "").startswith("1."):
            raise bundle_error("%s has Wheel-Version %s; this installer reads 1.x" % (filename, fields.get("wheel-version", "(none)")))
        self.root_scheme = "purelib" if fields.get("root-is-purelib", "").lower() == "true" else "platlib"
        self.record = parse_record(self._text("RECORD"), filename)
        unsigned = {self.dist_info + "/" + n for n in ("RECORD", "RECORD.jws", "RECORD.p7s")}
        self._refuse([("%s: member %s is not listed in RECORD with a hash" % (filename, name),
                       "the wheel is broken as published or was altered: rebuild the bundle from a trusted index")
                      for name in names if not name.endswith("/") and name not in unsigned and not self.record.get(name, RecordEntry("", "", None)).algo])

    @staticmethod
    def _refuse(problems):
        """One E_BUNDLE naming the first problem and counting the others; all of them in details."""
        if problems:
            more = " (and %d more problems)" % (len(problems) - 1) if len(problems) > 1 else ""
            raise bundle_error(problems[0][0] + more, *[h for h in [problems[0][1]] if h], problems=[m for m, _ in problems])

    def read_small(self, info):
        """A member's bytes straight from the archive: one pread of its local header and data, one
        inflate (zipfile's reader costs several calls per member). RECORD's hash, checked by the
        caller, is stronger than the CRC this skips; the local header must name the same member."""
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
            return self.read_limited(info, info.file_size)
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        want = 30 + len(name) + len(info.extra) + info.compress_size + 256
        buf = self._pread(want, info.header_offset)
        start = 30 + len(name) + (struct.unpack("<H", buf[28:30])[0] if len(buf) >= 30 else 0)
        if buf[:4] != b"PK\x03\x04" or buf[30:30 + len(name)] != name:
            raise bundle_error("%s: the local header of %s does not match the archive's directory" % (self.filename, info.filename))
        if len(buf) < start + info.compress_size:
            buf += self._pread(start + info.compress_size - len(buf), info.header_offset + len(buf))
        raw = buf[start:start + info.compress_size]
        if info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            data = inflater.decompress(raw, info.file_size + 1)  # never more than declared + 1 byte
            if len(data) > info.file_size or inflater.unconsumed_tail:
                raise self.oversized(info)
        else:
            data = raw
        if len(data) != info.file_size:
            raise bundle_error("%s: %s is truncated" % (self.filename, info.filename))
        return data

    def _pread(self, size, offset):
        if hasattr(os, "pread"):
            return os.pread(self.fd, size, offset)
        with self.lock:
            self.raw.seek(offset)
            return self.raw.read(size)

    def close(self):
        self.zip.close()
        self.raw.close()

    def oversized(self, info):
        return bundle_error("%s: %s inflates to more than the %d bytes its zip header declares" % (self.filename, info.filename, info.file_size),
                            "the wheel is malformed or built to exhaust memory (a zip bomb): do not install it")

    def read_limited(self, info, limit):
        """A member's bytes, read in chunks; E_BUNDLE past `limit` or past its declared size, so a
        member that inflates far beyond its header never takes more than a chunk of memory."""
        out, size = [], 0
        try:
            with self.zip.open(info) as f:  # zipfile stops at the declared size (and fails its CRC)
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > info.file_size:
                        raise self.oversized(info)
                    if size > limit:
                        raise bundle_error("%s: %s is larger than %d bytes" % (self.filename, info.filename, limit))
                    out.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise bundle_error("%s: %s is damaged: %s" % (self.filename, info.filename, e))
        return b"".join(out)

    def _text(self, name):
        try:
            return self.read_limited(self.zip.getinfo(self.dist_info + "/" + name), TEXT_LIMIT).decode("utf-8")
        except KeyError:
            raise bundle_error("%s has no %s/%s" % (self.filename, self.dist_info, name))
        except UnicodeDecodeError:
            raise bundle_error("%s: %s/%s is not UTF-8" % (self.filename, self.dist_info, name))

    def members(self):
        # RECORD is rewritten; INSTALLER, REQUESTED and direct_url.json are the installer's to write
        skip = {self.dist_info + "/" + n for n in ("RECORD", "RECORD.jws", "RECORD.p7s", "INSTALLER", "REQUESTED", "direct_url.json")}
        for info in self.infos:
            name = info.filename
            if name.endswith("/") or name in skip:
                continue
            parts = name.split("/")
            if "__pycache__" in parts:
                continue  # shipped bytecode is not installed; it is compiled here
            if parts[0] == self.data_dir:
                if len(parts) < 3 or parts[1] not in SCHEME_KEYS:
                    raise bundle_error("%s: %s is not in %s/{%s}/" % (self.filename, name, self.data_dir, ",".join(SCHEME_KEYS)))
                if parts[1] == "scripts" and len(parts) != 3:
                    raise bundle_error("%s: script %s is in a subdirectory" % (self.filename, name))
                yield info, parts[1], parts[2:]
            else:
                yield info, self.root_scheme, parts

    def entry_points(self):
        """[(name, module, attr, gui)] from entry_points.txt, each checked to be a safe identifier."""
        name = self.dist_info + "/entry_points.txt"
        if name not in self.zip.NameToInfo:
            return []
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
        parser.optionxform = str
        try:
            parser.read_string(self._text("entry_points.txt"))
        except configparser.Error as e:
            raise bundle_error("%s: entry_points.txt does not parse: %s" % (self.filename, e))
        out = []
        for section, gui in (("console_scripts", False), ("gui_scripts", True)):
            if not parser.has_section(section):
                continue
            for script, value in parser.items(section):
                match = ENTRY_RE.match(re.sub(r"\s*\[.*\]\s*$", "", value).replace(" ", ""))
                if not match or unsafe_reason(script) or "/" in script or script.startswith("."):
                    raise bundle_error("%s: entry point %s = %s is not name = module:function" % (self.filename, script, value))
                out.append((script, match.group(1), match.group(2), gui))
        return out


# --- the destination: the new venv -----------------------------------------------------------


def launcher_text(python, module, attr):
    """A console script for POSIX: pip's launcher, with the `/bin/sh` trampoline when the python
    path has whitespace or the shebang would exceed 127 bytes."""
    head = attr.split(".")[0]
    return "%s\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom %s import %s\nif __name__ == \"__main__\":\n" \
           "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n    sys.exit(%s())\n" % (
               shebang(python), module, head, attr)


def shebang(python):
    line = "#!" + python
    if len(line.encode("utf-8")) <= 127 and not re.search(r"\s", python):
        return line
    return "#!/bin/sh\n'''exec' %s \"$0\" \"$@\"\n' '''" % sh_quote(python)


def cmd_shim_text(module, attr, gui):
    """A console script for Windows: a .cmd file that runs the venv's python next to it."""
    head = attr.split(".")[0]
    return ("@echo off\r\n\"%%~dp0%s\" -c \"import sys; from %s import %s; sys.argv[0] = '%%~n0'; sys.exit(%s())\" %%*\r\n"
            "exit /b %%ERRORLEVEL%%\r\n" % ("pythonw.exe" if gui else "python.exe", module, head, attr))


def rewrite_shebang(data, python):
    """`#!python`, `#!pythonw`, `#!python3 ...` as the first line -> the venv's python."""
    if not data.startswith(b"#!python"):
        return data
    end = data.find(b"\n")
    rest = data[end + 1:] if end >= 0 else b""
    return shebang(python).encode("utf-8") + b"\n" + rest


class PosixScripts:
    """Launchers for POSIX: console/gui scripts are pip's Python launchers with a shebang."""

    def __init__(self, python):
        self.python = python

    def entry_point(self, scripts_dir, name, module, attr, gui):
        return os.path.join(scripts_dir, name), launcher_text(self.python, module, attr).encode("utf-8")

    def beside_data_script(self, path, is_python):
        return []


class WindowsScripts:
    """Launchers for Windows: `.cmd` shims (no prebuilt .exe launchers), also beside `#!python`
    scripts from .data/scripts so that they run by name."""

    def __init__(self, python):
        self.python = python

    def entry_point(self, scripts_dir, name, module, attr, gui):
        return os.path.join(scripts_dir, name + ".cmd"), cmd_shim_text(module, attr, gui).encode("utf-8")

    def beside_data_script(self, path, is_python):
        if not is_python():
            return []
        data = "@echo off\r\n\"%%~dp0python.exe\" \"%%~dp0%s\" %%*\r\nexit /b %%ERRORLEVEL%%\r\n" % os.path.basename(path)
        return [(path + ".cmd", data.encode())]


class VenvDestination:
    """Writes wheel members and generated files into the venv under construction (pypa/installer's
    SchemeDictionaryDestination). `schemes` holds temp paths; `python` is the venv's final python;
    `scripts` writes the platform's launchers (chosen once, here)."""

    def __init__(self, schemes, python_final, cancel):
        self.schemes = schemes  # scheme key -> temp dir
        self.python = python_final
        self.scripts = (WindowsScripts if WINDOWS else PosixScripts)(python_final)
        self.cancel = cancel
        self.owners = {}  # path -> wheel filename that wrote it
        self.collisions = []  # (path, sha256 digest of the content that found the file there, wheel)
        self.lock = threading.Lock()
        self._dirs = set()

    def _open(self, path, executable, owner):
        folder = os.path.dirname(path)
        if folder not in self._dirs:
            os.makedirs(folder, exist_ok=True)
            self._dirs.add(folder)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(path, flags, 0o777 if executable else 0o666)
        except FileExistsError:
            return None
        with self.lock:
            self.owners[path] = owner
        return fd

    def write_bytes(self, path, data, executable, owner, digest=None):
        """Write content (generated, or a small member already read); returns RECORD's (hash, size)."""
        digest = digest or hashlib.sha256(data).digest()
        fd = self._open(path, executable, owner)
        if fd is None:
            self.collisions.append((path, digest, owner))
        else:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        return "sha256=" + record_digest(digest), len(data)

    def copy_member(self, source, info, path, expected, is_script):
        """Stream one member to `path`, hashing as it goes; compare with RECORD; returns (hash, size)."""
        algo, want, want_size = expected
        executable = is_script or bool((info.external_attr >> 16) & 0o111)
        if is_script or info.file_size <= CHUNK:
            data = source.read_small(info)
            digest = hashlib.new(algo, data).digest()
            if not expected.matches(digest, len(data)):
                raise self._mismatch(source, info)
            if is_script:
                data, digest = rewrite_shebang(data, self.python), None
            return self.write_bytes(path, data, executable, source.filename, digest if algo == "sha256" else None)
        h = hashlib.new(algo)
        h256 = h if algo == "sha256" else hashlib.sha256()
        size = 0
        fd = self._open(path, executable, source.filename)
        out = open(fd, "wb") if fd is not None else None
        try:
            with source.zip.open(info) as src:  # zipfile itself stops at the declared size (CRC)
                while True:
                    if self.cancel.is_set():
                        raise Cancelled()
                    chunk = src.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > info.file_size:
                        raise source.oversized(info)
                    h.update(chunk)
                    if h256 is not h:
                        h256.update(chunk)
                    if out:
                        out.write(chunk)
        finally:
            if out:
                out.close()
        if not expected.matches(h.digest(), size):
            raise self._mismatch(source, info)
        if out is None:
            self.collisions.append((path, h256.digest(), source.filename))
        return "sha256=" + record_digest(h256.digest()), size

    @staticmethod
    def _mismatch(source, info):
        return bundle_error("%s: %s does not match the hash or size in the wheel's RECORD" % (source.filename, info.filename),
                            "the wheel is broken as published or was altered before the bundle was built: rebuild the bundle from a trusted index")


def _b64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class InstalledDist:
    def __init__(self, name, version, dist_info_dir, rows, sources):
        self.name, self.version = name, version
        self.dist_info_dir = dist_info_dir  # temp path
        self.rows = rows  # [(absolute temp path, hash, size)]
        self.sources = sources  # .py files under purelib/platlib, for bytecode


def install_wheel(source, dest, package):
    """Install one wheel into `dest`; returns its InstalledDist (RECORD is written later, after
    bytecode compilation). Mirrors pypa/installer's install(source, destination, metadata)."""
    try:
        return _install_wheel(source, dest, package)
    except (zipfile.BadZipFile, zlib.error, EOFError) as e:
        raise bundle_error("%s is damaged: %s" % (source.filename, e))


def _install_wheel(source, dest, package):
    rows, sources = [], []
    for info, scheme, parts in source.members():
        if dest.cancel.is_set():
            raise Cancelled()
        base = dest.schemes[scheme]
        if scheme == "headers":
            parts = [package["name"]] + parts
        path = inside(base, parts)
        hash_, size = dest.copy_member(source, info, path, source.record[info.filename], scheme == "scripts")
        rows.append((path, hash_, size))
        if scheme in ("purelib", "platlib") and path.endswith(".py"):
            sources.append(path)
        if scheme == "scripts":
            for extra_path, data in dest.scripts.beside_data_script(path, lambda: _is_python_script(source, info)):
                rows.append((extra_path,) + dest.write_bytes(extra_path, data, True, source.filename))
    for script, module, attr, gui in source.entry_points():
        path, data = dest.scripts.entry_point(dest.schemes["scripts"], script, module, attr, gui)
        rows.append((path,) + dest.write_bytes(path, data, True, source.filename))
    dist_info_dir = os.path.join(dest.schemes[source.root_scheme], source.dist_info)
    extra = [("INSTALLER", (INSTALLER + "\n").encode())] + ([("REQUESTED", b"")] if package["requested"] else [])
    for name, data in extra:
        path = os.path.join(dist_info_dir, name)
        rows.append((path,) + dest.write_bytes(path, data, False, source.filename))
    return InstalledDist(package["name"], package["version"], dist_info_dir, rows, sources)


def _is_python_script(source, info):
    with source.zip.open(info) as f:
        return f.read(8) == b"#!python"


def write_records(dists, compiled):
    """The new RECORD of each dist: every installed file relative to the dist-info's parent."""
    for dist in dists:
        parent = os.path.dirname(dist.dist_info_dir)
        rows = [(rel_record_path(p, parent), h, str(s)) for p, h, s in dist.rows]
        rows += [(rel_record_path(compiled[src], parent), "", "") for src in dist.sources if src in compiled]
        record = os.path.join(dist.dist_info_dir, "RECORD")
        rows.append((rel_record_path(record, parent), "", ""))
        with open(record, "w", encoding="utf-8", newline="") as f:
            f.write(format_record(rows))


def rel_record_path(path, parent):
    if path.startswith(parent + os.sep):
        return path[len(parent) + 1:].replace(os.sep, "/")
    return os.path.relpath(path, parent).replace(os.sep, "/")


# --- bytecode --------------------------------------------------------------------------------


def _compile_batch(batch):
    import py_compile

    done = []
    for src, dfile in batch:
        try:
            done.append((src, py_compile.compile(src, dfile=dfile, doraise=True)))
        except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeDecodeError):
            pass  # like pip: a module that does not compile (py2 test data, templates) stays source-only
    return done


def _ignore_signals():
    for s in STOP_SIGNALS:  # the parent handles them and cancels what is left
        signal.signal(s, signal.SIG_IGN)


def _noop():
    return None


class Compiler:
    """Compiles [(temp path, final path)] with this interpreter (the venv's base: same magic
    number), recording the final path in each .pyc. With several CPUs a process pool, forked before
    any thread exists, compiles each wheel's modules as soon as that wheel is installed."""

    BATCH = 100

    def __init__(self, jobs):
        self.pool, self.inline, self.futures = None, [], []
        if jobs > 1:
            import multiprocessing

            linux = sys.platform.startswith("linux")
            context = multiprocessing.get_context("fork" if linux else None)
            self.pool = futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_ignore_signals)
            for job in [self.pool.submit(_noop) for _ in range(jobs)]:
                job.result()  # every worker exists now, before the install threads start

    def submit(self, items):
        if self.pool is None:
            self.inline += items
            return
        for i in range(0, len(items), self.BATCH):
            self.futures.append(self.pool.submit(_compile_batch, items[i:i + self.BATCH]))

    def results(self):
        """{source: pyc path} of every module that compiled."""
        compiled = dict(_compile_batch(self.inline))
        for job in self.futures:
            compiled.update(job.result())
        return compiled

    def close(self):
        if self.pool is not None:
            for job in self.futures:
                job.cancel()
            self.pool.shutdown(wait=True)


# --- the venv --------------------------------------------------------------------------------


def create_venv(tmp_venv, final_venv, prompt):
    """`python -m venv --without-pip`, in this process (works where Debian/Ubuntu split ensurepip
    into python3-venv), then the venv's own sysconfig paths. Text files that name the temp path
    (activate scripts, pyvenv.cfg) are rewritten to the final path."""
    import venv

    venv.EnvBuilder(with_pip=False, symlinks=not WINDOWS, prompt=prompt).create(tmp_venv)
    bindir = os.path.join(tmp_venv, "Scripts" if WINDOWS else "bin")
    for path in [os.path.join(bindir, n) for n in os.listdir(bindir)] + [os.path.join(tmp_venv, "pyvenv.cfg")]:
        if os.path.isfile(path) and not os.path.islink(path) and os.path.getsize(path) < 1 << 20:
            with open(path, "rb") as f:
                data = f.read()
            if tmp_venv.encode() in data:
                with open(path, "wb") as f:
                    f.write(data.replace(tmp_venv.encode(), final_venv.encode()))
    python = os.path.join(bindir, "python.exe" if WINDOWS else "python")
    return python, venv_paths(python, tmp_venv)


def venv_paths(python, venv_dir):
    """Ask the venv's interpreter for its scheme dirs (never hard-code lib/pythonX.Y)."""
    code = "import json, sysconfig; print(json.dumps(sysconfig.get_paths()))"
    try:
        done = subprocess.run([python, "-I", "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        raise InstallError("E_INSTALL", "the venv's python %s does not run: %s" % (python, e))
    if done.returncode != 0:
        raise InstallError("E_INSTALL", "the venv's python %s does not run: %s" % (python, done.stderr.decode(errors="replace").strip()))
    paths = json.loads(done.stdout.decode())
    out = {}
    for key in ("purelib", "platlib", "scripts", "data"):
        path = os.path.normpath(paths[key])
        if os.path.commonpath([venv_dir, path]) != venv_dir:
            raise InstallError("E_INSTALL", "the venv's %s directory %s is outside the venv %s" % (key, path, venv_dir))
        out[key] = path
    version = "python%d.%d" % sys.version_info[:2]
    out["headers"] = os.path.join(venv_dir, "include", "site", version)
    return out


# --- the app, its state and its launchers ----------------------------------------------------


def state_root(rel, state):
    """The declared state path that holds the app-relative path `rel` (or is it), else None."""
    for path in state:
        if path.endswith("/") and (rel.startswith(path) or rel + "/" == path):
            return path
        if rel == path:
            return path
    return None


def copy_app(bundle, app_dir, umask):
    """app/ of the bundle into `app_dir`, keeping each file's mode bits; files under a state path
    are not copied (they seed shared/ on the first install). Returns the .py files to compile."""
    made, sources = set(), []
    for f in bundle.app_files:
        rel = f["path"][len("app/"):]
        if state_root(rel, bundle.state):
            continue
        dst = inside(app_dir, rel.split("/"))
        folder = os.path.dirname(dst)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        shutil.copyfile(bundle.local(f["path"]), dst)
        if not WINDOWS:
            if f["mode"] is not None:
                os.chmod(dst, f["mode"])
            elif f["executable"]:
                os.chmod(dst, 0o777 & ~umask)
        if dst.endswith(".py"):
            sources.append(dst)
    return sources


def link_state(bundle, app_dir):
    """Each state path's app/PATH becomes a relative link to DEST/shared/PATH (the release dir is
    DEST/releases/<name>/, so the link works wherever DEST is mounted)."""
    for path in bundle.state:
        parts = path.rstrip("/").split("/")
        link = inside(app_dir, parts)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        # app/a/b -> ../../../shared/a/b from app/a: up through a/, app/, <release>/, releases/
        up = [".."] * (len(parts) - 1 + 3)
        os.symlink("/".join(up + ["shared"] + parts), link, target_is_directory=path.endswith("/"))


def seed_state(bundle, shared, log):
    """Create shared/PATH for each state path that does not exist yet, from the bundle's app/PATH
    when it ships one; an existing shared/PATH is never touched."""
    for path in bundle.state:
        parts = path.rstrip("/").split("/")
        target = inside(shared, parts)
        if os.path.lexists(target):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        seeds = [f for f in bundle.app_files if state_root(f["path"][len("app/"):], [path])]
        if path.endswith("/"):
            os.mkdir(target)
        for f in seeds:
            dst = inside(shared, f["path"][len("app/"):].split("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(bundle.local(f["path"]), dst)
            if f["mode"] is not None and not WINDOWS:
                os.chmod(dst, f["mode"])
        log("created shared/%s%s" % (path, " from the bundle" if seeds else ""))


def parse_dotenv(text):
    """dotenv text -> ([(key, value)], [(line number, problem)]). Rules: `KEY=value` lines, an
    optional `export ` prefix, `#` comments and blank lines ignored; unquoted values are trimmed
    and lose a ` #` comment; '...' is literal; "..." may span lines and knows the escapes \\n \\t
    \\r \\" \\\\ \\$. Nothing is evaluated: no $VAR, no $(...), no backticks."""
    import re as re_

    key_re = re_.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$")
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}

    def closing(body, quote):
        i = 0
        while i < len(body):
            if quote == '"' and body[i] == "\\":
                i += 2
                continue
            if body[i] == quote:
                return i
            i += 1
        return -1

    def unescape(body):
        out, i = [], 0
        while i < len(body):
            if body[i] == "\\" and i + 1 < len(body) and body[i + 1] in escapes:
                out.append(escapes[body[i + 1]])
                i += 2
            else:
                out.append(body[i])
                i += 1
        return "".join(out)

    pairs, problems = [], []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        i += 1
        if not line.strip() or line.strip().startswith("#"):
            continue
        match = key_re.match(line)
        if not match:
            problems.append((number, "not KEY=value"))
            continue
        key, rest = match.group(1), match.group(2)
        if rest[:1] in ("'", '"'):
            quote, body = rest[0], rest[1:]
            end = closing(body, quote)
            while end < 0 and i < len(lines):
                body += "\n" + lines[i]
                i += 1
                end = closing(body, quote)
            if end < 0:
                problems.append((number, "the %s quote is never closed" % quote))
                continue
            tail = body[end + 1:].strip()
            if tail and not tail.startswith("#"):
                problems.append((number, "text after the closing quote"))
                continue
            value = unescape(body[:end]) if quote == '"' else body[:end]
        else:
            value = re_.sub(r"(^|\s+)#.*$", "", rest).strip()
        pairs.append((key, value))
    return pairs, problems


LAUNCHER_BODY = '''
def load_env(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as e:
        sys.stderr.write("%s: cannot read %s: %s\\n" % (NAME, path, e))
        sys.exit(1)
    pairs, problems = parse_dotenv(text)
    for number, problem in problems:
        sys.stderr.write("%s: %s line %d: %s (line ignored)\\n" % (NAME, path, number, problem))
    for key, value in pairs:
        os.environ.setdefault(key, value)


load_env(ENV)
'''


def write_pip_stubs(scripts_dir, dest):
    """venv/bin/pip, pip3, pip3.X when the bundle has no pip: after `activate`, `pip` must not
    silently run the host's pip against the host's packages."""
    text = ("#!/bin/sh\necho \"pip is not installed in this venv (the bundle was built without --with-pip).\" >&2\n"
            "echo \"List the installed packages with: python3 %s releases %s --json\" >&2\nexit 1\n") % (
        os.path.join(dest, "install.py"), dest)
    for name in ("pip", "pip3", "pip%d.%d" % sys.version_info[:2]):
        path = os.path.join(scripts_dir, name)
        if not os.path.lexists(path):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o777)
            with open(fd, "w") as f:
                f.write(text)


def release_launcher_text(bundle, python, release, dest):
    """releases/<release>/bin/<name>: a Python script run by the release's venv python. It loads
    shared/.env with parse_dotenv (variables already set in the environment win), then runs the
    entry: module:function with app/ first on sys.path, or app/<script>.py as __main__."""
    import inspect

    shared = os.path.join(dest, "shared")
    app_dir = os.path.join(release, "app")
    head = [shebang(python), "# %s %s: runs %s (written by wheelbarrow's install.py)." % (bundle.name, bundle.version, bundle.entry),
            "# Settings: KEY=value lines in %s, parsed below (never run by a shell)." % os.path.join(shared, ".env"),
            "import os", "import sys", "", "NAME = %s" % json.dumps(bundle.name), "ENV = %s" % json.dumps(os.path.join(shared, ".env")),
            "APP = %s" % json.dumps(app_dir), "", ""]
    text = "\n".join(head) + inspect.getsource(parse_dotenv) + "\n" + LAUNCHER_BODY
    if ENTRY_RE.match(bundle.entry):
        module, attr = ENTRY_RE.match(bundle.entry).groups()
        text += ("if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):\n    del sys.path[0]\n"
                 "sys.path.insert(0, APP)\nsys.argv[0] = %s\nfrom %s import %s\nsys.exit(%s())\n") % (
            json.dumps(os.path.join(dest, "bin", bundle.name)), module, attr.split(".")[0], attr)
    else:
        text += ("import runpy\nSCRIPT = os.path.join(APP, *%s.split('/'))\nsys.path[0] = os.path.dirname(SCRIPT)\n"
                 "sys.argv[0] = SCRIPT\nrunpy.run_path(SCRIPT, run_name=\"__main__\")\n") % json.dumps(bundle.entry)
    return text


def site_launcher_text(name, dest):
    """DEST/bin/<name> for POSIX: resolves DEST/current once (so the process stays on that
    release for its whole life) and runs that release's launcher."""
    current = os.path.join(dest, "current")
    return ("#!/bin/sh\n# %s: runs the current release in %s (written by wheelbarrow's install.py).\n"
            "# Settings: KEY=value lines in %s, read by Python, never by sh.\n"
            "release=$(cd %s 2>/dev/null && pwd -P) || { echo \"%s: %s is missing: nothing is installed\" >&2; exit 1; }\n"
            "exec \"$release/bin/%s\" \"$@\"\n") % (
        name, dest, os.path.join(dest, "shared", ".env"), sh_quote(current), name, current, name)


def site_launcher_cmd(name, dest):
    """DEST\\bin\\<name>.cmd for Windows: the current release's python runs its launcher."""
    current = os.path.join(dest, "current")
    return ("@echo off\r\nrem %s: runs the current release in %s (written by wheelbarrow's install.py).\r\n"
            "\"%s\" \"%s\" %%*\r\nexit /b %%ERRORLEVEL%%\r\n") % (
        name, dest, os.path.join(current, "venv", "Scripts", "python.exe"), os.path.join(current, "bin", name))


def systemd_unit_text(name, version, dest, user):
    """A systemd service for the install: a restart starts the release `current` points to."""
    lines = ["# %s, installed by wheelbarrow in %s (release %s when this was printed)." % (name, dest, version),
             "# After an upgrade or a rollback: systemctl restart %s" % name,
             "[Unit]", "Description=%s (wheelbarrow install in %s)" % (name, dest), "After=network.target", "",
             "[Service]", "Type=simple"]
    if user:
        lines.append("User=%s" % user)
    lines += ["WorkingDirectory=%s" % os.path.join(dest, "current", "app"),
              "ExecStart=%s" % os.path.join(dest, "bin", name), "Restart=on-failure", "", "[Install]", "WantedBy=multi-user.target", ""]
    return "\n".join(lines)


# --- the site: DEST with releases/, current, shared/, bin/ ----------------------------------

SITE_FILE = ".wheelbarrow-site.json"  # in DEST: {"app", "current", "previous"}
RELEASE_FILE = ".wheelbarrow-release.json"  # in each release: what verify and the reports need
LOCK_DIR = ".wheelbarrow.lock"  # in DEST while a run changes it; holds the owner's pid
BOOKKEEPING = re.compile(r"^(\.wheelbarrow\.lock|\.lock-\d+|\.tmp-\d+(-.*)?|\.current-\d+|\.new-\d+-.*)$")
DEFAULT_KEEP = 3


def pid_alive(pid):
    if pid == os.getpid():
        return True
    if WINDOWS:
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return ctypes.windll.kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT
        finally:
            ctypes.windll.kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def current_user():
    try:
        import pwd

        return "%s (uid %d)" % (pwd.getpwuid(os.geteuid()).pw_name, os.geteuid())
    except (ImportError, KeyError, AttributeError):
        import getpass

        return getpass.getuser()


def permission_error(path, what):
    return InstallError("E_PERMISSION", "user %s may not %s %s" % (current_user(), what, path),
                        ["run the installer as a user who owns %s, or give this user write access to it" % path,
                         "an app user can install into a DEST it owns even when the parent directory belongs to root"],
                        path=path, user=current_user())


def os_error(e, context):
    """An OSError from the machine as E_NO_SPACE, E_PERMISSION or E_INSTALL with a next step."""
    path = e.filename or ""
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return InstallError("E_NO_SPACE", "no space left on the device of %s %s; the current release is unchanged" % (path, context),
                            ["free space there (old releases: `python3 DEST/install.py prune DEST`), then run the installer again"], path=path)
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        error = permission_error(path, "write to")
        if context:
            error.message += " (%s)" % context
        return error
    return InstallError("E_INSTALL", "%s%s %s; the current release is unchanged" % (e.strerror or e, " (%s)" % path if path else "", context),
                        ["fix the cause above and run the installer again"])


def atomic_write(path, data, mode=0o644):
    tmp = "%s.new-%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), mode)
    with open(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def read_json(path):
    """A JSON object from `path`, None when the file is absent, {} when it is unreadable."""
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(1 << 20).decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def release_name(bundle):
    """releases/<version>-<first 12 hex digits of the manifest's sha256>."""
    return "%s-%s" % (bundle.version, hashlib.sha256(bundle.manifest_bytes).hexdigest()[:12])


class Site:
    """DEST: releases/<name>/ (never changed once current has pointed at it), current (a symlink
    switched by renaming a new link over it), shared/ (the operator's), bin/, install.py."""

    def __init__(self, dest):
        self.dest = dest
        self.releases_dir = os.path.join(dest, "releases")
        self.shared = os.path.join(dest, "shared")
        self.current_link = os.path.join(dest, "current")
        self.bin = os.path.join(dest, "bin")
        self.lock_dir = os.path.join(dest, LOCK_DIR)

    def meta(self):
        return read_json(os.path.join(self.dest, SITE_FILE))

    def write_meta(self, **fields):
        meta = self.meta() or {}
        meta.update(fields)
        atomic_write(os.path.join(self.dest, SITE_FILE), (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode())

    def classify(self, app_name):
        """absent | empty | site; E_DEST_OCCUPIED for anything that is not an install of app_name.
        Nothing in DEST is ever removed on the strength of this answer but this run's own
        bookkeeping (the lock, .tmp-<pid> dirs)."""
        dest = self.dest
        if os.path.islink(dest):
            raise occupied(dest, "is a symlink (to %s)" % os.path.realpath(dest),
                           ["give the directory it points to as DEST: %s" % os.path.realpath(dest)])
        if not os.path.lexists(dest):
            return "absent"
        if not os.path.isdir(dest):
            raise occupied(dest, "is a file, not a directory")
        try:
            names = [n for n in os.listdir(dest) if not BOOKKEEPING.match(n)]
        except PermissionError:
            raise permission_error(dest, "list")
        if not names:
            return "empty"
        meta = self.meta()
        if meta is None:
            shown = ", ".join(sorted(names)[:4]) + (", ..." if len(names) > 4 else "")
            hints = ["nothing in it was changed or deleted; give an empty or new directory as DEST"]
            if "manifest.json" in names and "venv" in names:
                hints.append("it looks like an install made by an older wheelbarrow installer (venv/ at the top): "
                             "install into a new DEST, move your settings into its shared/, then remove the old one yourself")
            elif "manifest.json" in names:
                hints.append("it holds a manifest.json but is not an installed site: is it an unpacked bundle?")
            raise occupied(dest, "is not empty and is not a wheelbarrow install (it holds %s)" % shown, hints)
        if meta.get("app") != app_name:
            raise occupied(dest, "holds an install of another app (%s)" % meta.get("app", "?"),
                           ["nothing in it was changed or deleted; give another DEST for %s" % app_name])
        return "site"

    def release_path(self, name):
        return os.path.join(self.releases_dir, name)

    def current(self):
        """The release `current` points to, or None."""
        try:
            target = os.readlink(self.current_link).replace("\\", "/").rstrip("/")
        except OSError:
            return None
        name = target.split("/")[-1]
        return name if target in ("releases/" + name, self.release_path(name).replace("\\", "/")) and os.path.isdir(self.release_path(name)) else None

    def releases(self):
        """[(name, release info)] in install order (oldest first)."""
        try:
            names = os.listdir(self.releases_dir)
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            if BOOKKEEPING.match(name) or not os.path.isdir(self.release_path(name)):
                continue
            info = read_json(os.path.join(self.release_path(name), RELEASE_FILE)) or {}
            found.append((name, info))
        return sorted(found, key=lambda item: (item[1].get("seq", 0) if isinstance(item[1].get("seq"), int) else 0, item[0]))

    def switch(self, name):
        """Point current at releases/<name>: a new link renamed over the old one (atomic)."""
        tmp = os.path.join(self.dest, ".current-%d" % os.getpid())
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink("releases/" + name if not WINDOWS else self.release_path(name), tmp, target_is_directory=True)
        with signals_blocked():
            os.replace(tmp, self.current_link)

    def lock_holder(self):
        """The pid in the lock, 0 for a lock without a readable pid, None when there is no lock."""
        try:
            with open(os.path.join(self.lock_dir, "pid")) as f:
                text = f.read().strip()
        except FileNotFoundError:
            return 0 if os.path.isdir(self.lock_dir) else None
        except OSError:
            return 0
        return int(text) if text.isdigit() else 0

    def check_lock(self):
        """E_INSTALL when a live run holds the lock; the pid of a stale lock (removed by the real
        run), or None."""
        pid = self.lock_holder()
        if pid and pid != os.getpid() and pid_alive(pid):
            raise InstallError("E_INSTALL", "another installation into %s is running (pid %d)" % (self.dest, pid),
                               ["wait for it to finish, or if no such process is an installer, remove %s" % self.lock_dir], pid=pid)
        return pid

    def acquire(self, log):
        """Take DEST's lock: a directory holding our pid, renamed into place (atomic)."""
        for _ in range(3):
            stale = self.check_lock()
            if stale is not None:
                log("removing a stale lock left by an interrupted run%s" % (" (pid %d)" % stale if stale else ""))
                shutil.rmtree(self.lock_dir, ignore_errors=True)
            mine = os.path.join(self.dest, ".lock-%d" % os.getpid())
            os.mkdir(mine)
            with open(os.path.join(mine, "pid"), "w") as f:
                f.write("%d\n" % os.getpid())
            try:
                os.rename(mine, self.lock_dir)
                return
            except OSError:
                shutil.rmtree(mine, ignore_errors=True)
        raise InstallError("E_INSTALL", "could not take the lock %s" % self.lock_dir, ["run the installer again"])

    def release_lock(self):
        if self.lock_holder() == os.getpid():
            shutil.rmtree(self.lock_dir, ignore_errors=True)

    def clean_leftovers(self, log):
        """What an interrupted run left (its temp dirs, half-written links); we hold the lock."""
        for folder in (self.dest, self.releases_dir):
            try:
                names = os.listdir(folder)
            except FileNotFoundError:
                continue
            for name in sorted(names):
                match = re.match(r"^\.(tmp|current|lock|new)-(\d+)", name)
                if not match or name == LOCK_DIR or int(match.group(2)) == os.getpid() and match.group(1) != "tmp":
                    continue
                if match.group(1) == "lock" and pid_alive(int(match.group(2))):
                    continue
                path = os.path.join(folder, name)
                log("removing %s, left by an interrupted run (pid %s)" % (path, match.group(2)))
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
        for folder in (self.bin, self.dest):
            for name in os.listdir(folder) if os.path.isdir(folder) else []:
                if re.match(r"^.+\.new-\d+$", name):
                    os.unlink(os.path.join(folder, name))


def occupied(dest, what, hints=()):
    return InstallError("E_DEST_OCCUPIED", "%s %s; refusing to install there" % (dest, what),
                        list(hints) or ["nothing in it was changed or deleted; choose another DEST"], dest=dest)


# --- verify: drift of an installed release ---------------------------------------------------


def file_digest(path, algo):
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.digest()


def check_entry(path, algo, digest, size):
    """None if the file at `path` has this hash and size, else "missing" or "changed"."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "changed"
    if not stat.S_ISREG(st.st_mode) or size is not None and st.st_size != size:
        return "changed"
    return None if file_digest(path, algo) == _b64(digest) else "changed"


def walk_files(top, skip_links=()):
    """Every file and symlink under `top` (relative, `/`-separated), skipping __pycache__."""
    out = []
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not os.path.islink(os.path.join(folder, d))]
        links = [d for d in os.listdir(folder) if os.path.islink(os.path.join(folder, d)) and d not in names]
        for name in names + links:
            rel = os.path.relpath(os.path.join(folder, name), top).replace(os.sep, "/")
            if rel not in skip_links:
                out.append(rel)
    return out


def verify_release(release_dir):
    """{"packages": {name: {"missing": [...], "changed": [...], "unexpected": [...]}}, "app": {...},
    "release": [problems]} with only what differs from the RECORDs and the manifest."""
    drift = {"packages": {}, "app": {}, "release": []}
    info = read_json(os.path.join(release_dir, RELEASE_FILE))
    manifest = read_json(os.path.join(release_dir, "manifest.json"))
    if not info or not manifest:
        drift["release"].append("%s or manifest.json is missing or unreadable" % RELEASE_FILE)
        return drift

    def note(where, key, kind, path):
        drift[where].setdefault(key, {}).setdefault(kind, []).append(path)

    wanted = {canonical_name(p.get("name", "")): p for p in manifest.get("packages", []) if isinstance(p, dict)}
    found = set()
    # Top-level directories are shared between packages (two single-module packages both list
    # files in __pycache__/), so a file is unexpected only when no package's RECORD lists it.
    listed, walks = set(), []
    for key in ("site_packages", "platlib"):
        base = os.path.join(release_dir, *str(info.get(key, "")).split("/"))
        if key == "platlib" and info.get("platlib") == info.get("site_packages") or not os.path.isdir(base):
            continue
        for dist_info in sorted(n for n in os.listdir(base) if n.endswith(".dist-info")):
            name = canonical_name(dist_info[:-len(".dist-info")].rpartition("-")[0])
            found.add(name)
            record_path = os.path.join(base, dist_info, "RECORD")
            try:
                with open(record_path, encoding="utf-8") as f:
                    record = parse_record(f.read(), dist_info)
            except (OSError, UnicodeDecodeError, InstallError):
                note("packages", name, "changed", dist_info + "/RECORD")
                continue
            tops = set()
            for rel, (algo, digest, size) in sorted(record.items()):
                full = os.path.normpath(os.path.join(base, *rel.split("/")))
                listed.add(full)
                if not rel.startswith("../"):
                    tops.add(rel.split("/")[0])
                if algo:
                    problem = check_entry(full, algo, digest, size)
                    if problem:
                        note("packages", name, problem, rel)
            walks.append((name, base, tops))
    for name, base, tops in walks:
        for top in sorted(tops):
            top_path = os.path.join(base, top)
            if os.path.isdir(top_path) and not os.path.islink(top_path):
                for rel in walk_files(top_path):
                    full = os.path.normpath(os.path.join(top_path, rel))
                    if full not in listed:
                        listed.add(full)  # reported once, under the first package that shares the directory
                        note("packages", name, "unexpected", top + "/" + rel)
    for name in sorted(set(wanted) - found):
        note("packages", name, "missing", "%s (no .dist-info)" % name)
    state = [s for s in info.get("state", []) if isinstance(s, str)]
    app_dir = os.path.join(release_dir, "app")
    app_files = {f["path"][len("app/"):]: f for f in manifest.get("files", []) if isinstance(f, dict) and str(f.get("path", "")).startswith("app/")}
    for rel, f in sorted(app_files.items()):
        if state_root(rel, state):
            continue
        problem = check_entry(os.path.join(app_dir, *rel.split("/")), "sha256", record_digest(bytes.fromhex(f.get("sha256", ""))), f.get("size"))
        if problem:
            note("app", "app", problem, rel)
    if os.path.isdir(app_dir):
        links = {s.rstrip("/") for s in state}
        for rel in walk_files(app_dir, links):
            if rel not in app_files and not state_root(rel, state):
                note("app", "app", "unexpected", rel)
    for s in state:
        link = os.path.join(app_dir, *s.rstrip("/").split("/"))
        if not os.path.islink(link):
            note("app", "app", "changed", "%s (no longer a link into shared/)" % s.rstrip("/"))
    return drift


def drift_lines(drift):
    lines = list(drift["release"])
    for where in ("packages", "app"):
        for key, kinds in sorted(drift[where].items()):
            for kind in ("missing", "changed", "unexpected"):
                for path in kinds.get(kind, []):
                    lines.append("%s: %s %s" % ("app/" if where == "app" else key, kind, path))
    return lines


def drift_error(site, name, drift, repair_hint=True):
    lines = drift_lines(drift)
    hints = ["this machine's copy differs from what was installed: %s" % "; ".join(lines[:5]) + (" (and %d more)" % (len(lines) - 5) if len(lines) > 5 else "")]
    if repair_hint:
        hints.append("run the same bundle's installer again with --repair to reinstall release %s" % name)
    return InstallError("E_DRIFT", "release %s in %s has drifted from its RECORDs and manifest (%d differences)" % (name, site.dest, len(lines)),
                        hints, drift=drift, release=name)


# --- building one release --------------------------------------------------------------------


def worker_count():
    if os.environ.get("WHEELBARROW_JOBS", "").isdigit():
        return max(1, int(os.environ["WHEELBARROW_JOBS"]))
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class Installer:
    """Builds one release of a bundle in a temp dir inside DEST whose final name is `final`
    (DEST/releases/<name>); `dest` is DEST (for the launcher's shared/.env and bin/ paths)."""

    def __init__(self, bundle, dest, final, compile_, log):
        self.bundle, self.dest, self.final, self.compile, self.log = bundle, dest, final, compile_, log
        self.jobs = worker_count()
        self.umask = current_umask()

    def final_path(self, tmp_root, path):
        return self.final + path[len(tmp_root):]

    def build(self, tmp, seq):
        """Everything of the release inside `tmp`; returns its release info (RELEASE_FILE)."""
        modules = self._count_modules() if self.compile else 0
        compiler = Compiler(self.jobs if modules >= 200 else 1) if self.compile else None
        try:
            return self._build(tmp, compiler, seq)
        finally:
            if compiler:
                compiler.close()

    def _count_modules(self):
        count = 0
        for package in self.bundle.packages:
            try:
                with zipfile.ZipFile(self.bundle.local(package["path"])) as z:
                    count += sum(1 for name in z.namelist() if name.endswith(".py"))
            except (zipfile.BadZipFile, OSError):
                pass  # reported properly when the wheel is installed
        return count

    def _build(self, tmp, compiler, seq):
        bundle = self.bundle
        tmp_venv = os.path.join(tmp, "venv")
        self.log("creating the venv with %s" % sys.executable)
        python_tmp, schemes_tmp = create_venv(tmp_venv, os.path.join(self.final, "venv"), bundle.name)
        python = self.final_path(tmp, python_tmp)
        cancel = threading.Event()
        dest = VenvDestination(schemes_tmp, python, cancel)
        self.log("installing %d packages%s" % (len(bundle.packages), " and compiling their bytecode" if compiler else ""))

        def compile_(paths):
            if compiler and paths:
                compiler.submit([(p, self.final_path(tmp, p)) for p in paths])

        dists = self._install_wheels(dest, cancel, lambda dist: compile_(dist.sources))
        for path, digest, owner in dest.collisions:
            if file_digest(path, "sha256") != digest:
                rel = os.path.relpath(path, tmp).replace(os.sep, "/")
                raise InstallError("E_INSTALL", "%s and %s both install %s with different contents" % (dest.owners.get(path), owner, rel),
                                   ["the bundle's packages conflict: remove one of them from the requirements and rebuild the bundle"])
        app_dir = os.path.join(tmp, "app")
        if bundle.app_files or bundle.state:
            os.mkdir(app_dir)
            compile_(copy_app(bundle, app_dir, self.umask))
            link_state(bundle, app_dir)
        if bundle.entry:
            os.mkdir(os.path.join(tmp, "bin"))
            text = release_launcher_text(bundle, python, self.final, self.dest)
            fd = os.open(os.path.join(tmp, "bin", bundle.name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o777)
            with open(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        write_records(dists, compiler.results() if compiler else {})
        if not WINDOWS and not any(canonical_name(p["name"]) == "pip" for p in bundle.packages):
            write_pip_stubs(schemes_tmp["scripts"], self.dest)
        with open(os.path.join(tmp, "manifest.json"), "wb") as f:
            f.write(bundle.manifest_bytes)

        def rel(path):
            return os.path.relpath(path, tmp).replace(os.sep, "/")

        info = {"name": os.path.basename(self.final), "app": bundle.name, "version": bundle.version,
                "bundle_id": hashlib.sha256(bundle.manifest_bytes).hexdigest(), "seq": seq,
                "installed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "installed_with": sys.executable,
                "python": rel(python_tmp), "site_packages": rel(schemes_tmp["purelib"]), "platlib": rel(schemes_tmp["platlib"]),
                "scripts": rel(schemes_tmp["scripts"]), "app_dir": bool(bundle.app_files or bundle.state), "entry": bundle.entry,
                "state": bundle.state, "packages": [{"name": p["name"], "version": p["version"]} for p in bundle.packages]}
        with open(os.path.join(tmp, RELEASE_FILE), "w", encoding="utf-8") as f:
            f.write(json.dumps(info, indent=2, sort_keys=True) + "\n")
        return info

    def _install_wheels(self, dest, cancel, on_done):
        """Install every wheel, several at a time; `on_done(dist)` runs in this thread as each ends."""
        bundle = self.bundle

        def one(package):
            source = WheelSource(bundle.local(package["path"]), package["filename"])
            try:
                return install_wheel(source, dest, package)
            except (zipfile.BadZipFile, zlib.error, EOFError) as e:
                raise bundle_error("%s is damaged: %s" % (package["filename"], e))
            finally:
                source.close()

        pool = futures.ThreadPoolExecutor(self.jobs)
        jobs = [pool.submit(one, p) for p in bundle.packages]
        pending, failed = set(jobs), False
        try:
            while pending and not failed:
                done, pending = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
                for job in done:
                    failed = failed or job.exception() is not None
                    if job.exception() is None:
                        on_done(job.result())
        except BaseException:
            failed = True
            raise
        finally:
            if failed:
                cancel.set()
            for j in jobs:
                j.cancel()
            pool.shutdown(wait=True)
        for j in jobs:  # the first failure in manifest order, not whichever thread lost the race
            error = None if j.cancelled() else j.exception()
            if error and not isinstance(error, Cancelled):
                raise error
        return [j.result() for j in jobs]


def check_interpreter(bundle, machine):
    """E_TARGET_MISMATCH unless `machine` fits the bundle's target: what it has, what the bundle
    needs, and a python on PATH that fits (or what to install)."""
    target, wheel_files = bundle.target, [p["filename"] for p in bundle.packages]
    problems = target_problems(machine, target, wheel_files)
    if not problems:
        return
    want = target["python"]
    minor = ".".join(want.split(".")[:2])
    impl = {"cpython": "CPython", "pypy": "PyPy"}.get(target.get("implementation") or "cpython", target.get("implementation"))
    hints = ["this machine has: %s" % machine.describe(),
             "the bundle needs: %s %s%s on %s" % (impl, want, " free-threaded" if target.get("freeThreaded") else "", target["platform"])]
    fit = find_fitting_python(target, wheel_files)
    if fit:
        hints.append("%s fits: run ./install.sh --python %s" % (fit, fit))
    else:
        own = [p for p in machine.platforms if not p.startswith("linux_")] or machine.platforms
        hints.append("no python on PATH fits: install %s %s (python%s), or build a bundle for this machine: "
                     "wheelbarrow bundle --target %s@%d.%d" % (impl, want, minor, own[0], machine.version[0], machine.version[1]))
    if machine.version[:2] > tuple(int(x) for x in minor.split(".")):
        hints.append("a newer Python is refused even for pure-Python bundles: compiled (cp%s) wheels do not load on another "
                     "minor version, and the lock was resolved for %s" % (minor.replace(".", ""), want))
    raise InstallError("E_TARGET_MISMATCH", "%s does not fit this bundle's target %s@%s: %s" % (sys.executable, target["platform"], want, "; ".join(problems)),
                       hints, machine=machine.to_json(), target=target, problems=problems)


def space_needed(bundle, compile_):
    """Bytes a new release takes, from the wheels' directories (each file rounded up to 4 KiB),
    bytecode as large as the sources, and 1 MiB for the venv itself."""
    def block(n):
        return (n + 4095) // 4096 * 4096

    total = 1 << 20
    for package in bundle.packages:
        try:
            with zipfile.ZipFile(bundle.local(package["path"])) as z:
                for info in z.infolist():
                    total += block(info.file_size)
                    if compile_ and info.filename.endswith(".py"):
                        total += block(info.file_size)
        except (zipfile.BadZipFile, OSError):
            pass  # reported when the wheel is installed
    return total + sum(block(f["size"]) for f in bundle.app_files)


def predicted_info(bundle, name):
    """The release info a new release will have (for --check), from this interpreter's sysconfig."""
    venv_dir = "/venv-root"
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else ("nt" if WINDOWS else "posix_prefix")
    paths = sysconfig.get_paths(scheme, vars={"base": venv_dir, "platbase": venv_dir, "installed_base": venv_dir, "installed_platbase": venv_dir})

    def rel(path):
        return "venv" + path.replace("\\", "/")[len(venv_dir):]

    return {"name": name, "version": bundle.version, "python": rel(os.path.join(paths["scripts"], "python.exe" if WINDOWS else "python")),
            "site_packages": rel(paths["purelib"]), "platlib": rel(paths["platlib"]), "scripts": rel(paths["scripts"]),
            "app_dir": bool(bundle.app_files or bundle.state), "entry": bundle.entry, "app": bundle.name}


def site_paths(site, info):
    """--json's paths: stable ones through DEST/current (they follow upgrades and rollbacks)."""
    cur = site.current_link

    def under(rel):
        return os.path.join(cur, *rel.split("/"))

    launcher = os.path.join(site.bin, info["app"] + (".cmd" if WINDOWS else "")) if info.get("entry") else None
    return {"dest": site.dest, "current": cur, "venv": os.path.join(cur, "venv"), "python": under(info["python"]),
            "site_packages": under(info["site_packages"]), "app": os.path.join(cur, "app") if info.get("app_dir") else None,
            "bin": launcher, "shared": site.shared}


def make_report(site, action, previous, current, info, bundle=None, **extra):
    out = {"ok": True, "action": action, "previous": previous, "current": current, "paths": site_paths(site, info) if info else None,
           "release": site.release_path(current) if current else None}
    if bundle is not None:
        out["bundle"] = {"name": bundle.name, "version": bundle.version, "target": "%s@%s" % (bundle.target["platform"], bundle.target["python"])}
        out["packages"] = [{"name": p["name"], "version": p["version"], "requested": p["requested"]} for p in bundle.packages]
    out.update(extra)
    return out


def plan_install(bundle, site, args):
    """What the run will do, decided the same way for --check and the real run: the DEST state,
    the release name, and `would` (install | upgrade | switch | nothing | repair); raises what the
    real run would raise (E_DEST_OCCUPIED, E_PERMISSION, E_NO_SPACE, E_DRIFT, a live lock)."""
    if os.path.realpath(site.dest) == os.path.realpath(bundle.root):
        raise occupied(site.dest, "is the unpacked bundle itself", ["give another directory as DEST, e.g. /srv/%s" % bundle.name])
    state = site.classify(bundle.name)
    name = release_name(bundle)
    parent = os.path.dirname(site.dest)
    if state == "absent":
        if not os.path.isdir(parent):
            raise InstallError("E_INSTALL", "the parent directory %s of DEST does not exist" % parent, ["create it first: mkdir -p %s" % sh_quote(parent)])
        if not os.access(parent, os.W_OK | os.X_OK):
            raise permission_error(parent, "create %s in" % os.path.basename(site.dest))
    else:
        for path in (site.dest, site.releases_dir, site.bin, site.shared):
            if os.path.isdir(path) and not os.access(path, os.W_OK | os.X_OK):
                raise permission_error(path, "write to")
    stale = site.check_lock() if state == "site" or state == "empty" else None
    plan = {"state": state, "name": name, "stale_lock": stale, "drift": None, "previous": site.current() if state == "site" else None}
    repair = args.repair or args.force
    if state == "site" and os.path.isdir(site.release_path(name)):
        drift = verify_release(site.release_path(name))
        plan["drift"] = drift
        if drift_lines(drift) and not repair:
            raise drift_error(site, name, drift)
        plan["would"] = "repair" if repair else "nothing" if plan["previous"] == name else "switch"
    else:
        plan["would"] = "upgrade" if plan["previous"] else "install"
    if plan["would"] in ("install", "upgrade", "repair"):
        needed = space_needed(bundle, args.compile)
        free = shutil.disk_usage(site.dest if state != "absent" else parent).free
        plan["space"] = {"needed": needed, "free": free}
        if needed > free:
            raise InstallError("E_NO_SPACE", "%s needs about %.1f MB for release %s and its filesystem has %.1f MB free" % (site.dest, needed / 1e6, name, free / 1e6),
                               ["free space there (old releases: `python3 %s prune %s`), or choose another DEST" % (os.path.join(site.dest, "install.py"), site.dest)],
                               path=site.dest, needed=needed, free=free)
    return plan


def install_site_files(site, bundle):
    """bin/<name> (the stable launcher) and DEST/install.py (this file), each written atomically."""
    if bundle.entry:
        os.makedirs(site.bin, exist_ok=True)
        if WINDOWS:
            atomic_write(os.path.join(site.bin, bundle.name + ".cmd"), site_launcher_cmd(bundle.name, site.dest).encode("utf-8"))
        else:
            atomic_write(os.path.join(site.bin, bundle.name), site_launcher_text(bundle.name, site.dest).encode("utf-8"), 0o777 & ~current_umask())
    with open(os.path.abspath(__file__), "rb") as f:
        atomic_write(os.path.join(site.dest, "install.py"), f.read(), 0o777 & ~current_umask())


# --- authenticity: SHA256SUMS.sig checked with ssh-keygen (--allowed-signers) -----------------


def authenticate(bundle, allowed, identity, log):
    """--allowed-signers FILE: SHA256SUMS.sig must pass `ssh-keygen -Y verify -n wheelbarrow` for a
    key of FILE (for --identity, or else for the principal `ssh-keygen -Y find-principals` names),
    and the signed SHA256SUMS must list manifest.json as read here and every file the manifest
    lists with the same sha256. Bundle.verify then checks the files against the manifest, so every
    installed byte is covered by the signature. Returns the principal."""
    def sig_error(message, *hints):
        return InstallError("E_SIGNATURE", message, list(hints) or ["do not install this bundle; fetch it again from the builder and check it"])

    allowed = os.path.abspath(allowed)
    sums_path, sig_path = bundle.local("SHA256SUMS"), bundle.local("SHA256SUMS.sig")
    if not os.path.isfile(allowed):
        raise sig_error("--allowed-signers %s is not a file" % allowed, "give the allowed_signers file that lists the builder's public key")
    if not os.path.isfile(sig_path):
        raise sig_error("the bundle is not signed (it has no SHA256SUMS.sig), and --allowed-signers requires a signature",
                        "ask for a signed bundle (wheelbarrow bundle --sign-key KEY), or install without --allowed-signers if you trust its source")
    keygen = shutil.which("ssh-keygen")
    if not keygen:
        raise sig_error("ssh-keygen is not on PATH; it is needed to check SHA256SUMS.sig",
                        "install the OpenSSH client (Debian/Ubuntu: openssh-client; Windows 10+: the OpenSSH Client feature)")
    try:
        with open(sums_path, "rb") as f:
            sums_bytes = f.read()
    except OSError:
        raise sig_error("the bundle has SHA256SUMS.sig but no readable SHA256SUMS")

    def keygen_run(args):
        proc = subprocess.run([keygen, "-Y"] + args, input=sums_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return proc.returncode, proc.stdout.decode("utf-8", "replace").strip(), proc.stderr.decode("utf-8", "replace").strip()

    if identity is None:
        code, out, err = keygen_run(["find-principals", "-s", sig_path, "-f", allowed])
        names = [n for line in out.splitlines() for n in line.split(",") if n and not any(c in n for c in "*?!")]
        if code != 0 or not names:
            raise sig_error("SHA256SUMS.sig is not signed by a key of %s" % allowed,
                            "ssh-keygen says: %s" % (err or "no principal matched"),
                            "do not install this bundle; fetch it again from the builder and check it")
        identity = names[0]
    code, out, err = keygen_run(["verify", "-f", allowed, "-I", identity, "-n", "wheelbarrow", "-s", sig_path])
    if code != 0:
        raise sig_error("SHA256SUMS.sig does not verify for %s with %s" % (identity, allowed),
                        "ssh-keygen says: %s" % (err or out or "verification failed"),
                        "do not install this bundle; fetch it again from the builder and check it")
    sums = {}
    for line in sums_bytes.decode("utf-8", "replace").splitlines():
        m = re.match(r"^([0-9a-f]{64}) [ *](.+)$", line)
        if not m:
            raise sig_error("the signed SHA256SUMS has a line that is not '<sha256>  <path>': %r" % line[:120])
        sums[m.group(2)] = m.group(1)
    if sums.get("manifest.json") != hashlib.sha256(bundle.manifest_bytes).hexdigest():
        raise sig_error("manifest.json is not the one the signed SHA256SUMS lists: it was altered after signing")
    for entry in bundle.packages + bundle.files:
        if sums.get(entry["path"]) != entry["sha256"]:
            raise sig_error("%s: manifest.json and the signed SHA256SUMS disagree: the bundle was altered after signing" % entry["path"])
    log("SHA256SUMS.sig: good signature for %s (allowed signers %s)" % (identity, allowed))
    return identity


def run_install(args, log):
    """The whole install (or --check): returns (report, one-line summary)."""
    bundle = Bundle(os.path.dirname(os.path.abspath(__file__)))
    if args.identity and not args.allowed_signers:
        raise InstallError("E_USAGE", "--identity needs --allowed-signers FILE", ["./install.sh --allowed-signers allowed_signers --identity release@example.org"])
    if args.allowed_signers:
        authenticate(bundle, args.allowed_signers, args.identity, log)
    else:
        log("note: the bundle was not authenticated (no --allowed-signers): its checks prove only that it agrees with itself")
    site = Site(os.path.abspath(args.dest or bundle.name))
    machine = Machine()
    check_interpreter(bundle, machine)
    target_text = "%s@%s" % (bundle.target["platform"], bundle.target["python"])
    log("python %s (%s) fits %s" % (sys.executable, machine.describe(), target_text))
    count, size = bundle.verify(worker_count())
    log("verified %d files (%.1f MB) of %s %s" % (count, size / 1e6, bundle.name, bundle.version))
    plan = plan_install(bundle, site, args)
    name, previous, would = plan["name"], plan["previous"], plan["would"]
    if args.check:
        text = {"install": "would install release %s into %s" % (name, site.dest),
                "upgrade": "would install release %s beside %s in %s and switch current to it" % (name, previous, site.dest),
                "switch": "release %s is intact in %s: would switch current to it from %s" % (name, site.dest, previous),
                "repair": "would reinstall release %s in %s" % (name, site.dest),
                "nothing": "%s already runs this bundle, intact: nothing to do" % site.dest}[would]
        if plan["stale_lock"] is not None:
            text += " (after removing a stale lock left by an interrupted run)"
        info = predicted_info(bundle, name) if would in ("install", "upgrade") else read_json(os.path.join(site.release_path(name), RELEASE_FILE))
        summary = "checked %s %s for %s: the bundle is intact and this python fits; %s" % (bundle.name, bundle.version, target_text, text)
        return make_report(site, "checked", previous, name, info, bundle, would=would, space=plan.get("space"), stale_lock=plan["stale_lock"]), summary
    if would == "nothing":
        info = read_json(os.path.join(site.release_path(name), RELEASE_FILE))
        return make_report(site, "unchanged", previous, name, info, bundle), "%s %s is installed and intact in %s; nothing to do" % (bundle.name, bundle.version, site.dest)
    if plan["state"] == "absent":
        try:
            os.mkdir(site.dest)
        except FileExistsError:
            pass
    site.acquire(log)
    tmp = os.path.join(site.dest, ".tmp-%d" % os.getpid())
    try:
        site.write_meta(app=bundle.name)
        site.clean_leftovers(log)
        for folder in (site.releases_dir, site.shared):
            if not os.path.isdir(folder):
                os.mkdir(folder)
        final = site.release_path(name)
        if would in ("install", "upgrade", "repair"):
            seq = max([i.get("seq", 0) for _, i in site.releases() if isinstance(i.get("seq"), int)] + [0]) + 1
            os.mkdir(tmp)
            info = Installer(bundle, site.dest, final, args.compile, log).build(tmp, seq)
            drift = verify_release(tmp)
            if drift_lines(drift):
                raise InstallError("E_INSTALL", "the new release does not verify after it was built: %s" % "; ".join(drift_lines(drift)[:3]),
                                   ["this is unexpected: is another process writing to %s?" % site.dest])
            with signals_blocked():
                if os.path.isdir(final):  # --repair: the damaged copy goes, the rebuilt one takes its place
                    os.rename(final, tmp + "-old")
                os.rename(tmp, final)
            shutil.rmtree(tmp + "-old", ignore_errors=True)
        info = read_json(os.path.join(final, RELEASE_FILE))
        seed_state(bundle, site.shared, log)
        install_site_files(site, bundle)
        if previous != name:
            site.switch(name)
            site.write_meta(app=bundle.name, current=name, previous=previous)
    except BaseException as e:
        with signals_blocked():
            for path in (tmp, tmp + "-old"):
                if os.path.lexists(path):
                    shutil.rmtree(path, ignore_errors=True)
            site.release_lock()
        if isinstance(e, OSError):
            raise os_error(e, "while installing release %s into %s" % (name, site.dest))
        raise
    site.release_lock()
    if would == "repair":
        action, summary = "repaired", "repaired release %s of %s in %s" % (name, bundle.name, site.dest)
    elif would == "switch":
        older = (read_json(os.path.join(site.release_path(previous), RELEASE_FILE)) or {}).get("seq", 0) > info.get("seq", 0) if previous else False
        action = "rolled-back" if older else "upgraded"
        summary = "switched %s in %s from %s to the already installed, intact release %s" % (bundle.name, site.dest, previous, name)
    elif previous:
        action, summary = "upgraded", "upgraded %s in %s from %s to %s (restart its services to run it)" % (bundle.name, site.dest, previous, name)
    else:
        action, summary = "installed", "installed %s %s in %s (release %s)" % (bundle.name, bundle.version, site.dest, name)
    return make_report(site, action, previous, name, info, bundle, compiled=args.compile), summary


# --- the commands on an installed site -------------------------------------------------------


def open_site(args):
    """The site named by the command's DEST (default: the directory of this install.py)."""
    dest = os.path.abspath(args.dest or os.path.dirname(os.path.abspath(__file__)))
    site = Site(dest)
    meta = site.meta() if os.path.isdir(dest) and not os.path.islink(dest) else None
    if not meta or not isinstance(meta.get("app"), str):
        raise InstallError("E_USAGE", "%s is not a wheelbarrow install (no %s)" % (dest, SITE_FILE),
                           ["give the install directory: python3 install.py %s DEST" % args.command])
    return site, meta["app"]


def release_rows(site):
    current = site.current()
    previous = (site.meta() or {}).get("previous")
    rows = []
    for name, info in site.releases():
        rows.append({"name": name, "version": info.get("version"), "installed_at": info.get("installed_at"),
                     "current": name == current, "previous": name == previous and name != current,
                     "packages": info.get("packages", []), "path": site.release_path(name)})
    return rows


def cmd_releases(args, log):
    site, app = open_site(args)
    rows = release_rows(site)
    current = site.current()
    info = read_json(os.path.join(site.release_path(current), RELEASE_FILE)) if current else None
    report = make_report(site, "listed", (site.meta() or {}).get("previous"), current, info, releases=rows)
    lines = ["%s in %s: %d release%s" % (app, site.dest, len(rows), "" if len(rows) == 1 else "s")]
    for row in rows:
        mark = "current" if row["current"] else "previous" if row["previous"] else ""
        lines.append("  %-9s %s  (installed %s, %d packages)" % (mark, row["name"], row["installed_at"], len(row["packages"])))
    if current:
        lines.append("the packages of each release: python3 %s releases %s --json (and %s list when the bundle was built with --with-pip)" % (
            os.path.join(site.dest, "install.py"), site.dest, os.path.join(site.current_link, "venv", "bin", "pip")))
    return report, "\n".join(lines)


def cmd_verify(args, log):
    site, app = open_site(args)
    name = args.release or site.current()
    if not name or not os.path.isdir(site.release_path(name)):
        raise InstallError("E_USAGE", "%s has no release %s" % (site.dest, name or "(current)"), ["list them: python3 install.py releases %s" % site.dest])
    drift = verify_release(site.release_path(name))
    if drift_lines(drift):
        raise drift_error(site, name, drift)
    info = read_json(os.path.join(site.release_path(name), RELEASE_FILE))
    return make_report(site, "verified", None, name, info, drift=drift), "release %s of %s in %s is intact" % (name, app, site.dest)


def cmd_rollback(args, log):
    site, app = open_site(args)
    current, rows = site.current(), release_rows(site)
    if args.to:
        matches = [r for r in rows if args.to in (r["name"], r["version"])]
        if not matches:
            raise InstallError("E_USAGE", "%s has no release %s" % (site.dest, args.to),
                               ["installed releases: %s" % (", ".join(r["name"] for r in rows) or "none")])
        target = matches[-1]["name"]
    else:
        previous = (site.meta() or {}).get("previous")
        older = [r["name"] for r in rows if r["name"] != current]
        target = previous if previous in [r["name"] for r in rows] and previous != current else (older[-1] if older else None)
        if not target:
            raise InstallError("E_USAGE", "%s has no release to roll back to" % site.dest, ["installed releases: %s" % ", ".join(r["name"] for r in rows)])
    drift = verify_release(site.release_path(target))
    if drift_lines(drift):
        raise drift_error(site, target, drift, repair_hint=False)
    if target != current:
        site.acquire(log)
        try:
            site.switch(target)
            site.write_meta(current=target, previous=current)
        finally:
            site.release_lock()
    info = read_json(os.path.join(site.release_path(target), RELEASE_FILE))
    return make_report(site, "rolled-back", current, target, info), "rolled %s in %s back to %s (from %s); restart its services" % (app, site.dest, target, current)


def cmd_prune(args, log):
    site, app = open_site(args)
    if args.keep < 1:
        raise InstallError("E_USAGE", "--keep must be at least 1, got %d" % args.keep)
    current = site.current()
    previous = (site.meta() or {}).get("previous")
    names = [n for n, _ in site.releases()]
    keep = set(names[-args.keep:]) | {current, previous}
    removed = []
    site.acquire(log)
    try:
        for name in names:
            if name in keep:
                continue
            aside = os.path.join(site.dest, ".tmp-%d-%s" % (os.getpid(), name))
            os.rename(site.release_path(name), aside)
            shutil.rmtree(aside)
            removed.append(name)
            log("removed release %s" % name)
    finally:
        site.release_lock()
    info = read_json(os.path.join(site.release_path(current), RELEASE_FILE)) if current else None
    return (make_report(site, "pruned", previous, current, info, removed=removed, kept=[n for n in names if n not in removed]),
            "pruned %d release%s of %s in %s; kept %s" % (len(removed), "" if len(removed) == 1 else "s", app, site.dest, ", ".join(n for n in names if n not in removed)))


def cmd_unit(args, log):
    site, app = open_site(args)
    current = site.current()
    info = read_json(os.path.join(site.release_path(current), RELEASE_FILE)) if current else None
    if not info or not info.get("entry"):
        raise InstallError("E_USAGE", "the current release of %s has no entry point, so there is nothing for a service to run" % site.dest)
    if args.user is not None and not re.match(r"^[a-z_][a-z0-9_.-]*[$]?$", args.user, re.I):
        raise InstallError("E_USAGE", "--user %r is not a user name" % args.user)
    text = systemd_unit_text(app, current, site.dest, args.user)
    return make_report(site, "unit", None, current, info, unit=text), text.rstrip("\n")


COMMANDS = {"releases": cmd_releases, "verify": cmd_verify, "rollback": cmd_rollback, "prune": cmd_prune, "unit": cmd_unit}


# --- the command line ------------------------------------------------------------------------

TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text):
    """Text for the terminal: control characters (ESC, CSI, OSC, BEL, CR...) and bidi overrides
    from a manifest, a wheel or a file name are shown as \\xNN / \\uNNNN, never sent raw."""
    return TERMINAL_UNSAFE.sub(lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 0x100 else "\\u%04x" % ord(m.group()), text)


def human_summary(report, headline):
    lines = [headline]
    paths = report.get("paths") or {}
    if report["action"] not in ("listed", "unit", "pruned"):
        for key, label in (("bin", "run"), ("current", "current"), ("venv", "venv"), ("python", "python"), ("site_packages", "site-packages"),
                           ("app", "app"), ("shared", "shared")):
            if paths.get(key):
                lines.append("  %-14s %s" % (label + ":", paths[key]))
    return "\n".join(lines) + "\n"


class ArgParser(argparse.ArgumentParser):
    def error(self, message):
        raise InstallError("E_USAGE", message, [self.format_usage().strip()])


def parse_args(argv):
    if argv and argv[0] in COMMANDS:
        command, rest = argv[0], argv[1:]
        p = ArgParser(prog="install.py %s" % command, description="Act on an installed site (default DEST: this file's directory).")
        p.add_argument("dest", nargs="?", metavar="DEST")
        p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
        if command == "verify":
            p.add_argument("--release", metavar="NAME", help="verify this release instead of the current one")
        if command == "rollback":
            p.add_argument("--to", metavar="VERSION", help="the release (version or releases/ name) to switch to")
        if command == "prune":
            p.add_argument("--keep", type=int, default=DEFAULT_KEEP, metavar="N", help="keep the newest N releases (default %d)" % DEFAULT_KEEP)
        if command == "unit":
            p.add_argument("--user", metavar="USER", help="the service's User=")
        args = p.parse_args(rest)
        args.command, args.python, args.describe_interpreter = command, None, False
        return args
    p = ArgParser(prog="install.py", description="Install this wheelbarrow bundle into DEST (default ./<name>) with this python, offline. "
                  "Commands on an installed DEST: %s." % ", ".join(sorted(COMMANDS)))
    p.add_argument("dest", nargs="?", metavar="DEST", help="where to install (default: ./<app name>)")
    p.add_argument("--python", metavar="PATH", help="run the install with this python instead")
    p.add_argument("--check", action="store_true", help="verify the bundle, this python and DEST; change nothing; say what the run would do")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="do not compile bytecode")
    p.add_argument("--repair", action="store_true", help="reinstall this bundle's release when it has drifted")
    p.add_argument("--force", action="store_true", help="the same as --repair (nothing else is ever replaced or deleted)")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    p.add_argument("--describe-interpreter", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--allowed-signers", metavar="FILE", help="refuse to install unless SHA256SUMS.sig verifies (ssh-keygen) for a key of this allowed_signers file")
    p.add_argument("--identity", metavar="PRINCIPAL", help="with --allowed-signers: the principal the signature must be for")
    args = p.parse_args(argv)
    args.command = "install"
    return args


def reexec(python, argv):
    """--python PATH: run this same file with another interpreter (unless it is this one)."""
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise InstallError("E_USAGE", "--python %s is not an executable file" % python)
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return None
    rest, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--python":
            skip = True
        elif not a.startswith("--python="):
            rest.append(a)
    sys.stdout.flush()
    command = [python, os.path.abspath(__file__)] + rest
    if WINDOWS:
        return subprocess.call(command)
    os.execv(python, command)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv
    try:
        for s in STOP_SIGNALS[1:]:
            if signal.getsignal(s) is not signal.SIG_IGN:  # keep nohup's SIGHUP ignored
                signal.signal(s, _raise_interrupted)
        args = parse_args(argv)
        if args.describe_interpreter:
            print(json.dumps(Machine().to_json()))
            return 0
        if args.python:
            code = reexec(args.python, argv)
            if code is not None:
                return code

        def log(message):
            if not args.json:
                sys.stderr.write(terminal_safe("wheelbarrow: %s" % message) + "\n")

        report, headline = (COMMANDS[args.command] if args.command in COMMANDS else run_install)(args, log)
        sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else terminal_safe(human_summary(report, headline)))
        return 0
    except InstallError as e:
        return fail(e, as_json)
    except (KeyboardInterrupt, Interrupted) as e:
        name = e.args[0] if isinstance(e, Interrupted) and e.args else "SIGINT"
        return fail(InstallError("E_INSTALL", "interrupted by %s; nothing was installed and the current release is unchanged" % name), as_json)
    except OSError as e:
        return fail(os_error(e, ""), as_json)
    except Exception as e:  # a bug in this file
        import traceback

        sys.stderr.write(terminal_safe(traceback.format_exc()))
        sys.stderr.write("error: internal error (a bug) in install.py: %s: %s\nhint: please report it with the traceback above; "
                         "the current release is unchanged\n" % (type(e).__name__, terminal_safe(str(e))))
        return 2


def fail(error, as_json):
    sys.stderr.write(terminal_safe(error.format()) + "\n")
    if as_json:
        sys.stdout.write(json.dumps({"ok": False, "error": error.to_json()}, indent=2) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
