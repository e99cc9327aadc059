"""What a jurisdiction's policy says, as a strict schema.

Every field is required and typed strictly (YAML's ``1.0`` is not the string "1.0", its
``no`` is not a word): a policy is a legal configuration, and a rule that silently took a
default or a coerced value would be a rule nobody wrote. Unknown fields are refused, so a
misspelt rule is an error rather than a rule that is never applied.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from facedocket.policy.afterwards import OutcomeTracking, PublicLog, UnlawfulSearches
from facedocket.policy.fields import Days, Slug, Strict, Text, unique
from facedocket.policy.floors import AccuracyFloor

# The legal bases a request can rest on. ``investigation``: a criminal investigation with
# no judicial authorisation (e.g. Maryland, for listed crimes); ``missing_person``: a
# missing person, or one unable to identify themselves.
BasisKind = Literal[
    "court_order", "warrant", "emergency", "deceased", "missing_person", "investigation"
]
# What a request can hold (requirement 2); policies say which are required. A closed list,
# so a policy cannot require a field the request form does not have.
RequestField = Literal[
    "requesting_officer",
    "officer_rank",
    "agency",
    "case_number",
    "offence",
    "narrative",
    "probe_image",
    "probe_source",
    "order_document",
    "warrant_document",
    "court",
    "docket_number",
    "judge",
    "issued_on",
    "expires_on",
    "order_scope",
    "emergency_facts",
    "approving_supervisor",
    "sworn_statement",
    "death_record",
    "missing_person_report",
    "purpose",
]
OffenceClass = Literal["felony", "misdemeanour"]
# The steps of one request a policy can require different people for. Approving an
# emergency request is both ``approve`` and ``emergency_approval``.
DutyStep = Literal[
    "request", "approve", "emergency_approval", "search", "first_review", "second_review"
]


class SearchLimit(Strict):
    """Searches one authorisation allows: ``default`` unless it grants up to ``max``."""

    default: int = Field(ge=1)
    max: int = Field(ge=1, le=1000)

    @model_validator(mode="after")
    def _default_within_max(self) -> SearchLimit:
        if self.default > self.max:
            raise ValueError(f"default {self.default} is above max {self.max}")
        return self

    def granted(self, written: int | None) -> int:
        """What one authorisation grants: the number it states, else the default."""
        return self.default if written is None else written


class FollowUp(Strict):
    """A document due within ``deadline_hours`` of the first search (requirement 5)."""

    deadline_hours: int = Field(ge=1, le=24 * 30)
    document: RequestField
    sworn: bool
    filed_with: Text


class BasisRule(Strict):
    required_fields: list[RequestField]
    # A reviewer confirms the basis covers the request before any search (requirement 3).
    reviewer_confirms: bool
    # Whether the policy's offence rule (any / felony / listed) limits this basis.
    offence_rule_applies: bool
    searches: SearchLimit
    follow_up: FollowUp | None
    # The longest an order or warrant may run, issue to expiry, in days; needed where the
    # basis records an expiry, so no order can be made a standing licence.
    max_life_days: Days | None = None

    @field_validator("required_fields")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        return unique(value, "field")

    @model_validator(mode="after")
    def _expiry_has_a_limit(self) -> BasisRule:
        if "expires_on" in self.required_fields and self.max_life_days is None:
            raise ValueError("a basis that records an expiry needs max_life_days")
        return self


class Offence(Strict):
    code: str = Field(min_length=1, max_length=50)
    name: Text
    statute: Text


class OffenceClassRule(Strict):
    """A class of offence the law names (felony, violent crime, serious crime ...); the
    request's ``offence_class`` must be one of the allowed ids."""

    id: str = Field(pattern=r"^[a-z_]{3,50}$")
    name: Text


class OffenceRule(Strict):
    """``any`` offence, only offences of the listed ``classes``, or only the ``listed``
    offences (by code)."""

    rule: Literal["any", "classes", "listed"]
    classes: list[OffenceClassRule]
    listed: list[Offence]

    @model_validator(mode="after")
    def _list_matches_rule(self) -> OffenceRule:
        for rule, entries in (("classes", self.classes), ("listed", self.listed)):
            if self.rule == rule and not entries:
                raise ValueError(f"rule {rule!r} needs at least one entry in {rule!r}")
            if self.rule != rule and entries:
                raise ValueError(f"rule {self.rule!r} ignores {rule!r}; leave it empty")
        unique([normal_code(offence.code) for offence in self.listed], "offence code")
        unique([kind.id for kind in self.classes], "offence class")
        return self


class Purpose(Strict):
    """One use the law authorises, from a closed list (e.g. Va. Code § 15.2-1723.2 A)."""

    id: Slug
    name: Text


class Narrative(Strict):
    """A written statement a request must hold, and the legal standard it must meet
    (e.g. Utah's "fair probability" that the subject is connected to the crime)."""

    id: Slug
    label: Text
    standard: Text
    # The bases whose requests need it (an investigation, not a deceased person).
    bases: list[BasisKind] = Field(min_length=1)
    min_length: int = Field(ge=10, le=5000)


class Intake(Strict):
    """Who takes a request in: the searching body itself (``screening: null``), or first a
    screening body of its own, then the searching body searches (two bodies, two stages:
    Maine's State Police screen, then the BMV or the FBI searches)."""

    screening: SearchingBody | None


class SearchingBody(Strict):
    id: Slug
    name: Text


class Searchers(Strict):
    """Who may run searches; ``bodies: null`` means any law-enforcement agency."""

    bodies: Annotated[list[SearchingBody], Field(min_length=1)] | None
    roles: list[Slug] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Searchers:
        unique([body.id for body in self.bodies or []], "body")
        unique(self.roles, "role")
        return self


class Candidates(Strict):
    default: int = Field(ge=1)
    max: int = Field(ge=1, le=1000)
    # null: the model's calibrated threshold; a number: this threshold for every model.
    similarity_threshold: Annotated[float, Field(gt=0, le=1)] | None

    @model_validator(mode="after")
    def _default_within_max(self) -> Candidates:
        if self.default > self.max:
            raise ValueError(f"default {self.default} is above max {self.max}")
        return self


class Review(Strict):
    """A first examiner always reviews every candidate; a second one may be required."""

    second_examiner: Literal["required", "optional"]


class SeparateDuties(Strict):
    """Steps of one request that must each be taken by a different person."""

    id: Slug
    steps: list[DutyStep] = Field(min_length=2)
    # Where the rule comes from: the law or a proposal (``citation`` names the section),
    # or the agency's own practice (``citation`` says whose and why).
    source: Literal["law", "proposal", "agency practice"]
    citation: Text

    @field_validator("steps")
    @classmethod
    def _one_person_per_step(cls, value: list[str]) -> list[str]:
        unique(value, "step")
        if {"approve", "emergency_approval"} <= set(value):
            raise ValueError(
                "approve and emergency_approval are one act for an emergency request "
                "(one person takes both); put them in separate rules"
            )
        return value


class Training(Strict):
    required: bool
    valid_days: Days | None

    @model_validator(mode="after")
    def _validity_needs_requirement(self) -> Training:
        if self.valid_days is not None and not self.required:
            raise ValueError("valid_days is set but training is not required")
        return self


class Retention(Strict):
    """Days a record is kept, then purged unless on legal hold; null: never purged here."""

    probe_images: Days | None
    candidate_lists: Days | None
    documents: Days | None
    request_records: Days | None


class MonthDay(Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _real_day(self) -> MonthDay:
        # 2001 is not a leap year: a period cannot start on a day most years lack.
        try:
            date(2001, self.month, self.day)
        except ValueError:
            raise ValueError(f"{self.month}-{self.day} is not a day of every year") from None
        return self


class Reporting(Strict):
    oversight_body: Text
    documentation_interval_months: int = Field(ge=1, le=12)
    period_start: MonthDay
    # Public counts below this are shown as "fewer than N"; 0 publishes every count.
    suppress_below: int = Field(ge=0, le=100)
    public_per_search_records: bool
    demographics: bool


# What a law's own report holds; each is built from the record by ``reports.law``.
ReportContent = Literal[
    "requests-by-crime-type", "searches-offences-outcomes", "use-and-compliance"
]


class ReportKind(Strict):
    """A report a law requires, as a kind of its own: what it holds, to whom it goes, and
    the day it is due each year, for the calendar year before (Montana: agencies by June
    30, the Department of Justice by September 1)."""

    id: Slug
    name: Text
    content: ReportContent
    to: Text
    due: MonthDay


class Disclosure(Strict):
    notify_defendants: bool


class Source(Strict):
    """Where one rule comes from, shown beside the rule wherever it is explained.

    ``verified: false`` says the citation was written from a summary, not checked against
    the official text; ``note`` then says what is uncertain, so nobody reads it as law.
    """

    cite: Text
    origin: Literal["law", "proposed law", "configuration", "agency practice"]
    verified: bool
    note: Text | None = None

    @model_validator(mode="after")
    def _unverified_says_why(self) -> Source:
        if not self.verified and self.note is None:
            raise ValueError("an unverified source needs a note saying what is uncertain")
        return self


class Policy(Strict):
    """One version of one jurisdiction's rules; decisions cite its id and version."""

    id: Slug
    version: str = Field(pattern=r"^[0-9]+(\.[0-9]+){0,3}$")
    title: Text
    jurisdiction: Text
    # ``proposed``: a bill or a recommendation, not law; every page showing it says so.
    status: Literal["law", "proposed"]
    # The local days (``timezone``) this version is in force, both included; no end: still.
    effective_from: date
    effective_to: date | None
    timezone: str
    statute: Text
    request_fields: list[RequestField]
    # No basis at all: the law of this version allows no search (a ban).
    bases: dict[BasisKind, BasisRule]
    offences: OffenceRule
    # The closed list of uses the law authorises; null: the law lists none.
    purposes: Annotated[list[Purpose], Field(min_length=1)] | None
    narratives: list[Narrative]
    intake: Intake
    searchers: Searchers
    galleries: list[Slug] = Field(min_length=1)
    candidates: Candidates
    still_images_only: bool
    # Pixels between the eye centres below which a probe is too small to compare well;
    # searching it anyway needs a recorded override reason (requirement 9). 0: no floor.
    probe_min_eye_distance: int = Field(ge=0, le=1000)
    review: Review
    separate_duties: list[SeparateDuties]
    training: Training
    algorithm_approval_required: bool
    # The least accuracy the model must have measured in each demographic group; null:
    # the law sets none.
    model_accuracy: AccuracyFloor | None
    retention_days: Retention
    reporting: Reporting
    disclosure: Disclosure
    # The rules only some laws have; absent (null): this law has no such rule, and then
    # it needs no citation. Present, it is cited like every other rule.
    outcomes: OutcomeTracking | None = None
    unlawful_searches: UnlawfulSearches | None = None
    public_log: PublicLog | None = None
    report_kinds: Annotated[list[ReportKind], Field(min_length=1)] | None = None
    # Each rule's citation, by rule name (``rule_names``): every rule has one.
    sources: dict[str, Source]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name)") from None
        return value

    @field_validator("request_fields")
    @classmethod
    def _no_repeated_fields(cls, value: list[str]) -> list[str]:
        return unique(value, "field")

    @field_validator("galleries")
    @classmethod
    def _no_repeated_galleries(cls, value: list[str]) -> list[str]:
        return unique(value, "gallery")

    @field_validator("purposes")
    @classmethod
    def _no_repeated_purposes(cls, value: list[Purpose] | None) -> list[Purpose] | None:
        unique([purpose.id for purpose in value or []], "purpose")
        return value

    @field_validator("narratives")
    @classmethod
    def _no_repeated_narratives(cls, value: list[Narrative]) -> list[Narrative]:
        unique([narrative.id for narrative in value], "narrative")
        return value

    @field_validator("report_kinds")
    @classmethod
    def _no_repeated_kinds(cls, value: list[ReportKind] | None) -> list[ReportKind] | None:
        unique([kind.id for kind in value or []], "report kind")
        return value

    @field_validator("separate_duties")
    @classmethod
    def _no_repeated_rules(cls, value: list[SeparateDuties]) -> list[SeparateDuties]:
        unique([rule.id for rule in value], "separate_duties rule")
        return value

    @model_validator(mode="after")
    def _offence_is_asked_where_it_is_checked(self) -> Policy:
        for kind, rule in self.bases.items():
            asked = "offence" in self.request_fields or "offence" in rule.required_fields
            if rule.offence_rule_applies and self.offences.rule != "any" and not asked:
                raise ValueError(
                    f"bases.{kind}: the offence rule applies but no request field 'offence' "
                    "is required"
                )
        return self

    @model_validator(mode="after")
    def _rules_agree(self) -> Policy:
        for index, narrative in enumerate(self.narratives):
            unknown = [kind for kind in narrative.bases if kind not in self.bases]
            if unknown:
                raise ValueError(
                    f"narratives[{index}].bases: {', '.join(unknown)} is not a basis of this policy"
                )
        screening = self.intake.screening
        searchers = [body.id for body in self.searchers.bodies or []]
        if screening is not None and not searchers:
            raise ValueError(
                "intake.screening: a screening body needs named searching bodies "
                "(searchers.bodies), so that the two stages are two different bodies"
            )
        if screening is not None and screening.id in searchers:
            raise ValueError(
                f"intake.screening: {screening.id} also searches; the screening body and the "
                "searching bodies must be different bodies"
            )
        return self

    @model_validator(mode="after")
    def _public_log_of_searching_bodies(self) -> Policy:
        named = [body.id for body in self.searchers.bodies or []]
        log = self.public_log
        unknown = [b for b in log.searching_bodies if b not in named] if log and named else []
        if unknown:
            raise ValueError(
                f"public_log.searching_bodies: {', '.join(unknown)} is not a searching body "
                f"of this policy ({', '.join(named)})"
            )
        return self

    @model_validator(mode="after")
    def _every_rule_cited(self) -> Policy:
        names = rule_names(self)
        missing = [name for name in names if name not in self.sources]
        unknown = sorted(set(self.sources) - set(names))
        if missing:
            raise ValueError(f"sources: no source for {', '.join(missing)}")
        if unknown:
            raise ValueError(f"sources: no rule called {', '.join(unknown)}")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to: {self.effective_to} is before effective_from {self.effective_from}"
            )
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# The rules a pack cites, in the order they are explained; each basis is a rule of its own.
# ``separate_duties`` rules carry their own citation.
RULES = (
    "request_fields",
    "bases",
    "offences",
    "purposes",
    "narratives",
    "intake",
    "searchers",
    "galleries",
    "candidates",
    "still_images_only",
    "probe_min_eye_distance",
    "review",
    "training",
    "algorithm_approval_required",
    "model_accuracy",
    "retention_days",
    "reporting",
    "disclosure",
    "outcomes",
    "unlawful_searches",
    "public_log",
    "report_kinds",
)
# The rules a law may not have (``None``): cited only where the pack states them.
OPTIONAL_RULES = ("outcomes", "unlawful_searches", "public_log", "report_kinds")


def rule_names(policy: Policy) -> list[str]:
    """Every rule name ``sources`` must cite: ``bases`` stands for ``bases.<kind>`` (and
    for itself where there is no basis: the citation of the ban)."""
    names = []
    for name in RULES:
        if name == "bases" and policy.bases:
            names += [f"bases.{kind}" for kind in policy.bases]
        elif name in OPTIONAL_RULES and getattr(policy, name) is None:
            continue
        else:
            names.append(name)
    return names


def normal_code(code: str) -> str:
    """Offence codes compare without case or spacing: 'cl 14-101' is 'CL  14-101'."""
    return " ".join(code.split()).casefold()
