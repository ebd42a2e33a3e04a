-- +goose Up
-- Times are microseconds since the Unix epoch, UTC. Text compares in
-- BINARY (byte) order, the same as PostgreSQL's "C" collation.
CREATE TABLE tasks (
	id          TEXT NOT NULL PRIMARY KEY,
	user_id     TEXT NOT NULL,
	title       TEXT NOT NULL COLLATE BINARY,
	description TEXT NOT NULL DEFAULT '',
	completed   INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;

-- One index per sort order; each ends with id, the tie-breaker.
CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_title ON tasks (user_id, title, id);

-- +goose Down
DROP TABLE tasks;
