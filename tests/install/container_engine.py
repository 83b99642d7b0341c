"""A private podman for the container test: its own storage, run and temporary directories
under the test's folder, and the settings these machines need.

Why each setting (all found by trying on the project's machines, a VM where we are root):

- ``runtime = "runc"``: crun 1.8 refuses cgroups in hybrid (v1 + v2) mode ("cgroups in hybrid
  mode not supported, drop all controllers from cgroupv2"); runc runs.
- ``cgroup_manager = "cgroupfs"`` and ``events_logger = "file"``: there is no systemd.
- ``default_ulimits``: podman asks for RLIMIT_NOFILE/RLIMIT_NPROC above the machine's hard
  limits, which root cannot raise here (no CAP_SYS_RESOURCE): "setrlimit `RLIMIT_NOFILE`:
  Operation not permitted".
- ``network_backend = "netavark"`` (with aardvark-dns): service names resolve between
  containers, as compose files expect. Network definitions stay in podman's shared directory so
  that concurrent runs pick different bridges and subnets; the test removes its network.
- ``driver = "overlay"`` in storage.conf: the kernel's overlayfs as root; vfs works too but
  copies every layer (a container start takes ~10 s instead of ~0.5 s).

Images come from a Debian root filesystem made by ``mmdebstrap`` (Debian's archive is
reachable, no container registry is) and imported with ``podman import``; it is cached per
machine, see :func:`debian_rootfs`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

TOOLS = {
    "podman": "podman", "podman-compose": "podman-compose", "runc": "runc",
    "mmdebstrap": "mmdebstrap", "netavark": "netavark", "aardvark-dns": "aardvark-dns",
}
"""Commands the test needs, and the Debian package of each (scripts/lib.sh installs them)."""

SUITE = "bookworm"
"""Debian 12: its python3 is 3.11, the same minor version as the wheels downloaded for it."""

PACKAGES = ("python3", "python3-venv", "mosquitto")
"""One base for both images: Cibo's (Python and venv) and the broker's (mosquitto)."""


def require_tools() -> None:
    """Fail the test, naming the packages, when an engine tool is missing."""
    missing = sorted({pkg for tool, pkg in TOOLS.items()
                      if shutil.which(tool) is None
                      and not Path(f"/usr/lib/podman/{tool}").exists()})
    if missing:
        pytest.fail(f"the container test needs: apt-get install {' '.join(missing)} "
                    "(scripts/test installs them)")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cibo-tests"


def debian_rootfs() -> Path:
    """A tarball of a minimal Debian :data:`SUITE` with :data:`PACKAGES`, made once per machine
    with mmdebstrap (~25 s to 2 min, from Debian's archive) and kept in ``~/.cache/cibo-tests``.
    Concurrent callers wait for the one that builds it."""
    key = hashlib.sha256(f"{SUITE} {' '.join(PACKAGES)} v1".encode()).hexdigest()[:12]
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tarball = folder / f"debian-{SUITE}-{key}.tar"
    with (folder / f"{tarball.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not tarball.exists():
            partial = tarball.with_suffix(".partial.tar")
            done = subprocess.run(
                ["mmdebstrap", "--variant=minbase", "--quiet", f"--include={','.join(PACKAGES)}",
                 "--dpkgopt=path-exclude=/usr/share/doc/*",
                 "--dpkgopt=path-exclude=/usr/share/man/*",
                 "--dpkgopt=path-exclude=/usr/share/locale/*",
                 SUITE, str(partial)],
                capture_output=True, text=True, timeout=600, check=False,
            )
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                pytest.fail(f"mmdebstrap failed:\n{done.stdout}\n{done.stderr}")
            partial.rename(tarball)
    return tarball


class Engine:
    """podman and podman-compose confined to ``root`` (see the module's docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("storage", "run", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "containers.conf").write_text(
            "[containers]\n"
            'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]\n'
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'events_logfile_path = "{root}/tmp/events.log"\n'
            f'tmp_dir = "{root}/tmp"\n'
            "[network]\n"
            'network_backend = "netavark"\n'
        )
        (root / "storage.conf").write_text(
            "[storage]\n"
            'driver = "overlay"\n'
            f'graphroot = "{root}/storage"\n'
            f'runroot = "{root}/run"\n'
        )
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
        }

    def run(
        self, argv: Sequence[str], *, cwd: Path | None = None, timeout: float = 300,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            list(argv), cwd=cwd, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )
        if check and done.returncode != 0:
            pytest.fail(f"{' '.join(argv)} exited {done.returncode}\n{done.stdout}\n"
                        f"{done.stderr}")
        return done

    def podman(self, *args: str, timeout: float = 300, check: bool = True) -> str:
        return self.run(["podman", *args], timeout=timeout, check=check).stdout

    def logs(self, container: str) -> str:
        """The container's output: the server logs to stderr, its banner goes to stdout."""
        done = self.run(["podman", "logs", container], check=False)
        return done.stdout + done.stderr

    def compose(self, project_dir: Path, project: str, *args: str, check: bool = True) -> str:
        return self.run(["podman-compose", "-p", project, *args], cwd=project_dir,
                        timeout=120, check=check).stdout

    def remove_everything(self, networks: Sequence[str] = ()) -> None:
        """This engine's containers, volumes and images, the named ``networks`` (definitions
        are shared between engines, so never ``podman system reset``), and its storage."""
        self.podman("rm", "--all", "--force", "--time", "2", check=False)
        self.podman("volume", "prune", "--force", check=False)
        for network in networks:
            self.podman("network", "rm", "--force", network, check=False)
        self.podman("rmi", "--all", "--force", check=False, timeout=120)
        # The overlay driver bind-mounts its own directory; it outlives the last podman call.
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
        for point in sorted((m for m in mounts if m.startswith(f"{self.root}/")), reverse=True):
            subprocess.run(["umount", "--lazy", point], check=False, capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)
