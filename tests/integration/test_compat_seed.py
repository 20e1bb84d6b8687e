"""The seed on any PostgreSQL (issue 13, section 1): pg_stat_statements is created where the
server preloads it, so notebooks 03 and 11 can read and reset it through the external backend."""

from __future__ import annotations

from dbworkbook.datasets import load_postgres


def test_seed_creates_pg_stat_statements_when_preloaded(pg):
    preload = pg.execute("SHOW shared_preload_libraries").fetchone()[0]
    line = load_postgres.ensure_pg_stat_statements(pg)
    if "pg_stat_statements" not in preload:
        assert "not preloaded" in line and "shared_preload_libraries" in line and "\n" not in line
        return
    assert line.endswith("exists in this database")
    assert pg.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone()
    assert pg.execute("SELECT count(*) >= 0 FROM pg_stat_statements").fetchone()[0]
