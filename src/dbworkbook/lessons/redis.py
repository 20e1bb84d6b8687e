"""Lesson helpers for redis: see dbworkbook.lessons."""

from __future__ import annotations
