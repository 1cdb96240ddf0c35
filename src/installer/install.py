#!/usr/bin/env python3
"""wheelbarrow's offline installer, shipped verbatim in every bundle (Python 3.8+, stdlib only).

    python3 install.py [DEST] [--python PATH] [--check] [--no-compile] [--force] [--json]

What it does, in order, and nothing else:
  1. reads manifest.json (the only file it trusts) and checks that this python fits the bundle's
     target: implementation, version, free-threading, OS, arch, libc family and version, macOS
     version, and every bundled wheel's tags against the tags recomputed here with the stdlib;
  2. verifies every file of the bundle (sha256 and size) against manifest.json;
  3. builds the install in a sibling temp dir `.<DEST name>.wb-<pid>.tmp`: `venv` (venv, without
     pip), the wheels installed by this file (RECORD verified, scripts generated), `app/`,
     `bin/<name>` and `manifest.json`, bytecode compiled in parallel;
  4. renames the temp dir to DEST. Any failure or signal removes the temp dir; DEST is untouched.

Shape (after pypa/installer): a source (WheelSource: one wheel, members and RECORD validated before
a byte is written), a destination (VenvDestination: the venv's scheme dirs; files are hashed while
they are written), records (RECORD parse/format). Around them: Bundle (manifest + verification),
the interpreter check (Machine, tags), Transaction (temp dir, rename, cleanup) and the CLI.

Decisions (the README's installer section says the same to the operator):
  - target.python "3.11" accepts any 3.11.x; "3.11.4" accepts 3.11.4 and newer 3.11 patches. Any
    other minor version is refused, even for pure-Python bundles (compiled cp311 wheels do not load
    on 3.12, and the lock was resolved for 3.11's markers and Requires-Python).
  - Symlink members, absolute paths, drive letters, `..`, backslashes and NUL in wheel member names
    are refused (E_BUNDLE), as is any member missing from RECORD or not matching its hash.
  - Two wheels may install the same file only with identical content; otherwise E_INSTALL.
  - Windows: console/gui scripts are `.cmd` shims, not launcher .exe files: an .exe would be a
    prebuilt binary in the bundle with no provenance of its own, and building one needs a compiler.
  - Compiled .pyc files are listed in RECORD without hash and size (they are generated here).
  - Exit codes: 0 success, 1 the bundle, the machine or the input is at fault
    (`error[E_CODE]: message` + `hint:` lines), 2 a bug in this file.
"""
from __future__ import annotations

import argparse
import base64
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
import sys
import sysconfig
import threading
import zipfile
import zlib
from concurrent import futures

INSTALLER = "wheelbarrow"
CHUNK = 1 << 20
WINDOWS = os.name == "nt"
SCHEME_KEYS = ("purelib", "platlib", "headers", "scripts", "data")
HASHES = ("sha256", "sha384", "sha512")  # RECORD hashes we accept: sha256 or stronger


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


def bundle_error(message, *hints, **details):
    hints = hints or ("the bundle was damaged or altered after it was built: copy it again from its "
                      "source and check it with `sha256sum -c SHA256SUMS`",)
    return InstallError("E_BUNDLE", message, hints, **details)


# --- records (RECORD files and their hashes) -------------------------------------------------


def record_digest(digest):
    """RECORD's hash encoding: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def parse_record(text, where):
    """RECORD text -> {path: (algorithm, urlsafe-b64 digest or "", size or None)}."""
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
        entries[path] = (algo, digest, int(size) if size else None)
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
        if unsafe_reason(self.name) or "/" in self.name:
            raise bundle_error("manifest.json: app.name %r cannot be a file name" % self.name)
        self.version = need(app, "version", str, "app.")
        self.entry = need(app, "entry", str, "app.", optional=True)
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
        if self.entry is not None and not (ENTRY_RE.match(self.entry) or self.entry.endswith(".py") and not unsafe_reason(self.entry)):
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


ENTRY_RE = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$")


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
        for info in self.infos:
            reason = unsafe_reason(info.filename)
            if reason:
                raise bundle_error("%s holds an unsafe member %r (%s)" % (filename, info.filename, reason),
                                   "the wheel tries to write outside its install directory: do not install it")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise bundle_error("%s holds a symlink member %s" % (filename, info.filename),
                                   "wheels must not contain symlinks: do not install it")
        if len(set(names)) != len(names):
            raise bundle_error("%s lists a member twice" % filename)
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
        for name in names:
            if not name.endswith("/") and name not in unsigned and not self.record.get(name, ("",))[0]:
                raise bundle_error("%s: member %s is not listed in RECORD with a hash" % (filename, name),
                                   "the wheel is broken as published or was altered: rebuild the bundle from a trusted index")

    def read_small(self, info):
        """A member's bytes straight from the archive: one pread of its local header and data, one
        inflate (zipfile's reader costs several calls per member). RECORD's hash, checked by the
        caller, is stronger than the CRC this skips; the local header must name the same member."""
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
            return self.zip.read(info)
        name = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
        want = 30 + len(name) + len(info.extra) + info.compress_size + 256
        buf = self._pread(want, info.header_offset)
        start = 30 + len(name) + (struct.unpack("<H", buf[28:30])[0] if len(buf) >= 30 else 0)
        if buf[:4] != b"PK\x03\x04" or buf[30:30 + len(name)] != name:
            raise bundle_error("%s: the local header of %s does not match the archive's directory" % (self.filename, info.filename))
        if len(buf) < start + info.compress_size:
            buf += self._pread(start + info.compress_size - len(buf), info.header_offset + len(buf))
        raw = buf[start:start + info.compress_size]
        data = zlib.decompress(raw, -15) if info.compress_type == zipfile.ZIP_DEFLATED else raw
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

    def _text(self, name):
        try:
            return self.zip.read(self.dist_info + "/" + name).decode("utf-8")
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


class VenvDestination:
    """Writes wheel members and generated files into the venv under construction (pypa/installer's
    SchemeDictionaryDestination). `schemes` holds temp paths; `python` is the venv's final python."""

    def __init__(self, schemes, python_final, cancel):
        self.schemes = schemes  # scheme key -> temp dir
        self.python = python_final
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
            if digest != _b64(want) or want_size not in (None, len(data)):
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
            with source.zip.open(info) as src:
                while True:
                    if self.cancel.is_set():
                        raise Cancelled()
                    chunk = src.read(CHUNK)
                    if not chunk:
                        break
                    h.update(chunk)
                    if h256 is not h:
                        h256.update(chunk)
                    size += len(chunk)
                    if out:
                        out.write(chunk)
        finally:
            if out:
                out.close()
        if h.digest() != _b64(want) or want_size not in (None, size):
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
        if WINDOWS and scheme == "scripts" and _is_python_script(source, info):
            shim = path + ".cmd"
            data = ("@echo off\r\n\"%%~dp0python.exe\" \"%%~dp0%s\" %%*\r\nexit /b %%ERRORLEVEL%%\r\n" % parts[-1]).encode()
            rows.append((shim,) + dest.write_bytes(shim, data, True, source.filename))
    scripts_dir = dest.schemes["scripts"]
    for script, module, attr, gui in source.entry_points():
        if WINDOWS:
            path, data = os.path.join(scripts_dir, script + ".cmd"), cmd_shim_text(module, attr, gui).encode("utf-8")
        else:
            path, data = os.path.join(scripts_dir, script), launcher_text(dest.python, module, attr).encode("utf-8")
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


# --- the app and its launcher ----------------------------------------------------------------


def copy_app(bundle, app_dir):
    made = set()
    for f in bundle.app_files:
        dst = inside(app_dir, f["path"].split("/")[1:])
        folder = os.path.dirname(dst)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        shutil.copyfile(bundle.local(f["path"]), dst)
        if f["executable"] and not WINDOWS:
            os.chmod(dst, 0o777 & ~UMASK)
    return [inside(app_dir, f["path"].split("/")[1:]) for f in bundle.app_files if f["path"].endswith(".py")]


def entry_code(entry, app_dir, launcher):
    """The Python that DEST/bin/<name> runs for a module:function entry."""
    module, attr = ENTRY_RE.match(entry).groups()
    lines = ["import sys"]
    if app_dir:
        lines += ["if sys.path[:1] == [\"\"]:", "    del sys.path[0]", "sys.path.insert(0, %s)" % json.dumps(app_dir)]
    lines += ["sys.argv[0] = %s" % json.dumps(launcher), "from %s import %s" % (module, attr.split(".")[0]), "sys.exit(%s())" % attr]
    return "\n".join(lines) + "\n"


def posix_launcher_text(bundle, dest, python, app_dir):
    """DEST/bin/<name>: a POSIX sh script that loads DEST/.env and runs the entry with the venv's python."""
    launcher = os.path.join(dest, "bin", bundle.name)
    env = os.path.join(dest, ".env")
    head = ("#!/bin/sh\n# %s %s: runs %s with the venv in %s (written by wheelbarrow's install.py).\n"
            "# KEY=value lines in %s are exported first (the file is read by sh: quote values with spaces).\n"
            "if [ -f %s ]; then\n    set -a\n    . %s\n    set +a\nfi\n") % (
        bundle.name, bundle.version, bundle.entry, dest, env, sh_quote(env), sh_quote(env))
    if ENTRY_RE.match(bundle.entry):
        code = entry_code(bundle.entry, app_dir, launcher)
        return head + "exec %s -c %s \"$@\"\n" % (sh_quote(python), sh_quote("\n" + code))
    script = os.path.join(app_dir, *bundle.entry.split("/"))
    return head + "exec %s %s \"$@\"\n" % (sh_quote(python), sh_quote(script))


def windows_launcher_files(bundle, dest, python, app_dir):
    """DEST\\bin\\<name>.cmd (and <name>-script.py for module:function entries)."""
    env = os.path.join(dest, ".env")
    lines = ["@echo off", "rem %s %s: runs %s with the venv in %s (written by wheelbarrow's install.py)." % (bundle.name, bundle.version, bundle.entry, dest),
             "rem KEY=value lines in %s are set first." % env, "setlocal",
             "if exist \"%s\" for /f \"usebackq eol=# tokens=1,* delims==\" %%%%A in (\"%s\") do set \"%%%%A=%%%%B\"" % (env, env)]
    files = {}
    if ENTRY_RE.match(bundle.entry):
        script = os.path.join(dest, "bin", bundle.name + "-script.py")
        files[bundle.name + "-script.py"] = entry_code(bundle.entry, app_dir, os.path.join(dest, "bin", bundle.name + ".cmd"))
    else:
        script = os.path.join(app_dir, *bundle.entry.split("/"))
    lines += ["\"%s\" \"%s\" %%*" % (python, script), "exit /b %ERRORLEVEL%"]
    files[bundle.name + ".cmd"] = "\r\n".join(lines) + "\r\n"
    return files


# --- the transaction -------------------------------------------------------------------------


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


class Transaction:
    """Builds next to DEST in `.<name>.wb-<pid>.tmp`, then renames into place. `--force` moves the
    old DEST to `.<name>.wb-<pid>.old` first and removes it once the new one is in place."""

    def __init__(self, dest):
        self.dest = dest
        self.parent, base = os.path.split(dest)
        self.pattern = re.compile(r"^\.%s\.wb-(\d+)\.(tmp|old)$" % re.escape(base))
        self.tmp = os.path.join(self.parent, ".%s.wb-%d.tmp" % (base, os.getpid()))
        self.old = os.path.join(self.parent, ".%s.wb-%d.old" % (base, os.getpid()))

    def leftovers(self):
        try:
            names = os.listdir(self.parent)
        except FileNotFoundError:
            return []
        return [(os.path.join(self.parent, n), int(m.group(1)), m.group(2)) for n in sorted(names) for m in [self.pattern.match(n)] if m]

    def clean_stale(self, log):
        """Remove what a killed earlier run left; restore an old DEST a killed --force set aside."""
        for path, pid, kind in self.leftovers():
            if pid_alive(pid) and pid != os.getpid():
                raise InstallError("E_INSTALL", "another installation into %s is running (pid %d)" % (self.dest, pid),
                                   ["wait for it to finish, or if no such process is an installer, remove %s" % path])
            if kind == "old" and not os.path.lexists(self.dest):
                log("restoring %s, which an interrupted --force run had set aside" % self.dest)
                os.rename(path, self.dest)
            else:
                log("removing %s, left by an interrupted run (pid %d)" % (path, pid))
                shutil.rmtree(path)

    def begin(self):
        os.mkdir(self.tmp)

    def commit(self, replace):
        with signals_blocked():
            if replace:
                os.rename(self.dest, self.old)
            elif os.path.isdir(self.dest):
                os.rmdir(self.dest)  # an empty directory: replaced without --force
            try:
                os.rename(self.tmp, self.dest)
            except OSError:
                if replace:
                    os.rename(self.old, self.dest)
                raise
        if replace:
            shutil.rmtree(self.old, ignore_errors=True)

    def abort(self):
        with signals_blocked():
            if os.path.lexists(self.tmp):
                shutil.rmtree(self.tmp, ignore_errors=True)
            if os.path.lexists(self.tmp):
                sys.stderr.write("warning: could not remove %s; remove it by hand\n" % self.tmp)


class signals_blocked:
    """Ignore SIGINT/SIGTERM while a rename or a cleanup must not be cut short."""

    def __enter__(self):
        self.saved = [(s, signal.signal(s, signal.SIG_IGN)) for s in STOP_SIGNALS] if threading.current_thread() is threading.main_thread() else []

    def __exit__(self, *exc):
        for s, handler in self.saved:
            signal.signal(s, handler)


STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


def _raise_interrupted(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


# --- the whole install -----------------------------------------------------------------------


def read_dest(dest, manifest_bytes):
    """absent | empty | same | other | foreign, and the manifest found there (if any)."""
    if not os.path.lexists(dest):
        return "absent", None
    if os.path.islink(dest):
        raise InstallError("E_INSTALL", "%s is a symlink; refusing to replace it" % dest,
                           ["give the directory it points to (%s), or another DEST" % os.path.realpath(dest)])
    if not os.path.isdir(dest):
        raise InstallError("E_INSTALL", "%s exists and is not a directory" % dest, ["choose another DEST"])
    if not os.listdir(dest):
        return "empty", None
    try:
        with open(os.path.join(dest, "manifest.json"), "rb") as f:
            found = f.read()
    except OSError:
        return "foreign", None
    if found == manifest_bytes:
        return "same", None
    try:
        return "other", json.loads(found.decode("utf-8")).get("app", {})
    except (ValueError, UnicodeDecodeError, AttributeError):
        return "other", {}


def worker_count():
    if os.environ.get("WHEELBARROW_JOBS", "").isdigit():
        return max(1, int(os.environ["WHEELBARROW_JOBS"]))
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(8, n))


class Installer:
    """Builds one install of a bundle into a temp dir whose final name is `final` (DEST)."""

    def __init__(self, bundle, dest, compile_, log):
        self.bundle, self.final, self.compile, self.log = bundle, dest, compile_, log
        self.jobs = worker_count()

    def final_path(self, tmp_root, path):
        return self.final + path[len(tmp_root):]

    def build(self, tmp):
        """Everything of the install inside `tmp` (renamed to DEST afterwards)."""
        modules = self._count_modules() if self.compile else 0
        compiler = Compiler(self.jobs if modules >= 200 else 1) if self.compile else None
        try:
            return self._build(tmp, compiler)
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

    def _build(self, tmp, compiler):
        bundle, final = self.bundle, self.final
        tmp_venv = os.path.join(tmp, "venv")
        self.log("creating the venv with %s" % sys.executable)
        python_tmp, schemes_tmp = create_venv(tmp_venv, os.path.join(final, "venv"), bundle.name)
        python = self.final_path(tmp, python_tmp)
        cancel = threading.Event()
        dest = VenvDestination(schemes_tmp, python, cancel)
        self.log("installing %d packages%s" % (len(bundle.packages), " and compiling their bytecode" if compiler else ""))

        def compile_(paths):
            if compiler and paths:
                compiler.submit([(p, self.final_path(tmp, p)) for p in paths])

        dists = self._install_wheels(dest, cancel, lambda dist: compile_(dist.sources))
        for path, digest, owner in dest.collisions:
            with open(path, "rb") as f:
                existing = hashlib.sha256(f.read()).digest()
            if existing != digest:
                rel = os.path.relpath(path, tmp).replace(os.sep, "/")
                raise InstallError("E_INSTALL", "%s and %s both install %s with different contents" % (dest.owners.get(path), owner, rel),
                                   ["the bundle's packages conflict: remove one of them from the requirements and rebuild the bundle"])
        app_dir = None
        if bundle.app_files:
            app_dir = os.path.join(tmp, "app")
            compile_(copy_app(bundle, app_dir))
        if bundle.entry:
            self._write_launcher(tmp, python, app_dir)
        write_records(dists, compiler.results() if compiler else {})
        with open(os.path.join(tmp, "manifest.json"), "wb") as f:
            f.write(bundle.manifest_bytes)
        return {"python": python, "site_packages": self.final_path(tmp, schemes_tmp["purelib"]),
                "platlib": self.final_path(tmp, schemes_tmp["platlib"]), "scripts": self.final_path(tmp, schemes_tmp["scripts"])}

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

    def _write_launcher(self, tmp, python, app_dir):
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        app_final = self.final_path(tmp, app_dir) if app_dir else None
        if WINDOWS:
            files = windows_launcher_files(self.bundle, self.final, python, app_final)
        else:
            files = {self.bundle.name: posix_launcher_text(self.bundle, self.final, python, app_final)}
        for name, text in files.items():
            fd = os.open(os.path.join(bindir, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o777)
            with open(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)


def existing_paths(dest):
    """The paths --json reports for an install already in DEST (and a check that its venv runs)."""
    venv_dir = os.path.join(dest, "venv")
    python = os.path.join(venv_dir, "Scripts", "python.exe") if WINDOWS else os.path.join(venv_dir, "bin", "python")
    if not os.path.exists(python):
        raise InstallError("E_INSTALL", "%s holds this bundle but has no %s" % (dest, python), ["--force reinstalls it"])
    paths = venv_paths(python, venv_dir)
    return {"python": python, "site_packages": paths["purelib"], "platlib": paths["platlib"], "scripts": paths["scripts"]}


def predicted_paths(dest):
    """Where the venv's paths will be (for --check), from this interpreter's sysconfig."""
    venv_dir = os.path.join(dest, "venv")
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else ("nt" if WINDOWS else "posix_prefix")
    paths = sysconfig.get_paths(scheme, vars={"base": venv_dir, "platbase": venv_dir, "installed_base": venv_dir, "installed_platbase": venv_dir})
    return {"python": os.path.join(paths["scripts"], "python.exe" if WINDOWS else "python"),
            "site_packages": paths["purelib"], "platlib": paths["platlib"], "scripts": paths["scripts"]}


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


def check_dest(bundle, dest, force):
    """The state of DEST (absent, empty, same, other), refusing what must not be replaced."""
    state, found = read_dest(dest, bundle.manifest_bytes)
    if state == "foreign":
        raise InstallError("E_INSTALL", "%s exists and is not a wheelbarrow install (it has no manifest.json); refusing to replace it" % dest,
                           ["choose another DEST, or remove %s yourself if it is safe" % dest])
    if state == "other" and not force:
        raise InstallError("E_INSTALL", "%s already holds another bundle (%s %s)" % (dest, found.get("name", "?"), found.get("version", "?")),
                           ["add --force to replace it (the old install is removed only after the new one is in place)"])
    return state


def make_report(bundle, dest, action, paths, **extra):
    """The --json document: {ok, action, dest, venv, python, site_packages, ..., packages}."""
    out = {"ok": True, "action": action, "dest": dest, "venv": os.path.join(dest, "venv")}
    out.update(paths)
    out.update(app=os.path.join(dest, "app") if bundle.app_files else None,
               launcher=os.path.join(dest, "bin", bundle.name + (".cmd" if WINDOWS else "")) if bundle.entry else None,
               bundle={"name": bundle.name, "version": bundle.version, "target": "%s@%s" % (bundle.target["platform"], bundle.target["python"])},
               packages=[{"name": p["name"], "version": p["version"], "requested": p["requested"]} for p in bundle.packages])
    out.update(extra)
    return out


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


def run(args, log):
    """The whole install (or --check): returns (report, one-line summary)."""
    bundle = Bundle(os.path.dirname(os.path.abspath(__file__)))
    if args.identity and not args.allowed_signers:
        raise InstallError("E_USAGE", "--identity needs --allowed-signers FILE", ["./install.sh --allowed-signers allowed_signers --identity release@example.org"])
    if args.allowed_signers:
        authenticate(bundle, args.allowed_signers, args.identity, log)
    else:
        log("note: the bundle was not authenticated (no --allowed-signers): its checks prove only that it agrees with itself")
    dest = os.path.abspath(args.dest or bundle.name)
    machine = Machine()
    check_interpreter(bundle, machine)
    target_text = "%s@%s" % (bundle.target["platform"], bundle.target["python"])
    log("python %s (%s) fits %s" % (sys.executable, machine.describe(), target_text))
    count, size = bundle.verify(worker_count())
    log("verified %d files (%.1f MB) of %s %s" % (count, size / 1e6, bundle.name, bundle.version))
    parent = os.path.dirname(dest)
    if not os.path.isdir(parent):
        raise InstallError("E_INSTALL", "the parent directory %s of DEST does not exist" % parent, ["create it first: mkdir -p %s" % sh_quote(parent)])
    transaction = Transaction(dest)
    if not args.check:
        transaction.clean_stale(log)
    state = check_dest(bundle, dest, args.force)
    replace = state == "other" or state == "same" and args.force
    if args.check:
        would = "replace" if replace else "nothing" if state == "same" else "install"
        text = {"install": "would install into %s", "replace": "would replace the install in %s",
                "nothing": "%s already holds this bundle: nothing to do"}[would] % dest
        summary = "checked %s %s for %s: the bundle is intact and this python fits; %s" % (bundle.name, bundle.version, target_text, text)
        return make_report(bundle, dest, "checked", predicted_paths(dest), would=would), summary
    if state == "same" and not args.force:
        return make_report(bundle, dest, "unchanged", existing_paths(dest)), "%s %s is already installed in %s; nothing to do" % (bundle.name, bundle.version, dest)
    try:
        transaction.begin()
        paths = Installer(bundle, dest, args.compile, log).build(transaction.tmp)
        transaction.commit(replace)
    except BaseException as e:
        transaction.abort()
        if isinstance(e, OSError):
            raise os_error(e, "while building the install next to %s" % dest, parent) from e
        raise
    report = make_report(bundle, dest, "replaced" if replace else "installed", paths, compiled=args.compile)
    return report, "installed %s %s into %s" % (bundle.name, bundle.version, dest)


def human_summary(report, headline):
    lines = [headline]
    for key, label in (("launcher", "run"), ("venv", "venv"), ("python", "python"), ("site_packages", "site-packages"), ("app", "app")):
        if report.get(key):
            lines.append("  %-14s %s" % (label + ":", report[key]))
    return "\n".join(lines) + "\n"


class ArgParser(argparse.ArgumentParser):
    def error(self, message):
        raise InstallError("E_USAGE", message, [self.format_usage().strip()])


def parse_args(argv):
    p = ArgParser(prog="install.py", description="Install this wheelbarrow bundle into DEST (default ./<name>) with this python, offline.")
    p.add_argument("dest", nargs="?", metavar="DEST", help="where to install (default: ./<app name>)")
    p.add_argument("--python", metavar="PATH", help="run the install with this python instead")
    p.add_argument("--check", action="store_true", help="verify the bundle and this python, change nothing, report")
    p.add_argument("--no-compile", dest="compile", action="store_false", help="do not compile bytecode")
    p.add_argument("--force", action="store_true", help="replace an existing install in DEST")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    p.add_argument("--allowed-signers", metavar="FILE", help="refuse to install unless SHA256SUMS.sig verifies (ssh-keygen) for a key of this allowed_signers file")
    p.add_argument("--identity", metavar="PRINCIPAL", help="with --allowed-signers: the principal the signature must be for")
    p.add_argument("--describe-interpreter", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


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


UMASK = 0o022


def main(argv=None):
    global UMASK
    argv = sys.argv[1:] if argv is None else argv
    as_json = "--json" in argv
    try:
        UMASK = os.umask(0o022)
        os.umask(UMASK)
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
        log = (lambda m: None) if args.json else (lambda m: sys.stderr.write("wheelbarrow: %s\n" % m))
        report, headline = run(args, log)
        sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else human_summary(report, headline))
        return 0
    except InstallError as e:
        return fail(e, as_json)
    except (KeyboardInterrupt, Interrupted) as e:
        name = e.args[0] if isinstance(e, Interrupted) and e.args else "SIGINT"
        return fail(InstallError("E_INSTALL", "interrupted by %s; nothing was installed and DEST is unchanged" % name), as_json)
    except OSError as e:
        return fail(os_error(e, "", None), as_json)
    except Exception as e:  # a bug in this file
        import traceback

        traceback.print_exc()
        sys.stderr.write("error: internal error (a bug) in install.py: %s: %s\nhint: please report it with the traceback above; DEST is unchanged\n" % (type(e).__name__, e))
        return 2


def os_error(e, context, folder):
    """An OSError from the machine (full disk, permissions) as E_INSTALL with a next step."""
    where = " (%s)" % e.filename if e.filename else ""
    if e.errno == errno.ENOSPC:
        hint = "free space on the filesystem of %s, or choose another DEST" % (folder or "DEST")
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a DEST you may write to, or run as a user who may write to %s" % (folder or "DEST")
    else:
        hint = "fix the cause above and run the installer again"
    message = "%s%s%s; nothing was installed and DEST is unchanged" % (e.strerror or e, where, " " + context if context else "")
    return InstallError("E_INSTALL", message, [hint])


def fail(error, as_json):
    sys.stderr.write(error.format() + "\n")
    if as_json:
        sys.stdout.write(json.dumps({"ok": False, "error": error.to_json()}, indent=2) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
