"""Fetch Debian packages with ``apt-get download`` and unpack them with ``dpkg -x`` (no root install needed)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


class PackageError(RuntimeError):
    """A package could not be downloaded or unpacked; the message names it."""


@dataclass(frozen=True)
class Package:
    """An unpacked package: ``root`` is the folder that ``dpkg -x`` filled."""

    name: str
    version: str
    root: Path

    def files(self, pattern: str) -> list[Path]:
        """Files matching the glob ``pattern`` (relative to the package root), sorted."""
        return sorted(path for path in self.root.glob(pattern) if path.is_file())

    def inner_path(self, path: Path) -> str:
        """``path`` as it sits inside the package (e.g. ``usr/share/...``)."""
        return path.relative_to(self.root).as_posix()


def _run(command: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise PackageError(f"{command[0]} not found: the builder needs a Debian system (apt-get, dpkg)") from error
    except subprocess.CalledProcessError as error:
        raise PackageError(f"{' '.join(command)} failed: {error.stderr.strip()}") from error
    return result.stdout


def fetch_package(name: str, cache_dir: Path) -> Package:
    """Download ``name`` into ``cache_dir`` (once) and unpack it to ``cache_dir/NAME``."""
    cache_dir = Path(cache_dir).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    debs = sorted(cache_dir.glob(f"{name}_*.deb"))
    if not debs:
        _run(["apt-get", "download", name], cache_dir)
        debs = sorted(cache_dir.glob(f"{name}_*.deb"))
        if not debs:
            raise PackageError(f"apt-get download {name} left no .deb in {cache_dir} (run apt-get update?)")
    deb = debs[-1].resolve()
    version = _run(["dpkg-deb", "-f", str(deb), "Version"], cache_dir).strip()
    root = cache_dir / name
    stamp = root / ".unpacked"
    if not stamp.exists() or stamp.read_text() != deb.name:
        _run(["dpkg", "-x", str(deb), str(root)], cache_dir)
        stamp.write_text(deb.name)
    return Package(name, version, root)
