"""Every exercise of every notebook, checked as the student edition would be: the placeholder
fails with a message (no check passes vacuously), the reference solution passes, and each
solution cell runs on its own.

Exercises build on what their notebook's cells created (its schema nbNN, its indexes, its keys),
so this runs after the notebooks: `make test` orders it last (src/dbworkbook/testrun.py).
"""

from __future__ import annotations

from pathlib import Path

from dbworkbook.exercises.student import verify_student_edition

ROOT = Path(__file__).resolve().parents[1]


def test_every_catalog_and_notebook_in_the_student_edition():
    report = verify_student_edition(str(ROOT / "notebooks"))
    assert len(report) >= 12, report
