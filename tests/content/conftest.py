"""Helpers that build small content trees in tmp_path."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relpath: text}`` under ``root`` (text dedented) and return ``root``.

    Each written file gets an mtime one second after its previous one, so a rewrite
    is always a new version even on file systems with coarse timestamps.
    """
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.stat().st_mtime_ns if path.exists() else None
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        if before is not None:
            os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))
    return root


COURSE_MD = """
---
title: Koemoji basics
level: bronze
track: core
hours: 4
order: 10
prerequisites: [partner-program]
quiz: basics-check
draft: false
---
Overview with a [first lesson](01-intro.md).
"""

LESSON_INTRO = """
---
title: Introduction
minutes: 15
video: https://www.youtube.com/watch?v=dQw4w9WgXcQ
---
## What it is

Read the [pricing](02-pricing.md#tiers) next.
"""

LESSON_PRICING = """
---
title: Pricing
---
## Tiers

![diagram](media/diagram.png)
"""


@pytest.fixture
def write_files():
    return write


@pytest.fixture
def basic_course(tmp_path) -> Path:
    """A content root with one healthy course ``basics`` of two lessons."""
    return write(tmp_path, {
        "courses/basics/course.md": COURSE_MD,
        "courses/basics/01-intro.md": LESSON_INTRO,
        "courses/basics/02-pricing.md": LESSON_PRICING,
        "courses/basics/media/diagram.png": "PNG",
    })
