"""Writing a file the user named, safely: never half-written, never replacing one by surprise.

The content goes to a temporary file created with exclusive creation (``O_EXCL``, a random
name) in the target's own folder, so a symlink planted at a predictable name such as
``<out>.partial`` is never followed, and the final rename stays on one file system. It then
takes the target's name: by a hard link when the target must not exist yet (atomic: if
another file appeared meanwhile, the link fails and nothing is replaced), by a rename when the
user said ``--force``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from domain.errors import BadInputError
from domain.text import clipped


class OutputFileError(BadInputError):
    """The file to write cannot be written (it exists, or its folder does not)."""


def refuse_existing(path: Path, force: bool, option: str = "--out") -> None:
    """Fail early, before any work, if ``path`` exists and ``force`` was not given."""
    if not path.parent.is_dir():
        raise OutputFileError(f"{option}: folder {clipped(str(path.parent))} does not exist")
    if not force and (path.exists() or path.is_symlink()):
        raise OutputFileError(f"{option}: {clipped(str(path))} already exists; give --force to replace it")


@contextmanager
def new_file(path: Path, *, force: bool, option: str = "--out") -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` when the block ends without error."""
    refuse_existing(path, force, option)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(descriptor, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise OutputFileError(f"{option}: {clipped(str(path))} appeared while writing; give --force to replace it") from None
            os.unlink(temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
