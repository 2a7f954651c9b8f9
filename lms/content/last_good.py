"""Copies of each content file's last valid version, kept on disk.

The store serves a broken file's last valid version from memory; these copies (in the
instance folder) let a restarted site do the same, so a typo that is still there after
a deploy or restart hides nothing and flips nobody's requirements. One sub-folder per
content root, so two sites (or test apps) never mix their copies.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lms.content.severity import errors

log = logging.getLogger(__name__)


class LastGoodCopies:
    def __init__(self, folder: Path | None, root: Path):
        digest = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
        self.root = Path(folder) / digest if folder is not None else None

    def save_file(self, rel: str, text: str) -> None:
        if self.root is None:
            return
        target = self.root / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_file() and target.read_text(encoding="utf-8") == text:
                return
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, target)  # readers see the old or the new copy, whole
        except OSError:
            log.warning("could not keep a copy of %s", rel, exc_info=True)

    def load_file(self, rel: str, parse: Callable[[str, str], tuple[Any, list]]) -> Any:
        if self.root is None or not (self.root / rel).is_file():
            return None
        try:
            value, problems = parse(rel, (self.root / rel).read_text(encoding="utf-8"))
        except Exception:  # a copy that no longer parses (a new release) is no copy
            log.warning("the kept copy of %s could not be read", rel, exc_info=True)
            return None
        return value if value is not None and not errors(problems) else None

    def save_course(self, slug: str, folder: Path) -> None:
        """The course's Markdown files (media stay where they are, served from the folder)."""
        if self.root is None:
            return
        target = self.root / "courses" / slug
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
            for source in folder.glob("*.md"):
                shutil.copy2(source, staging / source.name)
            old = target.with_name(f".old-{slug}-{os.getpid()}")
            if target.exists():
                os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        except OSError:
            log.warning("could not keep a copy of courses/%s", slug, exc_info=True)

    def load_course(self, slug: str, load: Callable[[Path, str], tuple[Any, list]]) -> Any:
        if self.root is None or not (self.root / "courses" / slug / "course.md").is_file():
            return None
        try:
            value, problems = load(self.root, slug)
        except Exception:
            log.warning("the kept copy of courses/%s could not be read", slug, exc_info=True)
            return None
        return value if value is not None and not errors(problems) else None
