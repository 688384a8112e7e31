"""Deterministic generator of realistic monthly zone ledgers (月报台账) plus the ground truth a reader must find.

Entry point: :func:`generate_sample` (zone ledgers, and enterprise ledgers with ``firms=True``);
:func:`write_bad_firm_ledger`, :func:`write_bad_project_ledger` and :func:`write_bad_unit_project_ledger`
write broken ledgers for reader tests.
"""

from __future__ import annotations

from pipelines.sample.bad_firm_ledger import write_bad_firm_ledger
from pipelines.sample.generator import SampleSummary, generate_sample
from pipelines.sample.projects import write_bad_project_ledger, write_bad_unit_project_ledger

__all__ = ["SampleSummary", "generate_sample", "write_bad_firm_ledger", "write_bad_project_ledger",
           "write_bad_unit_project_ledger"]
