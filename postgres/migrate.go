package postgres

import (
	"context"
	"embed"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLock is the first key of the advisory lock taken while
// migrating; the second is a hash of the schema's name, so that the
// migrations of separate schemas do not wait for each other.
const migrateLock int32 = 0x67617465 // "gate"

// migrate applies the migrations that the first schema of the search path
// lacks. Processes that start together queue on a session advisory lock,
// which the server releases itself should a process die holding it; once
// one has migrated, the others find nothing left to do.
func migrate(ctx context.Context, cc *pgx.ConnConfig) (err error) {
	db := stdlib.OpenDB(*cc.Copy())
	defer db.Close()

	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx,
		`SELECT pg_advisory_lock($1, hashtext(current_schema()))`,
		migrateLock); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx),
		`SELECT pg_advisory_unlock($1, hashtext(current_schema()))`,
		migrateLock)

	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	// The provider's Close would close db, which the defer above does.
	_, err = p.Up(ctx)
	return err
}
