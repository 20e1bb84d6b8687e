"""The clients against the live servers."""

from __future__ import annotations


def test_redis_client_honours_db():
    """redis-py lets the URL's /0 win over db=: a notebook's client must really be on its db."""
    from dbworkbook import connect

    assert int(connect.redis(db=8).client_info()["db"]) == 8
    assert int(connect.redis().client_info()["db"]) == 0
