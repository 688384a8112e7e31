"""Deterministic generator of realistic monthly zone ledgers (月报台账) plus the ground truth a reader must find.

Entry point: :func:`generate_sample`.
"""

from __future__ import annotations

from pipelines.sample.generator import SampleSummary, generate_sample

__all__ = ["SampleSummary", "generate_sample"]
