"""The monthly bulletin (月通报) of each month of a run, built from the release the run published."""

import dagster as dg

from pipelines.bulletin import build_bulletin
from pipelines.partitions import monthly_partitions, months_of_context
from pipelines.publish import current_release, release_record
from pipelines.settings import data_paths


@dg.asset(
    deps=[dg.AssetKey("published")],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="published",
    kinds={"excel", "html"},
    description="Monthly bulletin (月通报) per month: an xlsx workbook and a self-contained HTML page with charts, "
                "written to published/bulletins/<YYYY-MM>/ from published/current.",
)
def bulletin(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    paths = data_paths()
    try:
        release = current_release(paths)  # resolved once: every month of the run comes from the same release
    except FileNotFoundError:  # the quality gate has withheld every month so far: nothing to write up
        context.log.warning("no bulletin: nothing is published yet")
        return dg.MaterializeResult(metadata={"release_id": "none", "files": dg.MetadataValue.json({})})
    files = {}
    published = set(release_record(release).get("months_published", []))
    for month in months_of_context(context):
        if month not in published:  # withheld by the quality gate: no bulletin of unpublished figures
            context.log.warning(f"no bulletin for {month}: the month is not published")
            continue
        built = build_bulletin(release, month, paths.published / "bulletins" / month)
        context.log.info(f"bulletin {month}: {built.xlsx.name}, {built.html.name}")
        files[month] = {"xlsx": str(built.xlsx), "html": str(built.html)}
    return dg.MaterializeResult(metadata={"release_id": release.name, "files": dg.MetadataValue.json(files)})
