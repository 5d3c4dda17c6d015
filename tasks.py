#!/usr/bin/env python3
"""Set-up and everyday tasks with nothing but Python 3.11+ and pip.

    python3 tasks.py run     # create .venv if needed, install, start the bot (console chat without a token)
    python3 tasks.py test    # create .venv if needed, install with test extras, lint (ruff), run the whole test suite
    python3 tasks.py bench   # run every benchmark and print one table
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("需要 Python 3.11 或更高版本")
    if not PYTHON.exists():
        print("创建虚拟环境 .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("安装依赖 …", flush=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
                   cwd=ROOT, check=True)
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    task, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if task == "run":
        ensure_venv("")
        return subprocess.call([str(BIN / "domainbot"), *rest], cwd=ROOT)
    if task == "test":
        ensure_venv("test")
        lint = subprocess.call([str(BIN / "ruff"), "check", "--quiet", "."], cwd=ROOT)  # the configuration in pyproject.toml
        if lint:
            return lint
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT)
    if task == "bench":
        ensure_venv("test")
        return subprocess.call([str(PYTHON), "-m", "benchmarks", *rest], cwd=ROOT)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
