-- +goose Up
-- Text that is sorted or compared for order uses the "C" collation: byte
-- order, whatever the database's locale, the same as SQLite's BINARY.
CREATE TABLE tasks (
	id          text COLLATE "C" PRIMARY KEY,
	user_id     text NOT NULL,
	title       text COLLATE "C" NOT NULL,
	description text NOT NULL DEFAULT '',
	completed   boolean NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL
);

-- One index per sort order; each ends with id, the tie-breaker.
CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_title ON tasks (user_id, title, id);

-- +goose Down
DROP TABLE tasks;
