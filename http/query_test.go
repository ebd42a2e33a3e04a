package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// page is one page of a task list.
type page struct {
	Tasks      []task  `json:"tasks"`
	NextCursor *string `json:"next_cursor"`
}

// listAll follows next_cursor from the first page of query to the last,
// and returns the pages.
func (e *env) listAll(tb testing.TB, user, query string) []page {
	tb.Helper()
	var pages []page
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		r := e.do(tb, req{method: "GET", path: tasksPath(user) + "?" + q, token: e.token(user)})
		if r.status != http.StatusOK {
			tb.Fatalf("GET ?%s: %d %s", q, r.status, r.body)
		}
		var p page
		decode(tb, r, &p)
		pages = append(pages, p)
		if p.NextCursor == nil {
			return pages
		}
		if len(pages) > 100 {
			tb.Fatal("more than 100 pages")
		}
		cursor = *p.NextCursor
	}
}

func titles(pages []page) []string {
	var out []string
	for _, p := range pages {
		for _, t := range p.Tasks {
			out = append(out, t.Title)
		}
	}
	return out
}

func TestAPI_ListPagination(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	names := []string{"delta", "alpha", "echo", "charlie", "bravo", "golf", "foxtrot"}
	ids := map[string]string{}
	for _, n := range names {
		ids[n] = e.create(t, "alice", n).ID
	}
	e.create(t, "bob", "bob's only task")
	// Complete two, and touch delta last so that updated_at differs.
	for _, n := range []string{"echo", "bravo"} {
		wantTask(t, e.do(t, req{method: "PATCH", path: taskPath("alice", ids[n]) + "/complete",
			token: alice}), http.StatusOK)
	}
	wantTask(t, e.do(t, req{method: "PATCH", path: taskPath("alice", ids["delta"]),
		token: alice, body: `{"description": "touched"}`}), http.StatusOK)

	sorted := slices.Sorted(slices.Values(names))
	reversed := slices.Clone(names)
	slices.Reverse(reversed)
	cases := []struct {
		query string
		sizes []int
		want  []string
	}{
		{"limit=3", []int{3, 3, 1}, names},
		{"limit=7", []int{7}, names},
		{"limit=6", []int{6, 1}, names},
		{"limit=1&sort=-created_at", []int{1, 1, 1, 1, 1, 1, 1}, reversed},
		{"limit=2&sort=title", []int{2, 2, 2, 1}, sorted},
		{"limit=4&sort=-title", []int{4, 3}, []string{"golf", "foxtrot", "echo", "delta", "charlie", "bravo", "alpha"}},
		{"limit=3&sort=-updated_at", []int{3, 3, 1}, []string{"delta", "bravo", "echo", "foxtrot", "golf", "charlie", "alpha"}},
		{"status=completed", []int{2}, []string{"echo", "bravo"}},
		{"status=pending&sort=title&limit=2", []int{2, 2, 1}, []string{"alpha", "charlie", "delta", "foxtrot", "golf"}},
		{"status=all&sort=created_at&limit=200", []int{7}, names},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			pages := e.listAll(t, "alice", c.query)
			var sizes []int
			for _, p := range pages {
				sizes = append(sizes, len(p.Tasks))
			}
			if !slices.Equal(sizes, c.sizes) {
				t.Errorf("page sizes %v, want %v", sizes, c.sizes)
			}
			if got := titles(pages); !slices.Equal(got, c.want) {
				t.Errorf("titles %v, want %v", got, c.want)
			}
		})
	}

	t.Run("default page size", func(t *testing.T) {
		for i := 0; i < 50; i++ {
			e.create(t, "carol", fmt.Sprintf("task %02d", i))
		}
		pages := e.listAll(t, "carol", "")
		if len(pages) != 1 || len(pages[0].Tasks) != 50 {
			t.Fatalf("50 tasks listed in %d pages", len(pages))
		}
		e.create(t, "carol", "task 50")
		pages = e.listAll(t, "carol", "sort=title")
		if len(pages) != 2 || len(pages[0].Tasks) != 50 || len(pages[1].Tasks) != 1 {
			t.Errorf("51 tasks listed in pages %v", titles(pages))
		}
	})
	t.Run("empty list", func(t *testing.T) {
		r := e.do(t, req{method: "GET", path: "/api/dave/tasks", token: e.token("dave")})
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"tasks":[],"next_cursor":null}` {
			t.Errorf("empty list = %d %s", r.status, r.body)
		}
	})
}

func TestAPI_ListQueryValidation(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	for i := 0; i < 3; i++ {
		e.create(t, "alice", fmt.Sprintf("t%d", i))
	}
	first := e.listAll(t, "alice", "limit=1&sort=title")[0]
	cursor := url.QueryEscape(*first.NextCursor)

	cases := []struct {
		query  string
		fields []string
	}{
		{"status=done", []string{"status"}},
		{"status=ALL", []string{"status"}},
		{"status=", []string{"status"}},
		{"sort=priority", []string{"sort"}},
		{"sort=+title", []string{"sort"}},
		{"sort=--title", []string{"sort"}},
		{"sort=title&order=desc", []string{"order"}},
		{"limit=0", []string{"limit"}},
		{"limit=201", []string{"limit"}},
		{"limit=-1", []string{"limit"}},
		{"limit=+5", []string{"limit"}},
		{"limit=1.5", []string{"limit"}},
		{"limit=abc", []string{"limit"}},
		{"limit=99999999999999999999", []string{"limit"}},
		{"limit=1&limit=2", []string{"limit"}},
		{"page=2", []string{"page"}},
		{"Status=all", []string{"Status"}},
		{"status=done&sort=x&limit=0&extra=1", []string{"extra", "limit", "sort", "status"}},
		{"cursor=garbage", []string{"cursor"}},
		{"cursor=", []string{"cursor"}},
		{"cursor=" + cursor, []string{"cursor"}},
		{"sort=-title&cursor=" + cursor, []string{"cursor"}},
		{"sort=title&status=pending&cursor=" + cursor, []string{"cursor"}},
		{"%zz", []string{"query"}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			wantFields(t, e.do(t, req{method: "GET", path: "/api/alice/tasks?" + c.query,
				token: alice}), c.fields...)
		})
	}

	t.Run("accepted edges", func(t *testing.T) {
		for _, q := range []string{"limit=1", "limit=200", "limit=007", "sort=title&cursor=" + cursor, ""} {
			r := e.do(t, req{method: "GET", path: "/api/alice/tasks?" + q, token: alice})
			if r.status != http.StatusOK {
				t.Errorf("?%s: %d %s", q, r.status, r.body)
			}
		}
	})
}
