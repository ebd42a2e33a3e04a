package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresSchema creates an empty schema on the server that
// GATEHOUSE_TEST_POSTGRES_URL names, drops it when the test ends, and
// returns a URL whose search path is that schema. Without the variable the
// test is skipped.
func postgresSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("set GATEHOUSE_TEST_POSTGRES_URL to serve from PostgreSQL")
	}
	name := pgx.Identifier{"gatehouse_cmd_" + strings.ToLower(rand.Text()[:12])}.Sanitize()
	sql := func(stmt string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	sql("CREATE SCHEMA " + name)
	t.Cleanup(func() { sql("DROP SCHEMA " + name + " CASCADE") })

	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", strings.Trim(name, `"`))
	u.RawQuery = q.Encode()
	return u.String()
}

func TestRun_ServesFromPostgres(t *testing.T) {
	env := serveEnv(t)
	env[envDatabaseURL] = postgresSchema(t)
	base, stop := startRun(t, env)

	if got := call(t, "POST", base+"/api/alice/tasks", `{"title": "kept in PostgreSQL"}`); got != 201 {
		t.Errorf("POST = %d, want 201", got)
	}
	if got := call(t, "GET", base+"/api/alice/tasks", ""); got != 200 {
		t.Errorf("GET = %d, want 200", got)
	}
	if got := call(t, "GET", base+"/readyz", ""); got != 200 {
		t.Errorf("readyz = %d, want 200", got)
	}
	if code, logs := stop(); code != 0 || !strings.Contains(logs, `"database":"postgres`) {
		t.Errorf("exit code %d, want 0, and a postgres database in the log:\n%s", code, logs)
	}
}
