"""Lesson helpers for postgres: see dbworkbook.lessons."""

from __future__ import annotations
