package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/postgres"
	"github.com/gatehouse/gatehouse/sqlite"
)

// openStore opens the store that DATABASE_URL names and applies its
// migrations. The error names DATABASE_URL and never shows its password.
func openStore(ctx context.Context, db database) (gatehouse.TaskStore, error) {
	var store gatehouse.TaskStore
	var err error
	switch db.engine {
	case "sqlite":
		store, err = sqlite.Open(ctx, db.path, sqlite.Config{})
	default:
		store, err = postgres.Open(ctx, db.url, postgres.Config{})
	}
	if err != nil {
		return nil, fmt.Errorf("%s: open %s: %w", envDatabaseURL, db, redacted{err, db.password()})
	}
	return store, nil
}

// String names the database for logs and errors, without a password.
func (db database) String() string {
	if db.engine == "sqlite" {
		return "sqlite:" + db.path
	}
	u, err := url.Parse(db.url)
	if err != nil {
		return "postgres"
	}
	// PostgreSQL also takes the password as a query parameter.
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// password returns the password of a PostgreSQL URL, from its user
// information or its password parameter, or "".
func (db database) password() string {
	u, err := url.Parse(db.url)
	if err != nil {
		return ""
	}
	if pw := u.Query().Get("password"); pw != "" {
		return pw
	}
	if u.User == nil {
		return ""
	}
	pw, _ := u.User.Password()
	return pw
}

// redacted is an error whose text hides a password, should a driver's
// message quote the URL it was given.
type redacted struct {
	err      error
	password string
}

func (r redacted) Error() string {
	if r.password == "" {
		return r.err.Error()
	}
	return strings.ReplaceAll(r.err.Error(), r.password, "xxxxx")
}

func (r redacted) Unwrap() error { return r.err }
