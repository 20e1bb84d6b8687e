"""Database Workbook helpers."""
