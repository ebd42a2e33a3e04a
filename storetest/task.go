package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testCreateAndFind(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	in := gatehouse.TaskInput{Title: "Buy milk", Description: "two litres"}
	got, err := s.CreateTask(ctx, user, in)
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	if got.ID == "" {
		t.Fatal("CreateTask returned an empty id")
	}
	want := gatehouse.Task{
		ID:          got.ID,
		UserID:      user,
		Title:       "Buy milk",
		Description: "two litres",
		CreatedAt:   c.Stored(),
		UpdatedAt:   c.Stored(),
	}
	if d := diffTask(want, got); d != "" {
		t.Errorf("CreateTask mismatch (-want +got):\n%s", d)
	}
	if d := diffTask(want, mustFind(t, s, user, got.ID)); d != "" {
		t.Errorf("FindTask mismatch (-want +got):\n%s", d)
	}

	other := mustCreate(t, s, user, "Buy milk")
	if other.ID == got.ID {
		t.Errorf("two tasks share the id %s", got.ID)
	}
}

func testNotFound(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	mustCreate(t, s, user, "exists")
	title := "x"
	for _, id := range []string{
		gatehouse.NewTaskID(), "", "not-an-id", strings.Repeat("f", 300),
		"' OR 1=1 --",
	} {
		_, err := s.FindTask(ctx, user, id)
		wantNotFound(t, "FindTask("+id+")", err)
		_, err = s.UpdateTask(ctx, user, id, gatehouse.TaskUpdate{Title: &title})
		wantNotFound(t, "UpdateTask("+id+")", err)
		_, err = s.ToggleTask(ctx, user, id)
		wantNotFound(t, "ToggleTask("+id+")", err)
		wantNotFound(t, "DeleteTask("+id+")", s.DeleteTask(ctx, user, id))
	}
}

func testOwnerScoping(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	alice, bob := newUser(), newUser()
	a := mustCreate(t, s, alice, "alice's")
	b := mustCreate(t, s, bob, "bob's")

	title, done := "taken over", true
	_, err := s.FindTask(ctx, bob, a.ID)
	wantNotFound(t, "bob finds alice's task", err)
	_, err = s.UpdateTask(ctx, bob, a.ID,
		gatehouse.TaskUpdate{Title: &title, Completed: &done})
	wantNotFound(t, "bob updates alice's task", err)
	_, err = s.ToggleTask(ctx, bob, a.ID)
	wantNotFound(t, "bob toggles alice's task", err)
	wantNotFound(t, "bob deletes alice's task", s.DeleteTask(ctx, bob, a.ID))

	if d := diffTask(a, mustFind(t, s, alice, a.ID)); d != "" {
		t.Errorf("alice's task changed (-want +got):\n%s", d)
	}
	for _, st := range []gatehouse.TaskStatus{
		gatehouse.StatusAll, gatehouse.StatusPending,
	} {
		f := gatehouse.TaskFilter{Status: st}
		if got := ids(listAll(t, s, bob, f)); !equal(got, b.ID) {
			t.Errorf("bob lists %s: got %v, want only %s", st, got, b.ID)
		}
		if got := ids(listAll(t, s, alice, f)); !equal(got, a.ID) {
			t.Errorf("alice lists %s: got %v, want only %s", st, got, a.ID)
		}
	}
	_, err = s.FindTask(ctx, "", a.ID)
	wantNotFound(t, "an empty user finds alice's task", err)
}

func equal(got []string, want ...string) bool {
	return strings.Join(got, ",") == strings.Join(want, ",")
}

func testUpdate(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	want := mustCreate(t, s, user, "draft")
	title, desc, done := "final", "now with details", true

	steps := []struct {
		name  string
		upd   gatehouse.TaskUpdate
		apply func(*gatehouse.Task)
	}{
		{"title", gatehouse.TaskUpdate{Title: &title},
			func(t *gatehouse.Task) { t.Title = title }},
		{"description", gatehouse.TaskUpdate{Description: &desc},
			func(t *gatehouse.Task) { t.Description = desc }},
		{"completed", gatehouse.TaskUpdate{Completed: &done},
			func(t *gatehouse.Task) { t.Completed = done }},
		{"nothing", gatehouse.TaskUpdate{},
			func(t *gatehouse.Task) {}},
		{"everything", gatehouse.TaskUpdate{
			Title: new("again"), Description: new(""), Completed: new(false),
		}, func(t *gatehouse.Task) {
			t.Title, t.Description, t.Completed = "again", "", false
		}},
	}
	for _, step := range steps {
		c.Advance(time.Second)
		got, err := s.UpdateTask(ctx, user, want.ID, step.upd)
		if err != nil {
			t.Fatalf("UpdateTask %s: %v", step.name, err)
		}
		step.apply(&want)
		want.UpdatedAt = c.Stored()
		if d := diffTask(want, got); d != "" {
			t.Errorf("UpdateTask %s (-want +got):\n%s", step.name, d)
		}
		if d := diffTask(want, mustFind(t, s, user, want.ID)); d != "" {
			t.Errorf("FindTask after %s (-want +got):\n%s", step.name, d)
		}
	}
}

// testUpdatedAtAlwaysMoves checks that every change moves UpdatedAt
// forward, by a microsecond when the clock has not moved or went back.
func testUpdatedAtAlwaysMoves(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	task := mustCreate(t, s, user, "steady")
	created := task.CreatedAt

	for i, back := range []time.Duration{0, 0, time.Hour, 0} {
		c.Advance(-back)
		prev := task.UpdatedAt
		var err error
		if i%2 == 0 {
			task, err = s.ToggleTask(ctx, user, task.ID)
		} else {
			task, err = s.UpdateTask(ctx, user, task.ID,
				gatehouse.TaskUpdate{Title: new("steady")})
		}
		if err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		if want := prev.Add(time.Microsecond); !task.UpdatedAt.Equal(want) {
			t.Errorf("change %d: UpdatedAt %v, want %v", i, task.UpdatedAt, want)
		}
		if !task.CreatedAt.Equal(created) {
			t.Errorf("change %d: CreatedAt %v, want %v", i, task.CreatedAt, created)
		}
	}
}

func testToggle(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	want := mustCreate(t, s, user, "flip")
	for i := range 3 {
		c.Advance(time.Minute)
		got, err := s.ToggleTask(ctx, user, want.ID)
		if err != nil {
			t.Fatalf("ToggleTask %d: %v", i, err)
		}
		want.Completed = !want.Completed
		want.UpdatedAt = c.Stored()
		if d := diffTask(want, got); d != "" {
			t.Errorf("ToggleTask %d (-want +got):\n%s", i, d)
		}
		if d := diffTask(want, mustFind(t, s, user, want.ID)); d != "" {
			t.Errorf("FindTask after toggle %d (-want +got):\n%s", i, d)
		}
	}
}

func testDelete(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	gone := mustCreate(t, s, user, "gone")
	kept := mustCreate(t, s, user, "kept")

	if err := s.DeleteTask(ctx, user, gone.ID); err != nil {
		t.Fatalf("DeleteTask: %v", err)
	}
	_, err := s.FindTask(ctx, user, gone.ID)
	wantNotFound(t, "FindTask after delete", err)
	wantNotFound(t, "DeleteTask again", s.DeleteTask(ctx, user, gone.ID))
	_, err = s.ToggleTask(ctx, user, gone.ID)
	wantNotFound(t, "ToggleTask after delete", err)

	if d := diffTask(kept, mustFind(t, s, user, kept.ID)); d != "" {
		t.Errorf("the other task changed (-want +got):\n%s", d)
	}
	if got := ids(listAll(t, s, user, gatehouse.TaskFilter{})); !equal(got, kept.ID) {
		t.Errorf("list after delete: got %v, want only %s", got, kept.ID)
	}
}

func testTextRoundTrip(t *testing.T, s gatehouse.TaskStore, c *clock) {
	ctx := t.Context()
	user := newUser()
	titles := []string{
		strings.Repeat("a", gatehouse.MaxTitleLength),
		strings.Repeat("😀", gatehouse.MaxTitleLength),
		strings.Repeat("漢字", gatehouse.MaxTitleLength/2),
		strings.Repeat("e\u0301", gatehouse.MaxTitleLength/2),
		"e\u0301 and \u00e9 stay apart",
		"👩‍👩‍👧‍👦 family, 🇯🇵 flag, ✋🏽 hand",
		"عربى يمين لليسار",
		"zero\u200bwidth, nbsp\u00a0here",
		`quotes ' " \ % _ ; --`,
	}
	desc := strings.Repeat("ß漢😀", gatehouse.MaxDescriptionLength/3)
	byID := map[string]gatehouse.TaskInput{}
	for _, title := range titles {
		in := gatehouse.TaskInput{Title: title, Description: desc}
		if err := in.Validate(); err != nil || in.Title != title {
			t.Fatalf("test title %q is not valid as it is: %v", title, err)
		}
		task, err := s.CreateTask(ctx, user, in)
		if err != nil {
			t.Fatalf("CreateTask(%q): %v", title, err)
		}
		if task.Title != title || task.Description != desc {
			t.Errorf("CreateTask(%q) returned title %q", title, task.Title)
		}
		byID[task.ID] = in
	}

	// Titles may not hold control characters; descriptions keep them.
	multiline := gatehouse.TaskInput{Title: "multi-line", Description: "tab\tand\nnewline\r\ninside "}
	if task, err := s.CreateTask(ctx, user, multiline); err != nil || task.Description != multiline.Description {
		t.Fatalf("CreateTask(%q) = %q, %v", multiline.Description, task.Description, err)
	} else {
		byID[task.ID] = multiline
		titles = append(titles, multiline.Title)
	}

	listed := listAll(t, s, user, gatehouse.TaskFilter{Sort: gatehouse.SortTitle})
	if len(listed) != len(titles) {
		t.Fatalf("listed %d tasks, want %d", len(listed), len(titles))
	}
	for _, task := range listed {
		found := mustFind(t, s, user, task.ID)
		want := byID[task.ID]
		for _, got := range []gatehouse.Task{task, found} {
			if got.Title != want.Title {
				t.Errorf("title %q read back as %q", want.Title, got.Title)
			}
			if got.Description != want.Description {
				t.Errorf("description of %q changed", want.Title)
			}
		}
	}
}

func testTimestamps(t *testing.T, s gatehouse.TaskStore, c *clock) {
	user := newUser()
	start := c.Now()
	if start.Nanosecond()%1000 == 0 || start.Location() == time.UTC {
		t.Fatal("the test clock must start with nanoseconds, off UTC")
	}

	// Created out of order, a microsecond apart; the last two fall in
	// the same microsecond and so tie.
	offsets := []time.Duration{2000, 0, 1000, 3100, 3900}
	made := map[string]time.Duration{}
	for _, off := range offsets {
		c.Advance(off - c.Now().Sub(start))
		task := mustCreate(t, s, user, "at "+off.String())
		want := gatehouse.StoredTime(start.Add(off))
		if !task.CreatedAt.Equal(want) || task.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt %v, want %v in UTC", task.CreatedAt, want)
		}
		made[task.ID] = off
	}

	for _, limit := range []int{1, 2, 10} {
		f := gatehouse.TaskFilter{Limit: limit}
		var got []time.Duration
		for _, task := range listAll(t, s, user, f) {
			got = append(got, made[task.ID])
			if d := diffTask(mustFind(t, s, user, task.ID), task); d != "" {
				t.Errorf("listed task differs from found (-found +listed):\n%s", d)
			}
			if task.CreatedAt.Nanosecond()%1000 != 0 {
				t.Errorf("CreatedAt %v keeps nanoseconds", task.CreatedAt)
			}
		}
		// The tied pair may come in either order: ids break the tie.
		want := []time.Duration{0, 1000, 2000, 3100, 3900}
		slices.Sort(got[min(3, len(got)):])
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: created order %v, want %v",
				limit, got, want)
		}
	}
}
