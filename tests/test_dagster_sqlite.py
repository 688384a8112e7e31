"""Dagster's SQLite storage as tuned by pipelines/dagster_sqlite.py: one engine per database file, events intact."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import dagster as dg

from pipelines import dagster_sqlite


@dg.asset
def one() -> int:
    return 1


@dg.asset_check(asset=one)
def one_is_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_runs_store_their_events_through_one_engine_per_database_file(tmp_path, monkeypatch):
    dagster_sqlite.tune_sqlite_storage()
    created: list[str] = []
    real_create_engine = dagster_sqlite.create_engine

    def counting_create_engine(url: str, **kwargs: object):
        created.append(str(url))
        return real_create_engine(url, **kwargs)

    monkeypatch.setattr(dagster_sqlite, "create_engine", counting_create_engine)
    monkeypatch.setattr(dagster_sqlite, "_engines", dagster_sqlite._Engines())
    storage = {"storage": {"sqlite": {"base_dir": str(tmp_path)}}}
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=storage) as instance:
        run_ids = []
        for _ in range(2):
            result = dg.materialize([one, one_is_positive], instance=instance)
            assert result.success
            run_ids.append(result.run_id)
        events = [e for run_id in run_ids for e in instance.all_logs(run_id)]
        checks = instance.event_log_storage.get_latest_asset_check_execution_by_key([one_is_positive.check_key])
        assert checks[one_is_positive.check_key].status.value == "SUCCEEDED"
        assert instance.get_latest_materialization_event(one.key).run_id == run_ids[-1]
    assert len(events) > 20
    # the runs database, the index shard and one shard per run: each engine built once, however many events
    assert created, "the tuned storage did not connect through the kept engines"
    assert len(created) == len(set(created)) <= 2 + len(run_ids)


def test_kept_engines_are_bounded(tmp_path):
    engines = dagster_sqlite._Engines()
    urls = [f"sqlite:///{tmp_path / f'shard{i}.db'}" for i in range(dagster_sqlite.ENGINES_KEPT + 4)]
    first = engines.get(urls[0])
    assert engines.get(urls[0]) is first  # kept
    for url in urls[1:]:
        engines.get(url)
    assert list(engines.engines) == urls[-dagster_sqlite.ENGINES_KEPT:]
    assert engines.get(urls[0]) is not first  # dropped as the least recently used, then built again


ROUNDS, CLAIMERS = 20, 4


def _claim_in_turns(home: str, run_id: str, barrier) -> list[bool]:
    """In a process of its own: at each round, with the others at once, claim the one slot of that round's pool."""
    os.environ["DAGSTER_HOME"] = home
    dagster_sqlite.tune_sqlite_storage()
    instance = dg.DagsterInstance.get()
    claimed = []
    for r in range(ROUNDS):
        barrier.wait(timeout=120)
        status = instance.event_log_storage.claim_concurrency_slot(f"pool{r}", run_id, "ingest_ledgers")
        claimed.append(status.is_claimed)
    return claimed


def test_a_pool_slot_goes_to_one_of_the_processes_claiming_it_at_once(tmp_path):
    (tmp_path / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {tmp_path}\n", encoding="utf-8")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        for r in range(ROUNDS):
            instance.event_log_storage.set_concurrency_slots(f"pool{r}", 1)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(CLAIMERS, mp_context=context) as pool:
        barrier = manager.Barrier(CLAIMERS)
        results = list(pool.map(_claim_in_turns, [str(tmp_path)] * CLAIMERS,
                                [f"run{i}" for i in range(CLAIMERS)], [barrier] * CLAIMERS))
    winners = [sum(claims[r] for claims in results) for r in range(ROUNDS)]
    assert winners == [1] * ROUNDS  # Dagster's SQLite claim alone gives a slot of limit 1 to two processes at times
