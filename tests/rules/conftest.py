"""Fixtures shared by the pure rule tests: quizzes built from inline Markdown."""

import pytest

from lms.content.quizzes import parse_quiz


def _make_quiz(body: str, front: str = "title: Test quiz"):
    quiz, problems = parse_quiz("quizzes/test.md", f"---\n{front}\n---\n{body}")
    assert problems == [], [str(p) for p in problems]
    return quiz


@pytest.fixture(scope="session")
def make_quiz():
    """``make_quiz(body, front="title: …")`` → a parsed Quiz (fails the test on problems)."""
    return _make_quiz
