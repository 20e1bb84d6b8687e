-- Runs once, when the postgres container creates its data folder (as the embedded server does).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
