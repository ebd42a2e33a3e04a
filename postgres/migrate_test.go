package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/postgres"
	"github.com/jackc/pgx/v5"
)

// TestOpen_Concurrent opens stores on one fresh schema from several
// goroutines at once, as processes starting together would: every one must
// succeed and the migrations must be applied once.
func TestOpen_Concurrent(t *testing.T) {
	u := newSchema(t)
	const n = 8
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			stores[i], errs[i] = postgres.Open(t.Context(), u, postgres.Config{})
		})
	}
	wg.Wait()

	for i, s := range stores {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
		} else {
			defer s.Close()
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	for i, s := range stores {
		task, err := s.CreateTask(t.Context(), "u", gatehouse.TaskInput{Title: "t"})
		if err != nil {
			t.Errorf("store %d: CreateTask: %v", i, err)
			continue
		}
		if _, err := stores[0].FindTask(t.Context(), "u", task.ID); err != nil {
			t.Errorf("store 0 finds the task of store %d: %v", i, err)
		}
	}

	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, _ := conn.Query(t.Context(), `SELECT version_id
		FROM goose_db_version WHERE version_id > 0 ORDER BY id`)
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0] != 1 {
		t.Errorf("applied migrations %v, want [1] once", applied)
	}
}

// TestOpen_Reopen checks that opening a migrated schema again keeps its
// tasks and applies nothing twice.
func TestOpen_Reopen(t *testing.T) {
	u := newSchema(t)
	s := mustOpen(t, u, postgres.Config{})
	task, err := s.CreateTask(t.Context(), "u", gatehouse.TaskInput{Title: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = mustOpen(t, u, postgres.Config{})
	if got, err := s.FindTask(t.Context(), "u", task.ID); err != nil ||
		got.Title != "kept" {
		t.Errorf("after reopening: %+v, %v; want the task kept", got, err)
	}
}
