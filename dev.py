#!/usr/bin/env python3
"""The project's two commands, for a fresh machine with only Python 3.11+.

    python3 dev.py demo   # set up, then run the sample PSA + fake NinjaOne (SQLite, jobs inline)
    python3 dev.py test   # set up, then run the whole test suite in parallel (extra args go to pytest;
                          # -n 0 or -p no:xdist runs it in one process)

Set-up is a local virtualenv (.venv) with the package installed editable plus its dev extra; it is
re-run only when pyproject.toml changes, so the second run starts at once.
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
STAMP = VENV / ".installed-pyproject-sha256"
DEMO_PORT = int(os.environ.get("DEMO_PORT", "5000"))
FAKE_PORT = int(os.environ.get("FAKE_NINJAONE_PORT", "5055"))
#: Organizations the demo's fake NinjaOne adds to its generated ones, spelled as an MSP's RMM often
#: spells the seeded clients of the sample host (sample_host/seed.py), so the mapping page has
#: suggestions to show: acme's Northwind Traders, Contoso Dental Group, Fabrikam Legal LLP; globex's
#: Initech and Vandelay Industries. The generated organizations have no client yet ("Create all
#: missing clients").
DEMO_ORGANIZATIONS = (
    "Northwind Traders, Inc.",
    "CONTOSO DENTAL GROUP",
    "Fabrikam Legal",
    "Initech LLC",
    "Vandelay Industries & Co.",
)


def ensure_venv() -> None:
    """Create .venv and install the project (+ dev extra) unless pyproject.toml is unchanged."""
    if sys.version_info < (3, 11):  # noqa: UP036  (dev.py may be started by an older python3)
        sys.exit("flask-ninjaone needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("Creating virtualenv in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("Installing flask-ninjaone and its dev dependencies ...", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(digest)


def flask(*args: str, env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "-m", "flask", "--app", "sample_host", *args], check=True, cwd=ROOT, env=env)


def demo() -> int:
    """Migrate + seed the SQLite demo database, start the fake NinjaOne, then the sample host."""
    env = {k: v for k, v in os.environ.items() if k not in ("NINJAONE_REDIS_URL", "DATABASE_URL")}
    # Tenants may only choose instance URLs the operator lists: the demo's operator lists its fake.
    env.setdefault("NINJAONE_ALLOWED_BASE_URLS", f"http://127.0.0.1:{FAKE_PORT}")
    flask("db", "upgrade", "heads", env=env)
    flask("seed", env=env)
    named = [arg for name in DEMO_ORGANIZATIONS for arg in ("--organization", name)]
    fake = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "flask",
            "--app",
            "sample_host",
            "ninjaone",
            "simulator",
            "--port",
            str(FAKE_PORT),
            *named,
        ],
        cwd=ROOT,
        env=env,
    )
    print(
        f"\nDemo: http://127.0.0.1:{DEMO_PORT}/  (logins: admin@acme.test / tech@acme.test / "
        f"viewer@acme.test, password demo1234; same for globex)\n"
        f"Fake NinjaOne: http://127.0.0.1:{FAKE_PORT}  (client id demo-client-id, "
        "secret demo-client-secret; choose 'Custom URL' in the NinjaOne settings; its device pages "
        "are at that address)\n",
        flush=True,
    )
    try:
        flask("run", "--port", str(DEMO_PORT), env=env)
    except KeyboardInterrupt:
        pass
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    return 0


#: pytest-xdist workers for a full run. The suite waits on subprocesses, sockets and databases as much as
#: it computes, so a few more workers than cores pay (measured in docs/contributing.md).
TEST_WORKERS = os.environ.get("NINJAONE_TEST_WORKERS", "4")
#: Arguments after which the run stays in one process: the user chose the distribution, or wants to
#: see output or debug (xdist swallows ``-s`` output and cannot host a debugger).
SERIAL_FLAGS = ("-n", "--numprocesses", "--dist", "--pdb", "--trace", "-s", "--capture")


def parallel_args(args: list[str]) -> list[str]:
    """``-n <workers> --dist loadgroup`` unless ``args`` choose otherwise or name single tests."""
    for arg, following in zip(args, [*args[1:], ""], strict=False):
        if arg.startswith(SERIAL_FLAGS) or "::" in arg or "no:xdist" in (arg, following, arg[2:]):
            return []
    return ["-n", TEST_WORKERS, "--dist", "loadgroup"]


def test(args: list[str]) -> int:
    """Run pytest inside the virtualenv (in parallel, see ``parallel_args``); services are used only
    when the test env vars are set."""
    # Every worker imports the package and assertion-rewrites ~250 modules: from cached bytecode
    # (gitignored __pycache__) that is 3 s of CPU per process instead of 8, so the run caches it even
    # where PYTHONDONTWRITEBYTECODE is set.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return subprocess.run([PYTHON, "-m", "pytest", *parallel_args(args), *args], cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    ensure_venv()
    return demo() if argv[0] == "demo" else test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
