package sqlite_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/sqlite"
)

func TestOpen_Reopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tasks.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Config{})
	if err != nil {
		t.Fatal(err)
	}
	task, err := s.CreateTask(t.Context(), "u", gatehouse.TaskInput{Title: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = mustOpen(t, path, sqlite.Config{})
	got, err := s.FindTask(t.Context(), "u", task.ID)
	if err != nil || got.Title != "kept" {
		t.Errorf("after reopening: %+v, %v; want the task kept", got, err)
	}
}

// TestOpen_Path checks that names SQLite URIs give meaning to (a query,
// a fragment, an escape) name the file as they are.
func TestOpen_Path(t *testing.T) {
	for _, name := range []string{
		"with space.db", "what?mode=ro.db", "hash#tag.db", "pct%41.db",
	} {
		path := filepath.Join(t.TempDir(), name)
		s := mustOpen(t, path, sqlite.Config{})
		_, err := s.CreateTask(t.Context(), "u", gatehouse.TaskInput{Title: "t"})
		if err != nil {
			t.Errorf("%s: CreateTask: %v", name, err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOpen_Fails(t *testing.T) {
	for _, path := range []string{
		filepath.Join(t.TempDir(), "missing", "dir", "tasks.db"),
		t.TempDir(), // a directory
	} {
		s, err := sqlite.Open(t.Context(), path, sqlite.Config{})
		if err == nil {
			s.Close()
			t.Errorf("Open(%s) succeeded, want an error", path)
		}
	}
}

// TestStore_Busy locks the database from another connection, as a second
// process would, and checks that writes then fail as unavailable while
// reads go on, and that writes work again once the lock goes.
func TestStore_Busy(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tasks.db")
	s := mustOpen(t, path, sqlite.Config{BusyTimeout: 50 * time.Millisecond})
	task, err := s.CreateTask(ctx, "u", gatehouse.TaskInput{Title: "before"})
	if err != nil {
		t.Fatal(err)
	}

	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("lock the database: %v", err)
	}

	_, err = s.CreateTask(ctx, "u", gatehouse.TaskInput{Title: "blocked"})
	if !errors.Is(err, gatehouse.ErrUnavailable) {
		t.Errorf("CreateTask while locked: got %v, want ErrUnavailable", err)
	}
	_, err = s.ToggleTask(ctx, "u", task.ID)
	if !errors.Is(err, gatehouse.ErrUnavailable) {
		t.Errorf("ToggleTask while locked: got %v, want ErrUnavailable", err)
	}
	if _, err := s.FindTask(ctx, "u", task.ID); err != nil {
		t.Errorf("FindTask while locked: %v", err)
	}

	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ToggleTask(ctx, "u", task.ID); err != nil {
		t.Errorf("ToggleTask after the lock went: %v", err)
	}
}
