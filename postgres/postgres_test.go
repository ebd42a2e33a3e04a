package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/postgres"
	"github.com/gatehouse/gatehouse/storetest"
	"github.com/jackc/pgx/v5"
)

// serverURL returns the URL of the PostgreSQL server to test against,
// from GATEHOUSE_TEST_POSTGRES_URL. Without it the test is skipped, except
// in CI, where PostgreSQL tests must run.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
	if u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("GATEHOUSE_TEST_POSTGRES_URL is not set, and CI must run " +
			"the PostgreSQL tests")
	}
	t.Skip("set GATEHOUSE_TEST_POSTGRES_URL to run the PostgreSQL tests, " +
		"e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	return ""
}

// newSchema creates an empty schema with a random name, drops it when the
// test ends, and returns the server URL with that schema as its search
// path. Tests, and test runs, that run at once never share tables.
func newSchema(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Fatalf("GATEHOUSE_TEST_POSTGRES_URL must be a postgres:// URL")
	}
	name := "gatehouse_test_" + strings.ToLower(rand.Text()[:16])
	sql := "CREATE SCHEMA " + pgx.Identifier{name}.Sanitize()
	if err := exec(base, sql); err != nil {
		t.Fatalf("create schema on %s: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		sql := "DROP SCHEMA " + pgx.Identifier{name}.Sanitize() + " CASCADE"
		if err := exec(base, sql); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})

	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own.
func exec(url, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	return err
}

// mustOpen opens a store at url and closes it when the test ends.
func mustOpen(t testing.TB, url string, cfg postgres.Config) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), url, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	serverURL(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) gatehouse.TaskStore {
		return mustOpen(t, newSchema(t), postgres.Config{Now: now})
	})
}

// TestOpen_Collation checks the sorted text columns compare bytes,
// whatever the database's own collation.
func TestOpen_Collation(t *testing.T) {
	u := newSchema(t)
	mustOpen(t, u, postgres.Config{})

	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `
		SELECT column_name, coalesce(collation_name, '')
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'tasks'
			AND column_name IN ('id', 'title')`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct {
		Column, Collation string
	}])
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("found columns %v, want id and title", got)
	}
	for _, c := range got {
		if c.Collation != "C" {
			t.Errorf("column %s has collation %q, want C", c.Column, c.Collation)
		}
	}
}

func ExampleOpen() {
	ctx := context.Background()
	url := "postgres://gatehouse@db.internal:5432/gatehouse" +
		"?sslmode=verify-full&pool_max_conns=20&connect_timeout=3"
	store, err := postgres.Open(ctx, url, postgres.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
}
