"""Reference data asset: the zone registry, aliases, measures and ranking weights from sources/ into the lake."""


import dagster as dg

from pipelines.reference import reference_fingerprint, write_reference_tables
from pipelines.settings import data_paths


@dg.asset(
    group_name="reference",
    kinds={"python", "parquet"},
    description="Zone catalogue (2018) with regions and aliases, canonical measures and ranking weights, "
    "from sources/ into lake/reference/*.parquet.",
    pool="lake",
)
def reference_data() -> dg.MaterializeResult:
    fingerprint = reference_fingerprint()  # before reading: a change made meanwhile shows as a new fingerprint
    counts = write_reference_tables(data_paths().lake)
    return dg.MaterializeResult(metadata={"fingerprint": fingerprint,
                                          **{f"{name}_rows": n for name, n in counts.items()}})
