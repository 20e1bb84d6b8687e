"""What the exercise-engine tests assert about a check's result, shared by the unit tests
(tests/unit/test_exercise_engine.py) and the integration tests (tests/integration/test_exercises.py);
their fixture quiet_env is in tests/conftest.py."""

from __future__ import annotations


def fails(ex, answer) -> str:
    """The answer fails with the exercise's own heading and no traceback; returns the message."""
    result = ex.check(answer, strict=False, quiet=True, record=False)
    assert not result.passed, result.message
    assert result.message.startswith(f"✗ {ex.id} ")
    assert "Traceback" not in result.message
    return result.message


def passes(ex, answer) -> None:
    """The answer passes with the one-line success message."""
    result = ex.check(answer, strict=False, quiet=True, record=False)
    assert result.passed, result.message
    assert result.message == f"✓ {ex.id} passed — {ex.title}"
