"""The certification program, ``courses/program.yml``: levels, partner tiers and margin.

``parse_program`` checks the file's shape (keys, types, ranges) and
``program_checks.validate_program`` its references (course and quiz slugs, levels, tiers). Every problem carries the file line
of the offending entry, found from the YAML node marks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

import yaml
from yaml.nodes import Node, ScalarNode

from lms.content.durations import parse_duration
from lms.content.messages import N_
from lms.content.problems import ContentProblem
from lms.content.yaml_errors import yaml_problem
from lms.content.yaml_reader import (
    Entry,
    Label,
    NodeReader,
    construct,
    line_of,
    show,
    sub_label,
)

PROGRAM_PATH = "courses/program.yml"
EVIDENCE_NAMES = ("deals_closed", "csat")
# Customer satisfaction is an average on the usual 1–5 survey scale.
CSAT_MIN, CSAT_MAX = 1.0, 5.0

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_TOP_KEYS = ("certifications", "tiers", "margin", "points", "tracks")
_POINTS_KEYS = ("lesson", "quiz_passed", "certification", "accepted_answer")
MAX_POINTS = 100_000
_CERT_KEYS = ("title", "requires", "courses", "exams", "practical", "evidence", "approvals",
              "valid_for", "courses_before_exam")
# What starting one of the level's exams with its courses not all complete does.
COURSE_GUARDS = ("warn", "block")
_TIER_KEYS = ("title", "certified", "deals_closed", "annual_revenue", "target_met")
_MARGIN_KEYS = ("base", "target_bonus", "certification_bonus", "max")


@dataclass(frozen=True)
class Certification:
    level: str                              # the key in the file: "bronze"
    title: str
    requires: tuple[str, ...] = ()          # other levels, held and unexpired
    courses: tuple[str, ...] = ()           # course slugs, all complete
    exams: tuple[tuple[str, float], ...] = ()      # (quiz slug, minimum percent)
    practical: bool = False                 # a signed-off practical assessment
    evidence: tuple[tuple[str, float], ...] = ()   # (deals_closed | csat, minimum)
    approvals: tuple[str, ...] = ()         # sign-off names: recommendation, interview, ...
    valid_for: timedelta | None = None      # None: never expires
    rank: int = 0                           # position in the file, 0 = lowest level
    courses_before_exam: str = "warn"       # warn | block: an exam started with courses left


@dataclass(frozen=True)
class Tier:
    key: str
    title: str
    certified: tuple[tuple[str, int], ...] = ()   # (level, people counting toward it)
    deals_closed: int | None = None
    annual_revenue: int | None = None             # yen
    target_met: bool | None = None                # True: the sales target must be met
    rank: int = 0                                 # 0 = lowest tier

    @property
    def has_requirements(self) -> bool:
        return bool(self.certified or self.deals_closed or self.annual_revenue
                    or self.target_met)


@dataclass(frozen=True)
class MarginRule:
    base: float = 0
    target_bonus: float = 0
    certification_bonus: tuple[tuple[str, float], ...] = ()   # (tier key, percent)
    max: float | None = None                                  # None: uncapped

    def bonus_for(self, tier_key: str) -> float:
        return dict(self.certification_bonus).get(tier_key, 0)


@dataclass(frozen=True)
class PointsRule:
    """Points per event kind (``points:`` in program.yml); anything omitted counts 0."""
    lesson: int = 0
    quiz_passed: int = 0
    certification: tuple[tuple[str, int], ...] = ()   # (level, points)
    accepted_answer: int = 0

    def for_certification(self, level: str) -> int:
        return dict(self.certification).get(level, 0)


@dataclass(frozen=True)
class Program:
    certifications: tuple[Certification, ...]
    tiers: tuple[Tier, ...]
    margin: MarginRule = MarginRule()
    points: PointsRule = PointsRule()
    path: str = PROGRAM_PATH
    # (section, key, ...) -> file line, so cross-reference problems can say where.
    lines: Mapping[tuple[str, ...], int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False)
    tracks: tuple[tuple[str, str], ...] = ()      # (course track key, title people read)

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(cert.level for cert in self.certifications)

    def certification(self, level: str) -> Certification | None:
        return next((c for c in self.certifications if c.level == level), None)

    def tier(self, key: str) -> Tier | None:
        return next((t for t in self.tiers if t.key == key), None)

    def track_title(self, key: str) -> str | None:
        return dict(self.tracks).get(key)

    def rank_of(self, level: str) -> int | None:
        cert = self.certification(level)
        return cert.rank if cert else None

    @property
    def lowest_tier(self) -> Tier:
        return self.tiers[0]

    def line_of(self, *keys: str) -> int:
        """The line of the most specific recorded entry along ``keys`` (0: unknown)."""
        for end in range(len(keys), 0, -1):
            line = self.lines.get(tuple(keys[:end]))
            if line:
                return line
        return 0


def parse_program(path: str, text: str) -> tuple[Program | None, list[ContentProblem]]:
    """Parse program.yml. Any problem yields no program from this file (the content store
    keeps serving the last good one): awarding certifications from a half-understood
    program (a misspelt requirement silently dropped) would be worse."""
    reader = _ProgramReader(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        return None, [ContentProblem(path, line + 1 if line is not None else 0,
                                     N_("invalid YAML: %(detail)s", detail=problem))]
    if root is None:
        return None, [ContentProblem(path, 0, N_("the program is empty; it needs 'certifications'"))]
    program = reader.program(root)
    if reader.problems:
        return None, sorted(reader.problems)
    return program, []


class _ProgramReader(NodeReader):
    """The program's sections on top of the generic node shapes."""


    def program(self, root: Node) -> Program | None:
        top = self.mapping(root, N_("the program"), _TOP_KEYS)
        if top is None:
            return None
        if "certifications" not in top:
            self.problem(root, N_("the program needs 'certifications'"))
        if "tiers" not in top:
            self.problem(root, N_("the program needs 'tiers' (partner company tiers, lowest first)"))
        certs = self.certifications(top["certifications"]) if "certifications" in top else ()
        tiers = self.tiers(top["tiers"]) if "tiers" in top else ()
        margin = self.margin(top["margin"]) if "margin" in top else MarginRule()
        points = self.points(top["points"]) if "points" in top else PointsRule()
        tracks = self.tracks(top["tracks"]) if "tracks" in top else ()
        return Program(certs, tiers, margin, points, self.path, MappingProxyType(dict(self.lines)),
                       tracks=tracks)

    def certifications(self, entry: Entry) -> tuple[Certification, ...]:
        key_node, node = entry
        self.lines[("certifications",)] = line_of(key_node)
        levels = self.mapping(node, "'certifications'")
        if levels is None:
            return ()
        if not levels:
            self.problem(node, N_("'certifications' needs at least one level"))
        return tuple(c for rank, (level, pair) in enumerate(levels.items())
                     if (c := self.certification(level, pair, rank)) is not None)

    def certification(self, level: str, pair: Entry, rank: int) -> Certification | None:
        key_node, node = pair
        where = ("certifications", level)
        self.lines[where] = line_of(key_node)
        if not _SLUG.match(level):
            self.problem(key_node, N_("certification level '%(level)s' must be lowercase "
                                      "letters, digits and '-'", level=level))
        label = N_("certification '%(level)s'", level=level)
        fields = self.mapping(node, label, _CERT_KEYS)
        if fields is None:
            return None
        title = self.title(fields, key_node, label)
        requires = self.names(fields.get("requires"), sub_label(label, "requires"), where + ("requires",),
                              _SLUG)
        courses = self.names(fields.get("courses"), sub_label(label, "courses"), where + ("courses",), _SLUG)
        exams = self.thresholds(fields.get("exams"), sub_label(label, "exams"), where + ("exams",),
                                allowed=None, low=0, high=100, unit="percent")
        evidence = self.thresholds(fields.get("evidence"), sub_label(label, "evidence"),
                                   where + ("evidence",), allowed=EVIDENCE_NAMES, low=0, high=None,
                                   ranges={"csat": (CSAT_MIN, CSAT_MAX)})
        approvals = self.names(fields.get("approvals"), sub_label(label, "approvals"),
                               where + ("approvals",), _NAME)
        if "practical" in approvals:
            self.problem(fields["approvals"][1], N_("%(label)s: 'practical' is a requirement of "
                                                    "its own; write 'practical: true' instead",
                                                    label=label))
        practical = self.boolean(fields.get("practical"), sub_label(label, "practical"))
        valid_for = self.valid_for(fields.get("valid_for"), label)
        guard = self.course_guard(fields.get("courses_before_exam"), label)
        return Certification(level, title, requires, courses, exams, bool(practical), evidence,
                             approvals, valid_for, rank, guard)

    def course_guard(self, entry: Entry | None, label: Label) -> str:
        if entry is None:
            return "warn"
        value = construct(entry[1]) if isinstance(entry[1], ScalarNode) else None
        if value not in COURSE_GUARDS:
            self.problem(entry[1], N_("%(label)s courses_before_exam must be 'warn' or 'block', "
                                      "not %(value)s", label=label, value=show(entry[1])))
            return "warn"
        return value

    def tiers(self, entry: Entry) -> tuple[Tier, ...]:
        key_node, node = entry
        self.lines[("tiers",)] = line_of(key_node)
        entries = self.mapping(node, "'tiers'")
        if entries is None:
            return ()
        if not entries:
            self.problem(node, N_("'tiers' needs at least one tier"))
        tiers = []
        for rank, (key, (tier_key_node, tier_node)) in enumerate(entries.items()):
            where = ("tiers", key)
            self.lines[where] = line_of(tier_key_node)
            label = N_("tier '%(key)s'", key=key)
            if not _SLUG.match(key):
                self.problem(tier_key_node, N_("%(label)s: a tier key must be lowercase letters, "
                                               "digits and '-'", label=label))
            fields = self.mapping(tier_node, label, _TIER_KEYS)
            if fields is None:
                continue
            certified = self.thresholds(fields.get("certified"), sub_label(label, "certified"),
                                        where + ("certified",), allowed=None, low=1, high=None,
                                        unit="people", whole=True)
            tier = Tier(key, self.title(fields, tier_key_node, label),
                        tuple((level, int(n)) for level, n in certified),
                        self.count(fields.get("deals_closed"), sub_label(label, "deals_closed")),
                        self.count(fields.get("annual_revenue"), sub_label(label, "annual_revenue")),
                        self.boolean(fields.get("target_met"), sub_label(label, "target_met")), rank)
            if rank == 0 and tier.has_requirements:
                # Every company must hold some tier, so the lowest one asks for nothing.
                self.problem(tier_key_node, N_("%(label)s is the lowest tier and must have no "
                                               "requirements: every company holds it",
                                               label=label))
            tiers.append(tier)
        return tuple(tiers)

    def margin(self, entry: Entry) -> MarginRule:
        key_node, node = entry
        self.lines[("margin",)] = line_of(key_node)
        fields = self.mapping(node, "'margin'", _MARGIN_KEYS)
        if fields is None:
            return MarginRule()
        base = self.percent(fields.get("base"), "margin base")
        bonus = self.percent(fields.get("target_bonus"), "margin target_bonus")
        by_tier = self.thresholds(fields.get("certification_bonus"), "margin certification_bonus",
                                  ("margin", "certification_bonus"), allowed=None, low=0, high=100,
                                  unit="percent")
        cap = self.percent(fields.get("max"), "margin max")
        return MarginRule(base or 0, bonus or 0, by_tier, cap)

    def points(self, entry: Entry) -> PointsRule:
        key_node, node = entry
        self.lines[("points",)] = line_of(key_node)
        fields = self.mapping(node, "'points'", _POINTS_KEYS)
        if fields is None:
            return PointsRule()

        def whole(name: str) -> int:
            if name not in fields:
                return 0
            self.lines[("points", name)] = line_of(fields[name][0])
            value = self.number(fields[name][1], f"points {name}", 0, MAX_POINTS, whole=True)
            return int(value or 0)

        by_level = self.thresholds(fields.get("certification"), "points certification",
                                   ("points", "certification"), allowed=None, low=0,
                                   high=MAX_POINTS, whole=True)
        return PointsRule(whole("lesson"), whole("quiz_passed"),
                          tuple((level, int(n)) for level, n in by_level), whole("accepted_answer"))

    def tracks(self, entry: Entry) -> tuple[tuple[str, str], ...]:
        """``tracks: {core: 基本, …}``: the title shown for each course ``track:`` key."""
        key_node, node = entry
        self.lines[("tracks",)] = line_of(key_node)
        fields = self.mapping(node, "'tracks'")
        if fields is None:
            return ()
        titles = []
        for name, (_key, value_node) in fields.items():
            value = construct(value_node)
            if value is None or isinstance(value, (list, dict)) or not str(value).strip():
                self.problem(value_node, N_("track '%(name)s': the title must be a non-empty text",
                                            name=name))
                continue
            titles.append((name, str(value).strip()))
        return tuple(titles)

    def valid_for(self, entry: Entry | None, label: Label) -> timedelta | None:
        if entry is None:
            return None
        node = entry[1]
        value = construct(node) if isinstance(node, ScalarNode) else None
        if value is None and isinstance(node, ScalarNode) and node.tag.endswith(":null"):
            return None  # "valid_for: ~" spells out "never expires"
        # A bare number would read as minutes; a certification's life never is.
        if not isinstance(value, str):
            self.problem(node, N_("%(label)s valid_for must be a duration with a unit, e.g. 2y "
                                  "or 730d, not %(value)s", label=label, value=show(node)))
            return None
        try:
            duration = parse_duration(value)
        except ValueError as exc:
            self.problem(node, N_("%(label)s valid_for: %(detail)s", label=label, detail=exc.args[0]))
            return None
        if duration <= timedelta(0):
            self.problem(node, N_("%(label)s valid_for must be longer than zero", label=label))
            return None
        return duration
