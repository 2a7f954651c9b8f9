"""Who may see which course and quiz: the one rule the pages and the API share.

A draft course is for trainers and admins only (preview); so is its quiz: a learner
gets 404 on every page and API route of it (rules, start, answers, submit, review,
results), exactly as for a quiz that does not exist. A quiz that a published course or
a certification exam also uses stays visible.
"""

from __future__ import annotations

from lms.content.courses import Course


def course_visible(course: Course | None, sees_drafts: bool) -> bool:
    return course is not None and (sees_drafts or not course.draft)


def draft_only_quizzes(store) -> frozenset[str]:
    """Slugs of quizzes used only by draft courses (never by a published one or an exam)."""
    drafts, published = set(), set()
    for course in store.courses():
        if course.quiz:
            (drafts if course.draft else published).add(course.quiz)
    program = store.program()
    for definition in program.certifications if program else ():
        published.update(slug for slug, _minimum in definition.exams)
    return frozenset(drafts - published)


def quiz_hidden(store, slug: str, sees_drafts: bool) -> bool:
    """Whether the quiz ``slug`` (and every attempt at it) is hidden from this person.

    Attempts at a quiz whose file has since gone stay readable: they carry a snapshot.
    """
    return not sees_drafts and slug in draft_only_quizzes(store)


def visible_quiz(store, slug: str, sees_drafts: bool):
    """The quiz ``slug`` if this person may see and take it, else None (a 404)."""
    quiz = store.quiz(slug)
    return None if quiz is None or quiz_hidden(store, slug, sees_drafts) else quiz
