"""Lesson helpers: the small functions the notebooks use, written once, with one meaning each.

A helper that a lesson *teaches* (the learner should read it: ``keys_without_ttl`` in 09,
``EchoRedis`` in 08, ``vacuum`` in 03) is shown in that lesson's cell and kept here with the same
source, d2l-style: the teaching notebook says ``# the same function is dbworkbook.lessons.<module>.<name>``
and later notebooks import it. ``tests/unit/test_notebook_helpers.py`` checks that no ``def`` or
``class`` is defined in two notebooks, and that a taught copy matches the package's source.

Modules, one per database:

* :mod:`dbworkbook.lessons.postgres`: querying shortcuts (``rows``, ``value``, ``df``) and ``vacuum``.
* :mod:`dbworkbook.lessons.mongodb`: ``index_sizes``, ``audit``, ``planner`` (explain without running).
* :mod:`dbworkbook.lessons.redis`: ``EchoRedis`` (prints each command as typed in redis-cli),
  ``keys_without_ttl``.

The ``Lesson`` object that ``wb.setup`` returns (``nb``) exposes the PostgreSQL shortcuts bound to
the notebook's connection: ``nb.rows(sql)``, ``nb.value(sql)``, ``nb.df(sql)``.
"""
