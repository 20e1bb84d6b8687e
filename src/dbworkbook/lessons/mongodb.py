"""Lesson helpers for mongodb: see dbworkbook.lessons."""

from __future__ import annotations
