"""Cross-references of program.yml, checked once every file is loaded: the course and
quiz slugs and the levels and tiers it names exist, and ``requires`` has no cycle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.content.messages import N_, Message
from lms.content.problems import ContentProblem
from lms.content.program import Program
from lms.content.yaml_reader import suggest


def validate_program(program: Program, courses: Mapping[str, Any],
                     quizzes: Mapping[str, Any]) -> list[ContentProblem]:
    """Cross-references: course and quiz slugs exist, levels and tiers named exist,
    and ``requires`` has no cycle."""
    problems: list[ContentProblem] = []

    def report(message: Message, *keys: str) -> None:
        problems.append(ContentProblem(program.path, program.line_of(*keys), message))

    levels = set(program.levels)
    for cert in program.certifications:
        where = ("certifications", cert.level)
        for slug in cert.courses:
            if slug not in courses:
                report(N_("certification '%(level)s': unknown course '%(slug)s'%(hint)s",
                          level=cert.level, slug=slug, hint=suggest(slug, courses)),
                       *where, "courses", slug)
        for quiz, _ in cert.exams:
            if quiz not in quizzes:
                report(N_("certification '%(level)s': unknown quiz '%(slug)s'%(hint)s",
                          level=cert.level, slug=quiz, hint=suggest(quiz, quizzes)),
                       *where, "exams", quiz)
        for level in cert.requires:
            if level not in levels:
                report(N_("certification '%(level)s' requires unknown level '%(name)s'%(hint)s",
                          level=cert.level, name=level, hint=suggest(level, levels)),
                       *where, "requires", level)
            elif level == cert.level:
                report(N_("certification '%(level)s' requires itself", level=cert.level),
                       *where, "requires", level)
    for cycle in _requires_cycles(program):
        first = cycle[0]
        report(N_("requires form a cycle: %(cycle)s", cycle=" -> ".join(cycle + (first,))),
               "certifications", first, "requires", cycle[1 % len(cycle)])
    for tier in program.tiers:
        for level, _ in tier.certified:
            if level not in levels:
                report(N_("tier '%(tier)s': unknown certification level '%(level)s'%(hint)s",
                          tier=tier.key, level=level, hint=suggest(level, levels)),
                       "tiers", tier.key, "certified", level)
    tier_keys = {tier.key for tier in program.tiers}
    for key, _ in program.margin.certification_bonus:
        if key not in tier_keys:
            report(N_("margin certification_bonus: unknown tier '%(tier)s'%(hint)s", tier=key,
                      hint=suggest(key, tier_keys)), "margin", "certification_bonus", key)
    for level, _ in program.points.certification:
        if level not in levels:
            report(N_("points certification: unknown certification level '%(level)s'%(hint)s",
                      level=level, hint=suggest(level, levels)), "points", "certification", level)
    return sorted(problems)


def _requires_cycles(program: Program) -> list[tuple[str, ...]]:
    """Each cycle of two or more levels once, starting at its first level in file order."""
    graph = {c.level: [r for r in c.requires if r != c.level] for c in program.certifications}
    order = {level: rank for rank, level in enumerate(program.levels)}
    cycles: set[tuple[str, ...]] = set()

    def walk(level: str, trail: tuple[str, ...]) -> None:
        if level in trail:
            cycle = trail[trail.index(level):]
            start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
            cycles.add(cycle[start:] + cycle[:start])
            return
        for nxt in graph.get(level, ()):
            walk(nxt, trail + (level,))

    for level in graph:
        walk(level, ())
    return sorted(cycles, key=lambda c: order[c[0]])
