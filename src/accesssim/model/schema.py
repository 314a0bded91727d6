"""The system model: typed, frozen classes that mirror the YAML format (docs/model-format.md).

The JSON Schema shipped in ``data/model.schema.json`` is generated from these classes, so the
documented format and the code cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from accesssim.model.strict import StrictMapping

FORMAT_VERSION = 1

OrgKind = Literal["grid", "retail", "contractor", "government", "other"]
DataClass = Literal["non-public", "public"]
Masking = Literal["clear", "policy", "masked"]
Purpose = Literal[
    "disaster",
    "disaster-lending",
    "outage-workaround",
    "temporary-display",
    "encoding-omission",
    "maintenance",
    "other",
]


class _Element(StrictMapping):
    """Base of every mapping of the model YAML: it also remembers the file it came from."""

    #: The included file this mapping was read from ("" for the root model file).
    yaml_file: SkipJsonSchema[str] = Field(default="", alias="__file__", exclude=True)

    def line_of(self, key: str) -> int:
        """The line of one key of this mapping (its first line if unknown)."""
        return self.key_lines.get(key, self.line)


class Validity(_Element):
    """An inclusive date window; an open end means 'always' on that side."""

    start: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Validity:
        if self.start is not None and self.until is not None and self.start > self.until:
            raise ValueError(f"from {self.start} is after until {self.until}")
        return self

    def contains(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (
            self.until is None or day <= self.until
        )


class Guarded(_Element):
    """An element that may exist only in some modes, during some dates, for some purpose."""

    valid: Validity | None = None
    modes: list[str] | None = Field(
        default=None, description="Modes in which the element exists; all modes when omitted."
    )
    purpose: Purpose | None = None
    note: str | None = None

    def active(self, mode: str, day: dt.date) -> bool:
        return (self.modes is None or mode in self.modes) and (
            self.valid is None or self.valid.contains(day)
        )


class RowSource(_Element):
    """The inventory row an imported element came from (written by ``accesssim import``).

    Cited instead of the YAML line by every hop resting on the element; the file is not read
    again (the citation records where the fact came from, like a commit records its author).
    """

    file: str = Field(description="The inventory file, relative to the YAML file holding it.")
    sheet: str | None = Field(default=None, description="The spreadsheet's sheet, for XLSX.")
    row: int = Field(ge=1, description="CSV: the line the record starts on (header is 1); "
                     "XLSX: the row number Excel shows; Parquet: the record's 1-based index.")


class Organization(_Element):
    id: str
    name: str
    kind: OrgKind
    affiliated_with: str | None = Field(
        default=None, description="For a retailer: the grid company it is affiliated with."
    )
    works_for: list[str] = Field(
        default_factory=list, description="For a contractor: the organizations it works for."
    )
    origin: RowSource | None = Field(
        default=None, alias="source", description="The inventory row it was imported from "
        "(cited instead of the YAML line)."
    )


class TrustGrant(Guarded):
    """An exception to the default boundary: these orgs/people may see these fields."""

    orgs: list[str] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    systems: list[str]
    fields: list[str] | None = Field(
        default=None, description="Field ids; every field of the systems when omitted."
    )


class FormerOrg(_Element):
    org: str
    until: dt.date | None = None


class Person(Guarded):
    """A single person or a group of people who share the same situation."""

    id: str
    name: str | None = None
    org: str
    headcount: int = Field(default=1, ge=1)
    locations: list[str] = Field(default_factory=list)
    former_orgs: list[FormerOrg] = Field(default_factory=list)
    origin: RowSource | None = Field(
        default=None, alias="source", description="The inventory row it was imported from "
        "(cited instead of the YAML line)."
    )


class Location(Guarded):
    id: str
    name: str | None = None
    owner: str
    open_to: list[str] = Field(
        default_factory=list, description="Organizations whose staff can enter."
    )
    origin: RowSource | None = Field(
        default=None, alias="source", description="The inventory row it was imported from "
        "(cited instead of the YAML line)."
    )


class Account(Guarded):
    """A login; its roles come from the Casbin policy (the account id is the Casbin subject)."""

    id: str
    holder: str
    systems: list[str] = Field(min_length=1)
    known_by: list[str] = Field(
        default_factory=list, description="People who also know the credential."
    )
    issued_by: str | None = Field(
        default=None, description="Organization that issued the account, if not the system owner."
    )
    origin: RowSource | None = Field(
        default=None, alias="source", description="The inventory row it was imported from "
        "(cited instead of the YAML line)."
    )


class Terminal(Guarded):
    id: str
    location: str
    owner: str
    assigned_to: list[str] = Field(default_factory=list)
    open: bool = Field(default=False, description="Anyone who can be at the location can use it.")
    systems: list[str] = Field(min_length=1)
    accounts: list[str] | Literal["any"] = Field(
        default="any", description="Accounts that can log in on it (any account when 'any')."
    )
    logged_in: list[str] = Field(
        default_factory=list,
        description="Accounts whose session stays open on it: whoever uses it uses them.",
    )
    origin: RowSource | None = Field(
        default=None, alias="source", description="The inventory row it was imported from "
        "(cited instead of the YAML line)."
    )


class DataField(_Element):
    id: str
    name: str | None = None
    data_class: DataClass = "non-public"
    concerns: list[str] = Field(
        default_factory=list,
        description="Organizations whose own customers these are: they may see it too. "
        "Empty: the data concerns other retailers' customers, no extra organization may see it.",
    )


class FieldDisplay(Guarded):
    field: str
    masking: Masking


class Screen(Guarded):
    id: str
    name: str | None = None
    menu: bool = Field(default=True, description="Reachable from the menu (an entry point).")
    shows: list[FieldDisplay] = Field(default_factory=list)


class Transition(Guarded):
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    checked: bool = True

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}"


class System(_Element):
    id: str
    name: str | None = None
    owner: str
    fields: list[DataField] = Field(default_factory=list)
    screens: list[Screen] = Field(default_factory=list)
    transitions: list[Transition] = Field(default_factory=list)


class PolicyDatabase(_Element):
    """A Casbin policy table in a database (docs/database.md); the password never lives here."""

    url: str = Field(description="SQLAlchemy URL without a password, e.g. sqlite:///policy.db "
                     "(a sqlite path is relative to this file).")
    table: str = Field(default="casbin_rule", description="The table holding the rules.")
    password_env: str | None = Field(
        default=None, description="Environment variable holding the database password.")


class CasbinFiles(_Element):
    model_config = ConfigDict(json_schema_extra={
        "oneOf": [{"required": ["policy"]}, {"required": ["database"]}]})

    model: str = Field(description="Path to the Casbin model .conf, relative to this file.")
    policy: str | None = Field(
        default=None, description="Path to the Casbin policy .csv, relative to this file "
        "(or give database).")
    database: PolicyDatabase | None = Field(
        default=None, description="A database table holding the policy, instead of policy.")
    role_purposes: dict[str, Purpose] = Field(
        default_factory=dict,
        description="Purpose of Casbin roles, e.g. {retail_disaster: disaster}.",
    )

    @model_validator(mode="before")
    @classmethod
    def _keep_role_lines(cls, data: object) -> object:
        """Keep each role's line as ``role_purposes.ROLE`` in this mapping's key lines."""
        if not isinstance(data, dict):
            return data
        roles, keys = data.get("role_purposes"), data.get("__keys__")
        if isinstance(roles, dict) and isinstance(keys, dict):
            role_keys = roles.get("__keys__")
            if isinstance(role_keys, dict):
                lines = {f"role_purposes.{role}": line for role, line in role_keys.items()}
                return {**data, "__keys__": {**keys, **lines}}
        return data

    @field_validator("role_purposes", mode="before")
    @classmethod
    def _drop_line_key(cls, value: object) -> object:
        """A free-form mapping: the loader's line marker is not a role."""
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k not in ("__line__", "__keys__", "__file__")}
        return value

    @model_validator(mode="after")
    def _one_policy(self) -> CasbinFiles:
        if (self.policy is None) == (self.database is None):
            raise ValueError("give exactly one of policy (a CSV file) and database")
        return self

    def role_line(self, role: str) -> int:
        """The line of one role in ``role_purposes`` (that key's line if unknown)."""
        return self.key_lines.get(f"role_purposes.{role}", self.line_of("role_purposes"))


FailureName = Literal[
    "masking-defect",
    "unchecked-transition",
    "terminal-placement",
    "terminal-misdistribution",
    "disaster-lending-left-in-place",
    "outage-workaround-left-open",
    "emergency-rights-in-normal-time",
    "credential-misuse",
    "temporary-display",
    "encoding-omission",
    "external-account-used-by-affiliates",
]


class FindingExpectation(_Element):
    """Some finding has at least these types, exposes someone in ``from``, and these fields."""

    types: list[FailureName] = Field(default_factory=list)
    from_: list[str] = Field(
        default_factory=list,
        alias="from",
        description="Organization or person/group ids; any when empty.",
    )
    fields: list[str] = Field(default_factory=list)


class NoPathExpectation(_Element):
    """Nobody in ``from`` can see any of these fields (all non-public fields when omitted)."""

    from_: list[str] = Field(alias="from", min_length=1)
    fields: list[str] | None = Field(default=None, min_length=1)
    systems: list[str] | None = Field(
        default=None, min_length=1, description="Limit to the non-public fields of these systems."
    )


class ExposedFieldsExpectation(_Element):
    """Exactly these fields are exposed to ``group`` (a person/group or organization id)."""

    group: str
    fields: list[str]


class WhoCanSeeExpectation(_Element):
    """Exactly these people/groups can see ``field`` (rewritten by ``accesssim test --update``)."""

    field: str
    people: list[str]


class DecisionExpectation(_Element):
    """One Casbin request and its expected answer."""

    account: str
    system: str
    object: str = Field(description="Screen id (action open) or field id (action unmask).")
    action: Literal["open", "unmask"] = "open"
    expect: Literal["allow", "deny"]


class Expectation(_Element):
    """One checked statement about the scenario; exactly one kind key must be given."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.:-]+$")
    note: str | None = None
    mode: str | None = Field(default=None, description="Only this mode; every mode when omitted.")
    at: dt.date | None = Field(default=None, description="Only this day; all dates when omitted.")
    finding: FindingExpectation | None = None
    no_path: NoPathExpectation | None = None
    exposed_fields: ExposedFieldsExpectation | None = None
    who_can_see: WhoCanSeeExpectation | None = None
    decision: DecisionExpectation | None = None

    @property
    def kind(self) -> str:
        return next(k for k in EXPECTATION_KINDS if getattr(self, k) is not None)


EXPECTATION_KINDS = ("finding", "no_path", "exposed_fields", "who_can_see", "decision")


class SystemModel(_Element):
    """The whole file."""

    accesssim: Literal[1] = Field(description="Format version.")
    name: str
    description: str | None = None
    include: list[str] = Field(
        default_factory=list, description="Files holding more sections of this model (people, "
        "systems, casbin, ...), relative to this file, inside the project root; see "
        "docs/model-format.md."
    )
    modes: list[str] = Field(default_factory=lambda: ["normal", "disaster"], min_length=1)
    organizations: list[Organization]
    trust: list[TrustGrant] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    locations: list[Location] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    terminals: list[Terminal] = Field(default_factory=list)
    systems: list[System]
    casbin: CasbinFiles
    expectations: list[Expectation] = Field(
        default_factory=list, description="What `accesssim test` checks (docs/expectations.md)."
    )

    @field_validator("accesssim", mode="before")
    @classmethod
    def _exact_version(cls, value: object) -> object:
        """``true`` and ``1.0`` equal 1 in Python; the version is the integer 1 only."""
        if type(value) is not int:
            raise ValueError(f"the format version must be the number 1, not {value!r}")
        return value


def json_schema() -> dict[str, object]:
    """The JSON Schema of the model format (what ``accesssim schema`` prints)."""
    schema = SystemModel.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://accesssim.invalid/schema/model-v1.json"
    return schema
