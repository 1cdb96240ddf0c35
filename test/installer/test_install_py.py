"""Unit tests of install.py's pieces (stdlib unittest; run by install-py-unit.test.ts with every
python that is present). Oracle: `packaging.tags` where the running python has it (or pip's
vendored copy), and fixed tag counts computed with pypa/packaging."""
import base64
import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
INSTALL_PY = os.path.join(HERE, "..", "..", "src", "installer", "install.py")
sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location("install", INSTALL_PY)
install = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(install)

try:
    from packaging import tags as ptags  # noqa: E402

    PACKAGING_VERSION = tuple(int(x) for x in __import__("packaging").__version__.split(".")[:2])
except ImportError:
    try:
        from pip._vendor.packaging import tags as ptags  # noqa: E402

        PACKAGING_VERSION = tuple(int(x) for x in __import__("pip._vendor.packaging", fromlist=["x"]).__version__.split(".")[:2])
    except ImportError:
        ptags = None
        PACKAGING_VERSION = (0, 0)


def b64(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


class RecordTests(unittest.TestCase):
    def test_parse_valid_record(self):
        text = "a/b.py,sha256=%s,3\n\"c,d.txt\",sha512=xyz,10\nx.dist-info/RECORD,,\n" % b64(b"abc")
        entries = install.parse_record(text, "x.whl")
        self.assertEqual(entries["a/b.py"], ("sha256", b64(b"abc"), 3))
        self.assertEqual(entries["c,d.txt"], ("sha512", "xyz", 10))
        self.assertEqual(entries["x.dist-info/RECORD"], ("", "", None))

    def test_parse_rejects_bad_rows(self):
        cases = {
            "a.py,sha256=x\n": "does not have 3 columns",
            "a.py,md5=abc,1\n": "is not sha256 or stronger",
            "a.py,sha1=abc,1\n": "is not sha256 or stronger",
            "a.py,sha256=,1\n": "is not sha256 or stronger",
            "a.py,sha256=abc,big\n": "is not a number",
            "a.py,sha256=abc,1\na.py,sha256=abc,1\n": "lists a.py twice",
        }
        for text, message in cases.items():
            with self.assertRaises(install.InstallError) as ctx:
                install.parse_record(text, "x.whl")
            self.assertEqual(ctx.exception.code, "E_BUNDLE")
            self.assertIn(message, ctx.exception.message)

    def test_format_record_sorts_and_quotes(self):
        text = install.format_record([("b.py", "sha256=B", "2"), ("a,1.py", "sha256=A", "1"), ("x/RECORD", "", "")])
        self.assertEqual(text, "\"a,1.py\",sha256=A,1\nb.py,sha256=B,2\nx/RECORD,,\n")
        self.assertEqual(install.parse_record(text, "w")["a,1.py"], ("sha256", "A", 1))

    def test_record_digest_is_urlsafe_unpadded(self):
        digest = hashlib.sha256(b"hello\n").digest()
        self.assertEqual(install.record_digest(digest), b64(b"hello\n"))
        self.assertNotIn("=", install.record_digest(digest))


class PathSafetyTests(unittest.TestCase):
    def test_unsafe_reasons(self):
        table = {
            "pkg/mod.py": None,
            "pkg-1.0.data/scripts/tool": None,
            "pkg/": None,
            "../evil.py": "'..' component",
            "pkg/../../evil.py": "'..' component",
            "/etc/passwd": "absolute path",
            "C:/Windows/evil.dll": "absolute path",
            "c:evil": "absolute path",
            "pkg\\mod.py": "backslash",
            "pkg/\0.py": "NUL byte",
            "pkg//mod.py": "empty or '.' component",
            "./mod.py": "empty or '.' component",
            "": "empty path",
        }
        for name, reason in table.items():
            self.assertEqual(install.unsafe_reason(name), reason, name)

    def test_inside_refuses_escape(self):
        base = os.path.abspath(tempfile.gettempdir())
        self.assertEqual(install.inside(base, ["a", "b.py"]), os.path.join(base, "a", "b.py"))
        with self.assertRaises(install.InstallError):
            install.inside(base, ["..", "x"])

    def test_canonical_name(self):
        self.assertEqual(install.canonical_name("Zope.Interface"), "zope-interface")
        self.assertEqual(install.canonical_name("a__b--c"), "a-b-c")


class ShebangTests(unittest.TestCase):
    PY = "/opt/shop/venv/bin/python"

    def test_rewrites_python_shebangs(self):
        for first in (b"#!python", b"#!pythonw", b"#!python3 -u"):
            out = install.rewrite_shebang(first + b"\nprint(1)\n", self.PY)
            self.assertEqual(out, b"#!/opt/shop/venv/bin/python\nprint(1)\n")

    def test_leaves_other_scripts(self):
        for data in (b"#!/bin/sh\necho hi\n", b"print(1)\n", b""):
            self.assertEqual(install.rewrite_shebang(data, self.PY), data)

    def test_shebang_without_newline(self):
        self.assertEqual(install.rewrite_shebang(b"#!python", self.PY), b"#!/opt/shop/venv/bin/python\n")

    def test_trampoline_for_spaces_and_long_paths(self):
        spaced = "/opt/my app/venv/bin/python"
        self.assertEqual(install.shebang(spaced), "#!/bin/sh\n'''exec' '/opt/my app/venv/bin/python' \"$0\" \"$@\"\n' '''")
        long_path = "/" + "x" * 130 + "/python"
        self.assertTrue(install.shebang(long_path).startswith("#!/bin/sh\n'''exec' "))
        self.assertEqual(install.shebang(self.PY), "#!" + self.PY)


class LauncherTests(unittest.TestCase):
    def test_console_launcher_text(self):
        text = install.launcher_text("/v/bin/python", "pkg.cli", "main.run")
        self.assertEqual(
            text,
            "#!/v/bin/python\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pkg.cli import main\n"
            "if __name__ == \"__main__\":\n    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n"
            "    sys.exit(main.run())\n",
        )
        compile(text, "launcher", "exec")

    @unittest.skipIf(os.name == "nt", "POSIX launcher")
    def test_launchers_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.mkdir(os.path.join(tmp, "pkg"))
            with open(os.path.join(tmp, "pkg", "__init__.py"), "w") as f:
                f.write("import sys\nclass main:\n    @staticmethod\n    def run():\n        print('ran', sys.argv)\n        return 3\n")
            for folder in ("plain", "with space"):
                os.makedirs(os.path.join(tmp, folder))
                python = os.path.join(tmp, folder, "python")
                os.symlink(sys.executable, python)
                script = os.path.join(tmp, folder, "tool")
                with open(script, "w") as f:
                    f.write(install.launcher_text(python, "pkg", "main.run"))
                os.chmod(script, 0o755)
                done = subprocess.run([script, "x"], stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=tmp))
                self.assertEqual(done.returncode, 3)
                self.assertEqual(done.stdout.decode().strip(), "ran [%r, 'x']" % script)

    def test_cmd_shim(self):
        self.assertEqual(
            install.cmd_shim_text("pkg.cli", "main", False),
            "@echo off\r\n\"%~dp0python.exe\" -c \"import sys; from pkg.cli import main; sys.argv[0] = '%~n0'; sys.exit(main())\" %*\r\n"
            "exit /b %ERRORLEVEL%\r\n",
        )
        self.assertIn("pythonw.exe", install.cmd_shim_text("pkg", "main", True))

    def _bundle(self, entry, name="shop"):
        class B:
            pass

        b = B()
        b.name, b.version, b.entry = name, "1.0", entry
        return b

    @unittest.skipIf(os.name == "nt", "POSIX launcher")
    def test_site_launcher_follows_current_and_release_launcher_loads_env(self):
        with tempfile.TemporaryDirectory() as tmp:
            dest = os.path.join(tmp, "it's here")
            release = os.path.join(dest, "releases", "1.0-abc")
            app = os.path.join(release, "app")
            os.makedirs(os.path.join(app, "shop"))
            os.makedirs(os.path.join(release, "bin"))
            os.makedirs(os.path.join(dest, "bin"))
            os.makedirs(os.path.join(dest, "shared"))
            os.symlink("releases/1.0-abc", os.path.join(dest, "current"))
            with open(os.path.join(app, "shop", "__init__.py"), "w") as f:
                f.write("import os, sys\ndef main():\n    print(os.environ.get('GREETING'), os.environ.get('KEPT'), sys.argv, sys.path[0])\n    return 0\n")
            with open(os.path.join(app, "run.py"), "w") as f:
                f.write("import sys\nprint('script', sys.argv[1:])\n")
            with open(os.path.join(dest, "shared", ".env"), "w") as f:
                f.write("GREETING='hello $(touch pwned) world'\nKEPT=from-env-file\nnot a line\n")
            site = os.path.join(dest, "bin", "shop")
            with open(site, "w") as f:
                f.write(install.site_launcher_text("shop", dest))
            os.chmod(site, 0o755)
            for entry, expected in (
                ("shop:main", "hello $(touch pwned) world from-environ [%r, 'a b'] %s" % (site, app)),
                ("run.py", "script ['a b']"),
            ):
                launcher = os.path.join(release, "bin", "shop")
                with open(launcher, "w") as f:
                    f.write(install.release_launcher_text(self._bundle(entry), sys.executable, release, dest))
                os.chmod(launcher, 0o755)
                done = subprocess.run([site, "a b"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp, env=dict(os.environ, KEPT="from-environ"))
                self.assertEqual(done.stdout.decode().strip(), expected)
                self.assertIn("shared/.env line 3: not KEY=value (line ignored)", done.stderr.decode())
                self.assertFalse(os.path.exists(os.path.join(tmp, "pwned")))

    def test_dotenv_rules(self):
        text = ("# comment\n\nA=plain value  # trailing comment\nexport B='single $(x) # kept'\nC=\"double\\n\\\"q\\\" $HOME\"\n"
                "D=a=b(c)\nE=\"multi\nline\"\nF=\n  G = spaced \nH=#notcomment\nbad line\nI='open\n")
        pairs, problems = install.parse_dotenv(text)
        self.assertEqual(pairs, [("A", "plain value"), ("B", "single $(x) # kept"), ("C", "double\n\"q\" $HOME"), ("D", "a=b(c)"),
                                 ("E", "multi\nline"), ("F", ""), ("G", "spaced"), ("H", "")])
        self.assertEqual(problems, [(12, "not KEY=value"), (13, "the ' quote is never closed")])

    def test_systemd_unit(self):
        text = install.systemd_unit_text("shop", "1.0-abc", "/srv/shop", "shop")
        self.assertIn("\nUser=shop\nWorkingDirectory=/srv/shop/current/app\nExecStart=/srv/shop/bin/shop\n", text)


class TerminalTests(unittest.TestCase):
    def test_escape_sequences_never_reach_the_terminal(self):
        evil = "name\x1b[31mred\x1b]0;title\x07\x9b2J\rback\u202eevil\nnext\tcol"
        self.assertEqual(install.terminal_safe(evil), "name\\x1b[31mred\\x1b]0;title\\x07\\x9b2J\\x0dback\\u202eevil\nnext\tcol")

    def test_error_output_is_escaped(self):
        import contextlib

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            install.fail(install.InstallError("E_BUNDLE", "bad \x1b]8;;http://x\x07link"), False)
        self.assertEqual(err.getvalue(), "error[E_BUNDLE]: bad \\x1b]8;;http://x\\x07link\n")


class ManifestTests(unittest.TestCase):
    def bundle(self, **app):
        tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, tmp)
        manifest = {"formatVersion": "1.0.0", "app": dict({"name": "shop", "version": "1.0", "entry": None}, **app),
                    "target": {"platform": "manylinux_2_17_x86_64", "python": "3.11"}, "packages": [], "files": []}
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        return install.Bundle(tmp)

    def refused(self, **app):
        with self.assertRaises(install.InstallError) as ctx:
            self.bundle(**app)
        self.assertEqual(ctx.exception.code, "E_BUNDLE")
        return ctx.exception.message

    def test_fields_that_reach_a_script_are_validated(self):
        self.assertIn("app.name", self.refused(name="shop\nrm -rf /"))
        self.assertIn("app.name", self.refused(name="$(reboot)"))
        self.assertIn("app.version", self.refused(version="1.0;$(id)"))
        self.assertIn("app.entry", self.refused(entry="run\x1b[2J.py"))
        self.assertIn("app.state", self.refused(state=["../etc/"]))
        self.assertIn("overlaps", self.refused(state=["media/", "media/x"]))
        self.assertEqual(self.bundle(state=["media/", "db.sqlite3"]).state, ["media/", "db.sqlite3"])


class TagTests(unittest.TestCase):
    def test_manylinux_platforms_2_28_x86_64(self):
        plats = install.manylinux_platforms("x86_64", (2, 28))
        self.assertEqual(len(plats), 27)
        self.assertEqual(plats[:2], ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64"])
        i = plats.index("manylinux_2_17_x86_64")
        self.assertEqual(plats[i + 1], "manylinux2014_x86_64")
        self.assertEqual(plats[-2:], ["manylinux_2_5_x86_64", "manylinux1_x86_64"])
        self.assertEqual(install.manylinux_platforms("aarch64", (2, 17)), ["manylinux_2_17_aarch64", "manylinux2014_aarch64"])

    def test_cpython_312_on_glibc_2_28(self):
        plats = install.manylinux_platforms("x86_64", (2, 28))
        tags = install.cpython_tags((3, 12), ["cp312"], plats) + install.compatible_tags((3, 12), "cp312", plats)
        self.assertEqual(len(tags), 744)
        self.assertEqual(tags[0], "cp312-cp312-manylinux_2_28_x86_64")
        self.assertEqual(tags[27], "cp312-abi3-manylinux_2_28_x86_64")
        self.assertEqual(tags[-15:-11], ["cp312-none-any", "py312-none-any", "py3-none-any", "py311-none-any"])
        self.assertEqual(tags[-1], "py30-none-any")

    def test_musllinux_platforms(self):
        self.assertEqual(install.musllinux_platforms("x86_64", (1, 2)), ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "musllinux_1_0_x86_64"])

    def test_mac_platform_counts(self):
        self.assertEqual(len(install.mac_platforms((14, 0), "arm64")), 21)
        self.assertEqual(len(install.mac_platforms((14, 0), "x86_64")), 102)

    @unittest.skipIf(ptags is None, "no packaging here")
    def test_mac_platforms_match_packaging(self):
        for version in ((10, 9), (10, 15), (11, 0), (12, 3), (14, 0), (15, 1)):
            for arch in ("x86_64", "arm64", "i386", "universal2"):
                self.assertEqual(install.mac_platforms(version, arch), list(ptags.mac_platforms(version, arch)), (version, arch))

    @unittest.skipIf(ptags is None, "no packaging here")
    def test_cpython_and_compatible_tags_match_packaging(self):
        plats = ["manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"]
        for version, abis in (((3, 8), ["cp38"]), ((3, 11), ["cp311d", "cp311"]), ((3, 13), ["cp313"])):
            theirs = [str(t) for t in ptags.cpython_tags(version, abis, plats)]
            self.assertEqual(install.cpython_tags(version, abis, plats), theirs)
            interp = "cp%d%d" % version
            theirs = [str(t) for t in ptags.compatible_tags(version, interp, plats)]
            self.assertEqual(install.compatible_tags(version, interp, plats), theirs)

    @unittest.skipIf(PACKAGING_VERSION < (26, 0), "abi3t needs packaging 26")
    def test_free_threaded_tags_match_packaging(self):
        theirs = [str(t) for t in ptags.cpython_tags((3, 13), ["cp313t"], ["win_amd64"])]
        self.assertEqual(install.cpython_tags((3, 13), ["cp313t"], ["win_amd64"]), theirs)

    @unittest.skipIf(ptags is None, "no packaging here")
    def test_this_machine_matches_packaging_sys_tags(self):
        ours = install.Machine().tags
        theirs = [str(t) for t in ptags.sys_tags()]
        if PACKAGING_VERSION < (22, 0):  # older packaging did not yield cpXY-none-any from sys_tags
            ours = [t for t in ours if t != "cp%d%d-none-any" % sys.version_info[:2]]
        self.assertEqual(ours, theirs)

    def test_wheel_tags_expand_compressed_sets(self):
        self.assertEqual(
            install.wheel_tags("numpy-2.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
            {"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
        )
        self.assertEqual(install.wheel_tags("a-1.0-1build-py2.py3-none-any.whl"), {"py2-none-any", "py3-none-any"})
        with self.assertRaises(install.InstallError):
            install.wheel_tags("nonsense.whl")


def fake_machine(**over):
    data = {
        "executable": "/usr/bin/python3.11", "implementation": "cpython", "version": "3.11.4", "freeThreaded": False,
        "os": "linux", "arch": "x86_64", "libc": {"family": "glibc", "version": "2.28"}, "macos": None,
    }
    data.update(over)
    if data["os"] == "linux":
        libc = data["libc"]
        plats = (install.manylinux_platforms(data["arch"], tuple(map(int, libc["version"].split(".")))) if libc and libc["family"] == "glibc" else
                 install.musllinux_platforms(data["arch"], tuple(map(int, libc["version"].split(".")))) if libc else [])
        plats = plats + ["linux_" + data["arch"]]
    elif data["os"] == "macos":
        plats = install.mac_platforms(tuple(map(int, data["macos"].split("."))), data["arch"])
    else:
        plats = [data.pop("platform", "win_amd64")]
    v = tuple(int(x) for x in data["version"].split(".")[:2])
    data["platforms"] = plats
    data["tags"] = install.cpython_tags(v, ["cp%d%d" % v], plats) + install.compatible_tags(v, "cp%d%d" % v, plats)
    return install.Machine.from_json(data)


class TargetTests(unittest.TestCase):
    TARGET = {"platform": "manylinux_2_28_x86_64", "python": "3.11", "implementation": "cpython", "freeThreaded": False}

    def problems(self, machine, wheels=("a-1.0-py3-none-any.whl",), **target):
        t = dict(self.TARGET)
        t.update(target)
        return install.target_problems(machine, t, list(wheels))

    def test_fits(self):
        self.assertEqual(self.problems(fake_machine()), [])
        self.assertEqual(self.problems(fake_machine(libc={"family": "glibc", "version": "2.36"})), [])
        self.assertEqual(self.problems(fake_machine(), ["n-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]), [])

    def test_python_versions(self):
        self.assertEqual(self.problems(fake_machine(version="3.12.1")), ["it is Python 3.12.1, the bundle needs 3.11"])
        self.assertEqual(self.problems(fake_machine(version="3.11.2"), python="3.11.4"),
                         ["it is Python 3.11.2, the bundle needs 3.11.4 or a newer 3.11.x"])
        self.assertEqual(self.problems(fake_machine(version="3.11.9"), python="3.11.4"), [])
        self.assertEqual(self.problems(fake_machine(), implementation="pypy")[0], "its implementation is cpython, the bundle needs pypy")
        self.assertEqual(self.problems(fake_machine(), freeThreaded=True), ["it is a GIL build, the bundle needs a free-threaded build"])

    def test_platforms(self):
        self.assertEqual(self.problems(fake_machine(libc={"family": "glibc", "version": "2.17"})),
                         ["it has glibc 2.17, the bundle needs glibc 2.28 or newer"])
        self.assertEqual(self.problems(fake_machine(), platform="musllinux_1_2_x86_64"), ["its C library is glibc, the bundle needs musl"])
        self.assertEqual(self.problems(fake_machine(arch="aarch64")), ["its architecture is aarch64, the bundle needs x86_64"])
        self.assertEqual(self.problems(fake_machine(), platform="win_amd64"), ["it runs linux, the bundle is for windows"])
        mac = fake_machine(os="macos", arch="arm64", libc=None, macos="13.0")
        self.assertEqual(self.problems(mac, platform="macosx_14_0_arm64"), ["it runs macOS 13.0, the bundle needs 14.0 or newer"])
        self.assertEqual(self.problems(mac, platform="macosx_11_0_universal2"), [])
        self.assertEqual(self.problems(mac, platform="macosx_12_0_x86_64"), ["its architecture is arm64, the bundle needs x86_64"])
        win = fake_machine(os="windows", arch="amd64", libc=None, platform="win_amd64")
        self.assertEqual(self.problems(win, platform="win_amd64"), [])
        self.assertEqual(self.problems(win, platform="win_arm64"), ["its architecture is amd64, the bundle needs arm64"])

    def test_wheels_must_have_a_supported_tag(self):
        wheel = "n-1-cp311-cp311-manylinux_2_34_x86_64.whl"
        self.assertEqual(self.problems(fake_machine(), [wheel]), ["no tag of %s is supported here (cp311-cp311-manylinux_2_34_x86_64)" % wheel])

    def test_platform_needs(self):
        self.assertEqual(install.platform_needs("manylinux2014_aarch64"), ("linux", "aarch64", "glibc", (2, 17), None))
        self.assertEqual(install.platform_needs("musllinux_1_1_x86_64"), ("linux", "x86_64", "musl", (1, 1), None))
        self.assertEqual(install.platform_needs("macosx_10_13_x86_64"), ("macos", "x86_64", None, None, (10, 13)))
        self.assertEqual(install.platform_needs("win32"), ("windows", "win32", None, None, None))
        self.assertEqual(install.platform_needs("linux_armv7l"), ("linux", "armv7l", None, None, None))

    def test_machine_json_round_trip(self):
        m = install.Machine()
        again = install.Machine.from_json(json.loads(json.dumps(m.to_json())))
        self.assertEqual((again.version, again.libc, again.tags, again.describe()), (m.version, m.libc, m.tags, m.describe()))

    @unittest.skipUnless(sys.platform.startswith("linux"), "ELF")
    def test_elf_interpreter_of_this_python(self):
        loader = install.elf_interpreter(os.path.realpath(sys.executable))
        self.assertTrue(loader and loader.startswith("/") and ("ld-linux" in loader or "ld-musl" in loader), loader)
        self.assertIsNone(install.elf_interpreter(INSTALL_PY))


def make_wheel(path, members, record=None, symlink=None):
    """A wheel from {name: bytes}; RECORD computed unless given."""
    with zipfile.ZipFile(path, "w") as z:
        rows = []
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((0o120777 if name == symlink else 0o100644) << 16)
            z.writestr(info, data)
            rows.append("%s,sha256=%s,%d" % (name, b64(data), len(data)))
        dist_info = [n for n in members if n.endswith("/WHEEL")][0].split("/")[0]
        z.writestr(dist_info + "/RECORD", record if record is not None else "\n".join(rows + [dist_info + "/RECORD,,"]) + "\n")


class WheelSourceTests(unittest.TestCase):
    WHEEL = b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"

    def source(self, members, **kw):
        tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, tmp)
        path = os.path.join(tmp, "demo-1.0-py3-none-any.whl")
        make_wheel(path, members, **kw)
        return install.WheelSource(path, "demo-1.0-py3-none-any.whl")

    def base(self, **extra):
        m = {"demo/__init__.py": b"X = 1\n", "demo-1.0.dist-info/METADATA": b"Name: demo\nVersion: 1.0\n", "demo-1.0.dist-info/WHEEL": self.WHEEL}
        m.update(extra)
        return m

    def error(self, members, **kw):
        with self.assertRaises(install.InstallError) as ctx:
            self.source(members, **kw)
        self.assertEqual(ctx.exception.code, "E_BUNDLE")
        return ctx.exception.message

    def test_valid_wheel_members_and_schemes(self):
        src = self.source(self.base(**{"demo-1.0.data/scripts/tool": b"#!python\n", "demo-1.0.data/data/share/x": b"x",
                                       "demo/__pycache__/x.cpython-311.pyc": b"junk"}))
        self.assertEqual(src.root_scheme, "purelib")
        got = sorted((scheme, "/".join(parts)) for _, scheme, parts in src.members())
        self.assertEqual(got, [("data", "share/x"), ("purelib", "demo-1.0.dist-info/METADATA"), ("purelib", "demo-1.0.dist-info/WHEEL"),
                               ("purelib", "demo/__init__.py"), ("scripts", "tool")])

    def test_refusals(self):
        self.assertIn("unsafe member '../evil.py' ('..' component)", self.error(self.base(**{"../evil.py": b"x"})))
        self.assertIn("unsafe member '/tmp/evil.py' (absolute path)", self.error(self.base(**{"/tmp/evil.py": b"x"})))
        self.assertIn("symlink member demo/link", self.error(self.base(**{"demo/link": b"/etc/passwd"}), symlink="demo/link"))
        self.assertIn("is not listed in RECORD with a hash",
                      self.error(self.base(), record="demo/__init__.py,,\ndemo-1.0.dist-info/RECORD,,\n"))
        self.assertIn("must hold exactly one demo-<version>.dist-info directory",
                      self.error({"demo/__init__.py": b"", "other-1.0.dist-info/WHEEL": self.WHEEL}))
        self.assertIn("Wheel-Version 2.0", self.error(self.base(**{"demo-1.0.dist-info/WHEEL": b"Wheel-Version: 2.0\n"})))

    def test_every_member_problem_is_reported_at_once(self):
        with self.assertRaises(install.InstallError) as ctx:
            self.source(self.base(**{"../a.py": b"x", "/abs.py": b"y", "demo/link": b"/etc"}), symlink="demo/link")
        self.assertEqual(ctx.exception.message, "demo-1.0-py3-none-any.whl holds an unsafe member '../a.py' ('..' component) (and 2 more problems)")
        self.assertEqual(len(ctx.exception.details["problems"]), 3)
        with self.assertRaises(install.InstallError) as ctx:
            self.source(self.base(**{"demo/b.py": b""}), record="demo/__init__.py,,\ndemo-1.0.dist-info/RECORD,,\n")
        self.assertEqual(sorted(ctx.exception.details["problems"]), sorted("demo-1.0-py3-none-any.whl: member %s is not listed in RECORD with a hash" % n for n in (
            "demo/__init__.py", "demo/b.py", "demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/WHEEL")))

    def test_record_entries_are_values(self):
        entry = install.parse_record("a.py,sha256=%s,3\n" % b64(b"abc"), "w")["a.py"]
        self.assertEqual((entry.algo, entry.size), ("sha256", 3))
        self.assertTrue(entry.matches(hashlib.sha256(b"abc").digest(), 3))
        self.assertFalse(entry.matches(hashlib.sha256(b"abd").digest(), 3))

    def test_data_dir_rules(self):
        src = self.source(self.base(**{"demo-1.0.data/bogus/x": b"x"}))
        with self.assertRaises(install.InstallError) as ctx:
            list(src.members())
        self.assertIn("is not in demo-1.0.data/{purelib,platlib,headers,scripts,data}/", ctx.exception.message)
        src = self.source(self.base(**{"demo-1.0.data/scripts/sub/tool": b"x"}))
        with self.assertRaises(install.InstallError) as ctx:
            list(src.members())
        self.assertIn("is in a subdirectory", ctx.exception.message)

    def test_entry_points(self):
        ep = b"[console_scripts]\nTool = demo.cli:main [extra]\n\n[gui_scripts]\ngui=demo:app.run\n[other]\nx = y\n"
        src = self.source(self.base(**{"demo-1.0.dist-info/entry_points.txt": ep}))
        self.assertEqual(src.entry_points(), [("Tool", "demo.cli", "main", False), ("gui", "demo", "app.run", True)])
        bad = self.source(self.base(**{"demo-1.0.dist-info/entry_points.txt": b"[console_scripts]\nx = os;import os:system\n"}))
        with self.assertRaises(install.InstallError):
            bad.entry_points()


class InflateLimitTests(unittest.TestCase):
    """A member whose zip header declares a small size but that inflates to 256 MiB is refused
    with E_BUNDLE, and reading it never takes more than a few MiB."""

    def bomb(self, declared):
        import struct

        tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, tmp)
        path = os.path.join(tmp, "demo-1.0-py3-none-any.whl")
        zero = b"\0" * (1 << 20)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("demo-1.0.dist-info/WHEEL", WheelSourceTests.WHEEL)
            with z.open("demo/bomb.bin", "w", force_zip64=False) as f:
                for _ in range(256):
                    f.write(zero)
            z.writestr("demo-1.0.dist-info/RECORD", "demo/bomb.bin,sha256=%s,%d\ndemo-1.0.dist-info/WHEEL,sha256=%s,%d\ndemo-1.0.dist-info/RECORD,,\n"
                       % (b64(b"x"), declared, b64(WheelSourceTests.WHEEL), len(WheelSourceTests.WHEEL)))
        data = bytearray(open(path, "rb").read())
        name = b"demo/bomb.bin"
        local = data.index(name) - 30  # the local header precedes the first occurrence of the name
        struct.pack_into("<I", data, local + 22, declared)
        central = data.rindex(name) - 46  # the central directory entry, the last occurrence
        struct.pack_into("<I", data, central + 24, declared)
        open(path, "wb").write(bytes(data))
        self.assertLess(len(data), 2 << 20)
        source = install.WheelSource(path, "demo-1.0-py3-none-any.whl")
        self.addCleanup(source.close)
        return source

    def measure(self, action):
        import tracemalloc

        tracemalloc.start()
        try:
            with self.assertRaises(install.InstallError) as ctx:
                action()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertEqual(ctx.exception.code, "E_BUNDLE")
        self.assertLess(peak, 16 << 20)
        return ctx.exception.message

    def test_small_member_path(self):
        src = self.bomb(1000)
        info = src.zip.getinfo("demo/bomb.bin")
        message = self.measure(lambda: src.read_small(info))
        self.assertIn("demo/bomb.bin inflates to more than the 1000 bytes its zip header declares", message)
        message = self.measure(lambda: src.read_limited(info, 1 << 30))
        self.assertRegex(message, r"inflates to more than the 1000 bytes|Bad CRC-32")

    def test_streamed_member_path(self):
        import threading

        src = self.bomb(3 << 20)
        info = src.zip.getinfo("demo/bomb.bin")
        tmp = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, tmp)
        dest = install.VenvDestination({k: tmp for k in install.SCHEME_KEYS}, sys.executable, threading.Event())
        package = {"name": "demo", "version": "1.0", "requested": True}
        message = self.measure(lambda: install.install_wheel(src, dest, package))
        self.assertRegex(message, r"inflates to more than the %d bytes|Bad CRC-32" % (3 << 20))
        self.assertLessEqual(os.path.getsize(os.path.join(tmp, "demo", "bomb.bin")), (3 << 20) + (1 << 20))


class MainTests(unittest.TestCase):
    def call(self, argv, raises):
        import contextlib

        def boom(args, log):
            raise raises

        saved = install.run_install
        install.run_install = boom
        err, out = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
                code = install.main(argv)
        finally:
            install.run_install = saved
        return code, out.getvalue(), err.getvalue()

    def test_a_bug_exits_2_and_says_so(self):
        code, _, err = self.call(["dest"], RuntimeError("boom"))
        self.assertEqual(code, 2)
        self.assertIn("Traceback (most recent call last):", err)
        self.assertTrue(err.endswith("error: internal error (a bug) in install.py: RuntimeError: boom\n"
                                     "hint: please report it with the traceback above; the current release is unchanged\n"), err)

    def test_operator_errors_exit_1_with_hints_and_json(self):
        code, out, err = self.call(["dest", "--json"], install.InstallError("E_BUNDLE", "bad thing", ["do this"], file="x"))
        self.assertEqual(code, 1)
        self.assertEqual(err, "error[E_BUNDLE]: bad thing\nhint: do this\n")
        self.assertEqual(json.loads(out), {"ok": False, "error": {"code": "E_BUNDLE", "message": "bad thing", "hints": ["do this"], "file": "x"}})

    def test_os_errors_are_the_machines_fault(self):
        code, _, err = self.call(["dest"], PermissionError(13, "Permission denied", "/opt/x"))
        self.assertEqual(code, 1)
        self.assertEqual(code, 1)
        self.assertTrue(err.startswith("error[E_PERMISSION]: user %s may not write to /opt/x\n" % install.current_user()), err)
        code, _, err = self.call(["dest"], OSError(28, "No space left on device", "/opt/y"))
        self.assertTrue(err.startswith("error[E_NO_SPACE]: no space left on the device of /opt/y"), err)


if __name__ == "__main__":
    unittest.main()
