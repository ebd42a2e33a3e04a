package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// testConcurrentToggles toggles one task from several goroutines at once.
// The clock stands still, so each toggle moves UpdatedAt on by exactly a
// microsecond: ordered by UpdatedAt, the results must alternate, and none
// may be lost.
func testConcurrentToggles(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	task := mustCreate(t, s, user, "contested")
	const workers, each = 7, 13 // an odd number of toggles in all
	n := workers * each

	var mu sync.Mutex
	var results []gatehouse.Task
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				got, err := s.ToggleTask(ctx, user, task.ID)
				if err != nil {
					t.Errorf("ToggleTask: %v", err)
					return
				}
				mu.Lock()
				results = append(results, got)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(results) != n {
		t.Fatalf("%d toggles succeeded, want %d", len(results), n)
	}

	slices.SortFunc(results, func(a, b gatehouse.Task) int {
		return a.UpdatedAt.Compare(b.UpdatedAt)
	})
	for i, got := range results {
		want := task.CreatedAt.Add(time.Duration(i+1) * time.Microsecond)
		if !got.UpdatedAt.Equal(want) || got.Completed != (i%2 == 0) {
			t.Fatalf("toggle %d of %d: completed %t at %v, want %t at %v",
				i+1, n, got.Completed, got.UpdatedAt, i%2 == 0, want)
		}
	}
	final := mustFind(t, s, user, task.ID)
	if d := diffTask(results[n-1], final); d != "" {
		t.Errorf("final task is not the last toggle's (-last +final):\n%s", d)
	}
	if !final.Completed {
		t.Errorf("after %d toggles the task is not completed", n)
	}
}

// testConcurrentUpdates updates different fields of one task from several
// goroutines at once. Replayed in the order of their UpdatedAt, each
// result must be the one before with only its own update applied: no
// update lost, none mixed with another.
func testConcurrentUpdates(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	task := mustCreate(t, s, user, "contested")
	const workers, each = 6, 10

	type result struct {
		upd gatehouse.TaskUpdate
		got gatehouse.Task
	}
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				upd := updateFor(w, i)
				got, err := s.UpdateTask(ctx, user, task.ID, upd)
				if err != nil {
					t.Errorf("UpdateTask: %v", err)
					return
				}
				mu.Lock()
				results = append(results, result{upd, got})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(results) != workers*each {
		t.Fatalf("%d updates succeeded, want %d", len(results), workers*each)
	}

	slices.SortFunc(results, func(a, b result) int {
		return a.got.UpdatedAt.Compare(b.got.UpdatedAt)
	})
	want := task
	for i, r := range results {
		apply(&want, r.upd)
		want.UpdatedAt = task.CreatedAt.Add(time.Duration(i+1) * time.Microsecond)
		if d := diffTask(want, r.got); d != "" {
			t.Fatalf("update %d (-replayed +returned):\n%s", i+1, d)
		}
	}
	if d := diffTask(want, mustFind(t, s, user, task.ID)); d != "" {
		t.Errorf("final task (-replayed +found):\n%s", d)
	}
}

// updateFor returns the i-th update of worker w: a title, a description
// or a completion, in turn.
func updateFor(w, i int) gatehouse.TaskUpdate {
	v := fmt.Sprintf("worker %d, update %d", w, i)
	switch (w + i) % 3 {
	case 0:
		return gatehouse.TaskUpdate{Title: &v}
	case 1:
		return gatehouse.TaskUpdate{Description: &v}
	default:
		return gatehouse.TaskUpdate{Completed: new(i%2 == 0)}
	}
}

func apply(t *gatehouse.Task, upd gatehouse.TaskUpdate) {
	if upd.Title != nil {
		t.Title = *upd.Title
	}
	if upd.Description != nil {
		t.Description = *upd.Description
	}
	if upd.Completed != nil {
		t.Completed = *upd.Completed
	}
}

func testPing(t *testing.T, s gatehouse.TaskStore, c *clock) {
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
