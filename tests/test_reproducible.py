"""A fresh clone works on any machine: locked dependencies, nothing read from outside the
repository, every install path taking the lock."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    found = {canonicalize_name(m.group(1)): m.group(2) for m in PIN.finditer(text)}
    # Every pin carries hashes, so pip installs exactly these files.
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("\n\n", 1)[-1])
    assert all("--hash=sha256:" in b for b in blocks if PIN.match(b)), name
    return found


def project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_every_dependency_is_locked_within_its_range() -> None:
    data = project()["project"]
    assert isinstance(data, dict)
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    for spec in data["dependencies"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in runtime and name in dev, f"{name} is not locked"
        assert requirement.specifier.contains(runtime[name], prereleases=True), spec
    for spec in data["optional-dependencies"]["dev"]:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert requirement.specifier.contains(dev[name], prereleases=True), spec
    # The image (runtime lock) runs the same versions the tests ran (development lock).
    assert {k: v for k, v in dev.items() if k in runtime} == runtime


def test_every_install_path_takes_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r $(LOCK)" in makefile and "LOCK := requirements-dev.lock" in makefile
    assert re.search(r"^lock:", makefile, re.MULTILINE)
    dockerfile = (ROOT / "deploy/Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps --no-build-isolation ." in dockerfile
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "git clone" in ci and "make test" in ci


def test_nothing_reads_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = re.compile(r"\.\./shared|parents\[\d\]\s*/\s*[\"']shared")
    offenders = [
        name
        for name in tracked
        if not name.endswith(".md")
        and (ROOT / name).is_file()
        and not name.endswith((".json", ".lock", ".po", ".pot", ".csv"))
        and outside.search((ROOT / name).read_text(encoding="utf-8", errors="ignore"))
    ]
    assert offenders == []
    spec = ROOT / "tests/fakeapi/bot_api"
    assert (spec / "api.min.json").is_file() and (spec / "LICENSE").is_file()
