"""Checks across files, run after every file is loaded: prerequisites, quizzes,
links between courses, prerequisite cycles."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from lms.content.courses import Course
from lms.content.links import COURSE_FILE
from lms.content.messages import N_
from lms.content.problems import ContentProblem
from lms.content.severity import warning


def check_course_references(courses: Mapping[str, Course], course_slugs: Collection[str],
                            quiz_slugs: Collection[str]) -> list[ContentProblem]:
    """Problems in references between loaded ``courses``.

    ``course_slugs`` and ``quiz_slugs`` are everything present on disk, broken or
    not: a reference to a broken file is not reported again here, the broken file
    already is.
    """
    problems: list[ContentProblem] = []
    for course in courses.values():
        where = course.course_md
        line = course.line_of("prerequisites")
        for prerequisite in course.prerequisites:
            if prerequisite == course.slug:
                problems.append(ContentProblem(where, line,
                                               N_("a course cannot be its own prerequisite")))
            elif prerequisite not in course_slugs:
                problems.append(ContentProblem(
                    where, line, N_("prerequisite '%(slug)s' is not a course "
                                    "(no courses/%(slug)s/course.md)", slug=prerequisite)))
            elif (prerequisite in courses and courses[prerequisite].draft
                  and not course.draft):
                problems.append(warning(
                    where, line, N_("prerequisite '%(slug)s' is a draft, which learners "
                                    "cannot see or complete", slug=prerequisite)))
        if course.quiz is not None and course.quiz not in quiz_slugs:
            problems.append(ContentProblem(
                where, course.line_of("quiz"),
                N_("quiz '%(slug)s' does not exist (no quizzes/%(slug)s.md)", slug=course.quiz)))
        problems += _check_links(course, courses, course_slugs)
    problems += _cycle_problems(courses)
    return problems


def check_course_levels(courses: Mapping[str, Course],
                        levels: Collection[str]) -> list[ContentProblem]:
    """A course's ``level`` names a certification of program.yml (``levels``, in order)."""
    return [ContentProblem(course.course_md, course.line_of("level"),
                           N_("'%(key)s' must be one of %(options)s, not %(value)s", key="level",
                              options=", ".join(levels), value="'" + str(course.level) + "'"))
            for course in courses.values()
            if course.level is not None and course.level not in levels]


def _check_links(course: Course, courses: Mapping[str, Course],
                 course_slugs: Collection[str]) -> list[ContentProblem]:
    problems = []
    for ref in course.links:
        target = courses.get(ref.course)
        if target is None:
            if ref.course not in course_slugs:
                problems.append(warning(ref.path, ref.line, N_(
                    "link to course '%(slug)s', which does not exist", slug=ref.course)))
            continue  # a broken course is reported on its own
        if ref.filename != COURSE_FILE and all(l.filename != ref.filename for l in target.lessons):
            problems.append(warning(ref.path, ref.line, N_(
                "link to %(file)s, which is not a lesson of course '%(slug)s'",
                file=ref.filename, slug=ref.course)))
    return problems


def prerequisite_cycles(courses: Mapping[str, Course]) -> list[tuple[str, ...]]:
    """Each cycle of two or more courses once, rotated to start at its smallest slug."""
    graph = {slug: [p for p in c.prerequisites if p in courses and p != slug]
             for slug, c in courses.items()}
    cycles: set[tuple[str, ...]] = set()
    done: set[str] = set()

    def walk(slug: str, trail: list[str], on_trail: set[str]) -> None:
        if slug in on_trail:
            cycle = trail[trail.index(slug):]
            start = cycle.index(min(cycle))
            cycles.add(tuple(cycle[start:] + cycle[:start]))
            return
        if slug in done:
            return
        trail.append(slug)
        on_trail.add(slug)
        for prerequisite in graph[slug]:
            walk(prerequisite, trail, on_trail)
        trail.pop()
        on_trail.discard(slug)
        done.add(slug)

    for slug in sorted(graph):
        walk(slug, [], set())
    return sorted(cycles)


def _cycle_problems(courses: Mapping[str, Course]) -> list[ContentProblem]:
    problems = []
    for cycle in prerequisite_cycles(courses):
        first = courses[cycle[0]]
        problems.append(ContentProblem(
            first.course_md, first.line_of("prerequisites"),
            N_("prerequisites form a cycle, so none of these courses can be started: "
               "%(cycle)s", cycle=" -> ".join(cycle + (cycle[0],)))))
    return problems
