"""Database Workbook: the helpers every notebook imports.

import dbworkbook as wb
nb = wb.setup("03", postgres=True)      # connect, verify the dataset, reset what 03 owns
plan = wb.explain(nb.pg, "SELECT ...")  # PostgreSQL plan as a tree
wb.timeit(lambda: ...)                  # median milliseconds
"""

from __future__ import annotations

__version__ = "0.1.0"

from .display import plot_timings, ratio, timeit
from .lesson import Lesson, setup
from .plans import MongoPlan, MongoStage, Plan, PlanNode, explain, mongo_explain


def progress(notebook, show: bool = True):
    """This notebook's exercises (passed / passed after reading the answer / not yet) and the series total."""
    from .exercises.progress import notebook_progress

    return notebook_progress(notebook, show=show)


__all__ = [
    "Lesson",
    "MongoPlan",
    "MongoStage",
    "Plan",
    "PlanNode",
    "__version__",
    "explain",
    "mongo_explain",
    "plot_timings",
    "progress",
    "ratio",
    "setup",
    "timeit",
]
