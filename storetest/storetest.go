// Package storetest holds the contract that every gatehouse.TaskStore
// meets, as one test suite that each store's own tests run against a real
// database.
package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/google/go-cmp/cmp"
)

// Opener returns a new, empty store that reads the time from now. It
// arranges, through t.Cleanup, for the store to be closed and its data
// removed.
type Opener func(t *testing.T, now func() time.Time) gatehouse.TaskStore

// Run runs the contract suite, one subtest per behaviour, each on a store
// of its own from open. The subtests run one after another.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, gatehouse.TaskStore, *clock)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"NotFound", testNotFound},
		{"OwnerScoping", testOwnerScoping},
		{"Update", testUpdate},
		{"UpdatedAtAlwaysMoves", testUpdatedAtAlwaysMoves},
		{"Toggle", testToggle},
		{"Delete", testDelete},
		{"TextRoundTrip", testTextRoundTrip},
		{"Timestamps", testTimestamps},
		{"StatusFilter", testStatusFilter},
		{"TitleByteOrder", testTitleByteOrder},
		{"SortOrders", testSortOrders},
		{"PaginationStable", testPaginationStable},
		{"PageSize", testPageSize},
		{"BadFilter", testBadFilter},
		{"BadCursor", testBadCursor},
		{"ConcurrentToggles", testConcurrentToggles},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			tt.fn(t, open(t, c.Now), c)
		})
	}
}

// clock is a settable time source. It starts at an instant with
// nanoseconds and a zone other than UTC, which stores must drop.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	return &clock{t: time.Date(2026, 3, 14, 15, 9, 26, 535897932, zone)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Stored returns the clock's time as stores keep it.
func (c *clock) Stored() time.Time { return gatehouse.StoredTime(c.Now()) }

// newUser returns a user id that no other test uses.
func newUser() string { return "user-" + gatehouse.NewTaskID() }

func mustCreate(t testing.TB, s gatehouse.TaskStore,
	user, title string) gatehouse.Task {
	t.Helper()
	in := gatehouse.TaskInput{Title: title, Description: "about " + title}
	if err := in.Validate(); err != nil {
		t.Fatalf("test input %q: %v", title, err)
	}
	task, err := s.CreateTask(t.Context(), user, in)
	if err != nil {
		t.Fatalf("CreateTask(%q): %v", title, err)
	}
	return task
}

func mustFind(t testing.TB, s gatehouse.TaskStore,
	user, id string) gatehouse.Task {
	t.Helper()
	task, err := s.FindTask(t.Context(), user, id)
	if err != nil {
		t.Fatalf("FindTask(%s): %v", id, err)
	}
	return task
}

// listAll follows the cursors from the first page of f to the last and
// returns every task in order.
func listAll(t testing.TB, s gatehouse.TaskStore, user string,
	f gatehouse.TaskFilter) []gatehouse.Task {
	t.Helper()
	var all []gatehouse.Task
	for range 1000 {
		page, err := s.ListTasks(t.Context(), user, f)
		if err != nil {
			t.Fatalf("ListTasks(%+v): %v", f, err)
		}
		if limit := f.Limit; limit > 0 && len(page.Tasks) > limit {
			t.Fatalf("ListTasks(%+v): %d tasks, want at most %d",
				f, len(page.Tasks), limit)
		}
		all = append(all, page.Tasks...)
		if page.NextCursor == "" {
			return all
		}
		f.Cursor = page.NextCursor
	}
	t.Fatalf("ListTasks(%+v): still a next page after 1000 pages", f)
	return nil
}

func ids(tasks []gatehouse.Task) []string {
	out := make([]string, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

// wantNotFound fails t unless err is gatehouse.ErrNotFound.
func wantNotFound(t testing.TB, what string, err error) {
	t.Helper()
	if !errors.Is(err, gatehouse.ErrNotFound) {
		t.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

// wantInvalid fails t unless err is a *gatehouse.ValidationError that
// names field.
func wantInvalid(t testing.TB, what string, err error, field string) {
	t.Helper()
	var v *gatehouse.ValidationError
	if !errors.As(err, &v) {
		t.Errorf("%s: got error %v, want a ValidationError on %q",
			what, err, field)
		return
	}
	if !slices.ContainsFunc(v.Fields, func(f gatehouse.FieldError) bool {
		return f.Field == field
	}) {
		t.Errorf("%s: ValidationError %v does not name %q", what, v, field)
	}
}

// diffTask compares tasks field by field; times must be the same instant
// and both in UTC.
func diffTask(want, got gatehouse.Task) string {
	return cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool {
		return a.Equal(b) && a.Location() == b.Location()
	}))
}
