"""One file of named numpy arrays that many processes can memory-map instead of copying.

Layout: the 8-byte magic ``SKNET\\x00\\x01\\x00``, the header's length (8 bytes, little
endian), a JSON header ``{"meta": {...}, "arrays": {name: [dtype, shape, offset]}}``,
then each array's bytes at an offset aligned to 64 bytes. :func:`read_arrays` maps the
arrays read-only (``np.memmap``): the operating system shares the pages between every
worker that loads the same file, and reads only the pages a query touches.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

MAGIC = b"SKNET\x00\x01\x00"
_ALIGN = 64


class StorageError(ValueError):
    """The file is not an array store of this format (or is damaged)."""


def write_arrays(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` and ``meta`` to ``path`` atomically (a hidden temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = {}
    offset = 0
    contiguous = {}
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        if array.dtype.hasobject:
            msg = f"array {name} holds Python objects"
            raise StorageError(msg)
        contiguous[name] = array
        table[name] = [array.dtype.str, list(array.shape), offset]
        offset += -(-array.nbytes // _ALIGN) * _ALIGN
    header = json.dumps({"meta": meta, "arrays": table}).encode()
    start = -(-(len(MAGIC) + 8 + len(header)) // _ALIGN) * _ALIGN
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(MAGIC + struct.pack("<Q", len(header)) + header)
        for name, array in contiguous.items():
            handle.seek(start + table[name][2])
            handle.write(array.tobytes())
        handle.truncate(start + offset)
    temporary.replace(path)
    return path


def read_meta(path: Path) -> tuple[dict, dict, int]:
    """The header of an array store: (meta, array table, data start)."""
    with Path(path).open("rb") as handle:
        head = handle.read(len(MAGIC) + 8)
        if len(head) < len(MAGIC) + 8 or head[:len(MAGIC)] != MAGIC:
            msg = "not an array store of this format"
            raise StorageError(msg)
        (length,) = struct.unpack("<Q", head[len(MAGIC):])
        if length > 1 << 24:
            msg = "header too large"
            raise StorageError(msg)
        raw = handle.read(length)
    try:
        header = json.loads(raw)
        meta, table = header["meta"], header["arrays"]
    except (ValueError, KeyError, TypeError) as exc:
        msg = "unreadable header"
        raise StorageError(msg) from exc
    start = -(-(len(MAGIC) + 8 + length) // _ALIGN) * _ALIGN
    return meta, table, start


def read_arrays(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """(meta, arrays) with every array memory-mapped read-only."""
    path = Path(path)
    meta, table, start = read_meta(path)
    size = path.stat().st_size
    arrays = {}
    for name, (dtype, shape, offset) in table.items():
        dtype = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        if start + offset + count * dtype.itemsize > size:
            msg = f"array {name} runs past the end of the file"
            raise StorageError(msg)
        if count == 0:
            arrays[name] = np.zeros(shape, dtype)
        else:
            arrays[name] = np.memmap(path, dtype=dtype, mode="r", offset=start + offset, shape=tuple(shape))
    return meta, arrays
