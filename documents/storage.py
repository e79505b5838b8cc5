"""Files on disk under a configurable root, addressed by their content hash (`ab/cd/abcd….pdf`).

Writing is atomic (a temporary file renamed into place); the same content is stored once. A file written by a
transaction that then rolls back is an orphan that nothing references — harmless, and cheaper than a lost file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: str  # relative to the root


class FileStore:
    """A content-addressed directory of PDFs."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def put(self, content: bytes, suffix: str = ".pdf") -> StoredFile:
        """Store `content` (once per distinct content) and return where it is."""
        digest = hashlib.sha256(content).hexdigest()
        relative = f"{digest[:2]}/{digest[2:4]}/{digest}{suffix}"
        target = self.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(content)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return StoredFile(digest, len(content), relative)

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file; refuses anything that would leave the root."""
        target = (self.root / relative).resolve()
        if self.root.resolve() not in target.parents:
            raise ValueError(f"path outside the documents root: {relative}")
        return target

    def read(self, relative: str) -> bytes:
        return self.path(relative).read_bytes()
