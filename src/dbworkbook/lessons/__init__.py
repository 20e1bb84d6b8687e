"""Lesson helpers: the small functions the notebooks use, written once, with one meaning each.

**The rule for a helper a lesson teaches** (the learner should read it): the teaching notebook
keeps its ``def`` in the lesson's cell, right below the comment line
``# the same function is dbworkbook.lessons.<module>.<name>``, and that source is character for
character the package's (``inspect.getsource``); every other notebook imports it from here. A
helper that is plumbing, not a lesson, is only imported. ``tests/unit/test_notebook_helpers.py``
checks that no function or class is defined in two notebooks (solution cells aside), that each
taught copy equals the package's source, and that every public name here has a docstring.

Modules, one per database (taught in, used by):

* :mod:`dbworkbook.lessons.postgres` (each takes the connection first; used in 02-04, 11):

  - ``rows(conn, sql, params=None) -> list of tuples``: every row of a query.
  - ``value(conn, sql, params=None)``: the first column of the first row (None when there is no row).
  - ``df(conn, sql, params=None) -> pandas.DataFrame``: the rows with the query's column names.
  - ``vacuum(conn, table, analyze=False) -> pages``: ``VACUUM (INDEX_CLEANUP ON)`` repeated until
    every page is all-visible (an old snapshot elsewhere can hold it back). Used in 03 and 11.

  Plans are not lesson helpers: ``wb.explain`` / ``wb.mongo_explain`` return the plan model of
  :mod:`dbworkbook.plans`, whose typed accessors (``node.actual_rows``, ``node.heap_fetches``,
  ``stage.key_pattern``...) the notebooks read instead of the raw EXPLAIN JSON.
* :mod:`dbworkbook.lessons.mongodb`:

  - ``planner(coll, filter, sort=None, limit=None, projection=None)``: the plan the server would
    choose, from explain "queryPlanner" (planned, not run) as a ``wb.MongoPlan``. Taught in 07, used in 11.
  - ``audit(coll, filter, sort=None, projection=None) -> (plan, flags)``: explain "executionStats"
    as a monitor; flags "COLLSCAN", "in-memory SORT" (the index used does not give the sort's
    order: the same meaning on mongod and SecantusDB) and "reads >10× what it returns". Taught in 07, used in 11.
  - ``index_sizes(coll) -> {index name: bytes}``: asks the server which it is (SecantusDB answers
    the collStats command, mongod the ``$collStats`` stage after a checkpoint). Taught in 07, used in 11.
  - ``index_gives_order(plan, filter, sort)``: whether the scanned index returns the sort's order
    (equality fields left out, then the index's order or its mirror). Used by ``audit``.
  - ``ixscan(plan)``: the plan's IXSCAN node (a dict; ``{}`` when there is none). Used in 07.

* :mod:`dbworkbook.lessons.redis`:

  - ``EchoRedis(connection_pool=..., now=nb.now)``: a redis-py client that prints each command as
    typed in redis-cli and its reply (sets sorted, stream IDs made by the server's clock masked as
    ``<now-ms>-N``). Used in 08 and 10.
  - ``keys_without_ttl(r, match="*") -> sorted list``: the keys that never expire (SCAN + pipelined
    TTL). Taught in 09, used in 11 (``keys_without_ttl(r, "cache:*")``).

"Is this the embedded MongoDB (SecantusDB)?" is asked of the server, never guessed from the
backend: ``nb.mongo_embedded`` in a notebook, ``dbworkbook.servers_info.mongo_embedded(db)`` here.

The ``Lesson`` object that ``wb.setup`` returns (``nb``) exposes the PostgreSQL shortcuts bound to
the notebook's connection: ``nb.rows(sql, params)``, ``nb.value(sql, params)``, ``nb.df(sql, params)``
(each also takes ``conn=`` for another connection) and ``nb.vacuum(table)``.
"""
