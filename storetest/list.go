package storetest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/google/go-cmp/cmp"
)

// orders lists every sort field in both directions.
func orders() []gatehouse.TaskFilter {
	var fs []gatehouse.TaskFilter
	for _, s := range []gatehouse.TaskSort{
		gatehouse.SortCreatedAt, gatehouse.SortUpdatedAt, gatehouse.SortTitle,
	} {
		fs = append(fs, gatehouse.TaskFilter{Sort: s},
			gatehouse.TaskFilter{Sort: s, Desc: true})
	}
	return fs
}

func name(f gatehouse.TaskFilter) string {
	if f.Desc {
		return string(f.Sort) + " desc"
	}
	return string(f.Sort) + " asc"
}

// compareFor orders tasks as a store must for f: by the sort field, then
// by id, text compared byte by byte.
func compareFor(f gatehouse.TaskFilter) func(a, b gatehouse.Task) int {
	return func(a, b gatehouse.Task) int {
		var c int
		switch f.Sort {
		case gatehouse.SortTitle:
			c = strings.Compare(a.Title, b.Title)
		case gatehouse.SortUpdatedAt:
			c = a.UpdatedAt.Compare(b.UpdatedAt)
		default:
			c = a.CreatedAt.Compare(b.CreatedAt)
		}
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if f.Desc {
			return -c
		}
		return c
	}
}

func testStatusFilter(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	var all, pending, completed []string
	for i := range 6 {
		task := mustCreate(t, s, user, fmt.Sprint("task ", i))
		switch i % 3 {
		case 0:
			pending = append(pending, task.ID)
		case 1:
			if _, err := s.ToggleTask(ctx, user, task.ID); err != nil {
				t.Fatalf("ToggleTask: %v", err)
			}
			completed = append(completed, task.ID)
		case 2:
			upd := gatehouse.TaskUpdate{Completed: new(true)}
			if _, err := s.UpdateTask(ctx, user, task.ID, upd); err != nil {
				t.Fatalf("UpdateTask: %v", err)
			}
			completed = append(completed, task.ID)
		}
		all = append(all, task.ID)
	}

	for _, tc := range []struct {
		status gatehouse.TaskStatus
		want   []string
	}{
		{"", all},
		{gatehouse.StatusAll, all},
		{gatehouse.StatusPending, pending},
		{gatehouse.StatusCompleted, completed},
	} {
		f := gatehouse.TaskFilter{Status: tc.status, Limit: 2}
		got := listAll(t, s, user, f)
		for _, task := range got {
			if tc.status == gatehouse.StatusPending && task.Completed ||
				tc.status == gatehouse.StatusCompleted && !task.Completed {
				t.Errorf("status %q listed %+v", tc.status, task)
			}
		}
		gotIDs, want := ids(got), slices.Clone(tc.want)
		slices.Sort(gotIDs)
		slices.Sort(want)
		if d := cmp.Diff(want, gotIDs); d != "" {
			t.Errorf("status %q (-want +got):\n%s", tc.status, d)
		}
	}
}

// testTitleByteOrder checks titles sort by their UTF-8 bytes, not by a
// locale's rules nor by UTF-16 code units.
func testTitleByteOrder(t *testing.T, s gatehouse.TaskStore, c *clock) {
	user := newUser()
	want := []string{
		"B", "a", "a b", "ab", "b", "e\u0301", "z", "\u00c4", "\u00e9",
		"中", "\uff21", "😀",
	}
	for _, i := range []int{5, 11, 0, 8, 2, 9, 1, 10, 3, 7, 4, 6} {
		mustCreate(t, s, user, want[i])
	}
	for _, desc := range []bool{false, true} {
		f := gatehouse.TaskFilter{Sort: gatehouse.SortTitle, Desc: desc, Limit: 5}
		var got []string
		for _, task := range listAll(t, s, user, f) {
			got = append(got, task.Title)
		}
		w := slices.Clone(want)
		if desc {
			slices.Reverse(w)
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("desc=%v: title order (-want +got):\n%s", desc, d)
		}
	}
}

// testSortOrders lists tasks whose keys tie in every order and checks each
// order, in pages of several sizes.
func testSortOrders(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	titles := []string{
		"banana", "Banana", "apple", "apple", "\u00c4pfel", "zebra",
		"😀", "中文", "e\u0301", "\u00e9", "10", "9", "apple", "banana",
	}
	var tasks []gatehouse.Task
	for i, title := range titles {
		if i%3 == 0 { // groups of three share a creation time
			c.Advance(time.Millisecond)
		}
		tasks = append(tasks, mustCreate(t, s, user, title))
	}
	for i, task := range tasks {
		if i%4 == 0 { // pairs of updates share an update time
			c.Advance(time.Millisecond)
		}
		if i%2 == 0 {
			upd := gatehouse.TaskUpdate{Description: new("edited")}
			if _, err := s.UpdateTask(ctx, user, task.ID, upd); err != nil {
				t.Fatalf("UpdateTask: %v", err)
			}
		}
	}
	for i, task := range tasks {
		tasks[i] = mustFind(t, s, user, task.ID)
	}

	for _, f := range orders() {
		if !hasTie(tasks, f) {
			t.Fatalf("%s: the test data has no tie to break", name(f))
		}
		want := ids(slices.SortedFunc(slices.Values(tasks), compareFor(f)))
		for _, limit := range []int{1, 4, 0} {
			f.Limit = limit
			got := ids(listAll(t, s, user, f))
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s, limit %d (-want +got):\n%s", name(f), limit, d)
			}
		}
	}
}

func hasTie(tasks []gatehouse.Task, f gatehouse.TaskFilter) bool {
	byKey := compareFor(gatehouse.TaskFilter{Sort: f.Sort})
	for i, a := range tasks {
		for _, b := range tasks[i+1:] {
			a.ID, b.ID = "", ""
			if byKey(a, b) == 0 {
				return true
			}
		}
	}
	return false
}

// testPaginationStable inserts and deletes tasks between two pages and
// checks that no task that was there before repeats or goes missing.
func testPaginationStable(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	for _, f := range orders() {
		t.Run(name(f), func(t *testing.T) {
			user := newUser()
			before := map[string]gatehouse.Task{}
			for i := range 12 {
				if i%2 == 0 {
					c.Advance(time.Millisecond)
				}
				task := mustCreate(t, s, user, fmt.Sprintf("m%02d", i%7))
				before[task.ID] = task
			}

			f.Limit = 5
			first, err := s.ListTasks(ctx, user, f)
			if err != nil || len(first.Tasks) != 5 || first.NextCursor == "" {
				t.Fatalf("first page: %d tasks, cursor %q, error %v",
					len(first.Tasks), first.NextCursor, err)
			}

			// New tasks sort before, at and after the cursor; the task
			// the cursor was made from goes away.
			c.Advance(-time.Hour)
			mustCreate(t, s, user, "a new, early")
			c.Advance(2 * time.Hour)
			mustCreate(t, s, user, "z new, late")
			mustCreate(t, s, user, first.Tasks[4].Title)
			gone := first.Tasks[4].ID
			if err := s.DeleteTask(ctx, user, gone); err != nil {
				t.Fatalf("DeleteTask: %v", err)
			}
			delete(before, gone)

			f.Cursor = first.NextCursor
			seen := append(first.Tasks, listAll(t, s, user, f)...)
			checkSeen(t, f, seen, before)
		})
	}
}

// checkSeen checks that seen is in f's order without repeats and holds,
// in order, every task of before.
func checkSeen(t testing.TB, f gatehouse.TaskFilter, seen []gatehouse.Task,
	before map[string]gatehouse.Task) {
	t.Helper()
	if !slices.IsSortedFunc(seen, compareFor(f)) {
		t.Errorf("pages are out of order: %v", ids(seen))
	}
	count := map[string]int{}
	var old []gatehouse.Task
	for _, task := range seen {
		if count[task.ID]++; count[task.ID] == 2 {
			t.Errorf("task %s (%q) listed twice", task.ID, task.Title)
		}
		if _, ok := before[task.ID]; ok {
			old = append(old, task)
		}
	}
	for id, task := range before {
		if count[id] == 0 {
			t.Errorf("task %s (%q) went missing", id, task.Title)
		}
	}
	want := slices.SortedFunc(func(yield func(gatehouse.Task) bool) {
		for _, task := range before {
			if !yield(task) {
				return
			}
		}
	}, compareFor(f))
	if d := cmp.Diff(ids(want), ids(old)); d != "" {
		t.Errorf("tasks there before, in order (-want +got):\n%s", d)
	}
}

func testPageSize(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()

	empty, err := s.ListTasks(ctx, user, gatehouse.TaskFilter{})
	if err != nil || empty.Tasks == nil || len(empty.Tasks) != 0 ||
		empty.NextCursor != "" {
		t.Errorf("empty list: got %#v, %v; want no tasks as an empty slice",
			empty, err)
	}

	n := gatehouse.DefaultPageSize + 1
	for i := range n {
		mustCreate(t, s, user, fmt.Sprint("task ", i))
	}
	for _, tc := range []struct {
		limit, want int
		more        bool
	}{
		{0, gatehouse.DefaultPageSize, true},
		{1, 1, true},
		{n - 1, n - 1, true},
		{n, n, false}, // exactly one full page: no empty page after it
		{gatehouse.MaxPageSize, n, false},
	} {
		page, err := s.ListTasks(ctx, user, gatehouse.TaskFilter{Limit: tc.limit})
		if err != nil {
			t.Fatalf("limit %d: %v", tc.limit, err)
		}
		if len(page.Tasks) != tc.want || (page.NextCursor != "") != tc.more {
			t.Errorf("limit %d: %d tasks, cursor %t; want %d, %t", tc.limit,
				len(page.Tasks), page.NextCursor != "", tc.want, tc.more)
		}
	}
	for _, limit := range []int{-1, gatehouse.MaxPageSize + 1} {
		_, err := s.ListTasks(ctx, user, gatehouse.TaskFilter{Limit: limit})
		wantInvalid(t, fmt.Sprint("limit ", limit), err, "limit")
	}
}

func testBadFilter(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	mustCreate(t, s, user, "one")
	for _, tc := range []struct {
		f     gatehouse.TaskFilter
		field string
	}{
		{gatehouse.TaskFilter{Status: "done"}, "status"},
		{gatehouse.TaskFilter{Sort: "priority"}, "sort"},
		{gatehouse.TaskFilter{Sort: "title; DROP TABLE tasks"}, "sort"},
	} {
		_, err := s.ListTasks(ctx, user, tc.f)
		wantInvalid(t, fmt.Sprintf("%+v", tc.f), err, tc.field)
	}
	if got := listAll(t, s, user, gatehouse.TaskFilter{}); len(got) != 1 {
		t.Errorf("after bad filters: %d tasks, want 1", len(got))
	}
}

func testBadCursor(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	for i := range 3 {
		mustCreate(t, s, user, fmt.Sprint("task ", i))
	}
	byTitle := gatehouse.TaskFilter{Sort: gatehouse.SortTitle, Limit: 1}
	page, err := s.ListTasks(ctx, user, byTitle)
	if err != nil || page.NextCursor == "" {
		t.Fatalf("first page: cursor %q, error %v", page.NextCursor, err)
	}
	b64 := base64.RawURLEncoding.EncodeToString

	for _, tc := range []struct {
		name string
		f    gatehouse.TaskFilter
	}{
		{"not base64", gatehouse.TaskFilter{Cursor: "!!not base64!!"}},
		{"not JSON", gatehouse.TaskFilter{Cursor: b64([]byte("hello"))}},
		{"empty object", gatehouse.TaskFilter{Cursor: b64([]byte("{}"))}},
		{"unknown sort", gatehouse.TaskFilter{Cursor: b64([]byte(
			`{"s":"color","f":"all","id":"x"}`))}},
		{"too long", gatehouse.TaskFilter{Cursor: strings.Repeat("A", 5000)}},
		{"other sort", gatehouse.TaskFilter{
			Sort: gatehouse.SortCreatedAt, Cursor: page.NextCursor}},
		{"other direction", gatehouse.TaskFilter{
			Sort: gatehouse.SortTitle, Desc: true, Cursor: page.NextCursor}},
		{"other status", gatehouse.TaskFilter{Sort: gatehouse.SortTitle,
			Status: gatehouse.StatusPending, Cursor: page.NextCursor}},
		{"cut short", gatehouse.TaskFilter{Sort: gatehouse.SortTitle,
			Cursor: page.NextCursor[:len(page.NextCursor)/2]}},
	} {
		_, err := s.ListTasks(ctx, user, tc.f)
		wantInvalid(t, tc.name, err, "cursor")
	}

	byTitle.Cursor = page.NextCursor
	if _, err := s.ListTasks(ctx, user, byTitle); err != nil {
		t.Errorf("the cursor with its own filter: %v", err)
	}
}
