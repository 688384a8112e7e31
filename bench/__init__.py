"""ParkStats benchmark harness (issue #7): the national incremental month, history cost, full rebuild and the
reference points (calamine parse, raw DuckDB SQL, pandas ranking), measured in one process tree. See README.md."""
