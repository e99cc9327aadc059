"""Jurisdiction rules as versioned data, and the pure decisions made from them.

No database, no IO beyond reading the YAML packs: the cases layer passes facts in and
records the ``Decision`` (which names the policy id and version) in the audit record.
A pack holds every version of one jurisdiction's rules; a decision asks for the version
in force when it is made (``load_policy(id, at=now)``).
"""

from facedocket.policy.decide import (
    BasisFacts,
    Decision,
    ProbeKind,
    RecordType,
    candidate_list_size,
    check_algorithm,
    check_basis,
    check_gallery,
    check_intake_body,
    check_model_accuracy,
    check_order_dates,
    check_probe,
    check_searcher,
    check_searching_body,
    check_separate_duties,
    check_training,
    emergency_deadline,
    report_period,
    retention_until,
    similarity_threshold,
)
from facedocket.policy.errors import PolicyError
from facedocket.policy.floors import EVALUATORS, METRICS, GroupFigure, fraction
from facedocket.policy.load import (
    list_packs,
    list_policies,
    load_pack,
    load_pack_file,
    load_policy,
    load_policy_file,
)
from facedocket.policy.model import (
    BasisKind,
    DutyStep,
    OffenceClass,
    Policy,
    RequestField,
    SearchingBody,
)
from facedocket.policy.pack import Pack

__all__ = [
    "EVALUATORS",
    "METRICS",
    "BasisFacts",
    "BasisKind",
    "Decision",
    "DutyStep",
    "GroupFigure",
    "OffenceClass",
    "Pack",
    "Policy",
    "PolicyError",
    "ProbeKind",
    "RecordType",
    "RequestField",
    "SearchingBody",
    "candidate_list_size",
    "check_algorithm",
    "check_basis",
    "check_gallery",
    "check_intake_body",
    "check_model_accuracy",
    "check_order_dates",
    "check_probe",
    "check_searcher",
    "check_searching_body",
    "check_separate_duties",
    "check_training",
    "emergency_deadline",
    "fraction",
    "list_packs",
    "list_policies",
    "load_pack",
    "load_pack_file",
    "load_policy",
    "load_policy_file",
    "report_period",
    "retention_until",
    "similarity_threshold",
]
