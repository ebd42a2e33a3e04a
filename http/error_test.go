package http_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestAPI_UnknownRoutes(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	for _, path := range []string{
		"/", "/nowhere", "/api", "/api/alice", "/api/alice/notes",
		"/api/alice/tasks/x/y", "/api/alice/tasks/x/complete/y", "/healthz/x",
	} {
		for _, token := range []string{"", alice} {
			t.Run(path, func(t *testing.T) {
				r := e.do(t, req{method: "GET", path: path, token: token})
				wantProblem(t, r, http.StatusNotFound, "not_found")
			})
		}
	}
}

func TestAPI_MethodNotAllowed(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	cases := []struct {
		path, allow string
		refused     []string
	}{
		{"/healthz", "GET, HEAD", []string{"POST", "PUT", "DELETE", "OPTIONS"}},
		{"/readyz", "GET, HEAD", []string{"POST", "PATCH"}},
		{"/api/alice/tasks", "GET, HEAD, POST", []string{"PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}},
		{"/api/alice/tasks/x", "DELETE, GET, HEAD, PATCH, PUT", []string{"POST", "OPTIONS"}},
		{"/api/alice/tasks/x/complete", "PATCH", []string{"GET", "POST", "PUT", "DELETE"}},
		{"/api/bob/tasks", "GET, HEAD, POST", []string{"PUT"}},
	}
	for _, c := range cases {
		for _, m := range c.refused {
			t.Run(m+" "+c.path, func(t *testing.T) {
				r := e.do(t, req{method: m, path: c.path, token: alice})
				wantProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
				if got := r.header.Get("Allow"); got != c.allow {
					t.Errorf("Allow %q, want %q", got, c.allow)
				}
			})
		}
	}
	t.Run("HEAD is served", func(t *testing.T) {
		r := e.do(t, req{method: "HEAD", path: "/api/alice/tasks", token: alice})
		if r.status != http.StatusOK || len(r.body) != 0 {
			t.Errorf("HEAD = %d %q", r.status, r.body)
		}
	})
}

// A store that stops answering, as PostgreSQL does behind a network
// partition, must not hold requests: past the store timeout they get 503.
func TestAPI_StoreHangs(t *testing.T) {
	fs := &faultyStore{}
	e := newEnv(t, options{storeTime: 200 * time.Millisecond,
		wrapStore: func(s gatehouse.TaskStore) gatehouse.TaskStore {
			fs.TaskStore = s
			return fs
		}})
	fs.list = func(ctx context.Context, _ string, _ gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
		<-ctx.Done() // a database that never answers, until the deadline
		return gatehouse.TaskPage{}, fmt.Errorf("list tasks: %w", ctx.Err())
	}
	start := time.Now()
	r := e.do(t, req{method: "GET", path: "/api/alice/tasks", token: e.token("alice")})
	wantProblem(t, r, http.StatusServiceUnavailable, "unavailable")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the request took %s", took)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

func TestAPI_StoreFailures(t *testing.T) {
	fs := &faultyStore{}
	e := newEnv(t, options{wrapStore: func(s gatehouse.TaskStore) gatehouse.TaskStore {
		fs.TaskStore = s
		return fs
	}})
	alice := e.token("alice")

	t.Run("unavailable", func(t *testing.T) {
		fs.list = func(context.Context, string, gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
			return gatehouse.TaskPage{}, fmt.Errorf("list tasks: %w", gatehouse.ErrUnavailable)
		}
		defer func() { fs.list = nil }()
		r := e.do(t, req{method: "GET", path: "/api/alice/tasks", token: alice})
		wantProblem(t, r, http.StatusServiceUnavailable, "unavailable")
		if got := r.header.Get("Retry-After"); got != "5" {
			t.Errorf("Retry-After %q, want 5", got)
		}
		wantLoggedOnce(t, e, "list tasks: gatehouse: storage unavailable",
			"GET /api/{user_id}/tasks", 503)
	})
	t.Run("client gone", func(t *testing.T) {
		served := make(chan struct{})
		fs.list = func(ctx context.Context, _ string, _ gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
			defer close(served)
			<-ctx.Done()
			return gatehouse.TaskPage{}, fmt.Errorf("list tasks: %w", ctx.Err())
		}
		defer func() { fs.list = nil }()
		before := len(e.logLines(t))
		ctx, cancel := context.WithCancel(context.Background())
		r, err := http.NewRequestWithContext(ctx, "GET", e.base+"/api/alice/tasks", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+alice)
		go func() {
			time.Sleep(50 * time.Millisecond)
			cancel()
		}()
		if _, err := e.client.Do(r); err == nil {
			t.Fatal("the canceled request got an answer")
		}
		<-served
		deadline := time.Now().Add(5 * time.Second)
		for len(e.logLines(t)) == before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		lines := e.logLines(t)[before:]
		if len(lines) != 1 || lines[0]["level"] != "INFO" || lines[0]["code"] != "unavailable" {
			t.Errorf("log of a request the client canceled = %v, want one INFO line", lines)
		}
	})
	t.Run("internal", func(t *testing.T) {
		fs.find = func(context.Context, string, string) (gatehouse.Task, error) {
			return gatehouse.Task{}, fmt.Errorf("find task: %w", errBroken)
		}
		defer func() { fs.find = nil }()
		r := e.do(t, req{method: "GET", path: "/api/alice/tasks/some-id", token: alice})
		p := wantProblem(t, r, http.StatusInternalServerError, "internal")
		if strings.Contains(string(r.body), "disk") || strings.Contains(p.Detail, "sector") {
			t.Errorf("the body tells internals: %s", r.body)
		}
		wantLoggedOnce(t, e, "disk on fire at sector 7", "GET /api/{user_id}/tasks/{id}", 500)
	})
	t.Run("panic", func(t *testing.T) {
		fs.find = func(context.Context, string, string) (gatehouse.Task, error) {
			panic("the handler tripped over a nil map")
		}
		defer func() { fs.find = nil }()
		r := e.do(t, req{method: "GET", path: "/api/alice/tasks/other-id", token: alice})
		wantProblem(t, r, http.StatusInternalServerError, "internal")
		if strings.Contains(string(r.body), "nil map") {
			t.Errorf("the body tells internals: %s", r.body)
		}
		wantLoggedOnce(t, e, "the handler tripped over a nil map", "GET /api/{user_id}/tasks/{id}", 500)

		// The server keeps serving.
		r = e.do(t, req{method: "GET", path: "/api/alice/tasks", token: alice})
		if r.status != http.StatusOK {
			t.Errorf("after a panic: %d %s", r.status, r.body)
		}
	})
}

// wantLoggedOnce checks that exactly one log line holds text, and that it
// is the request's line, at level ERROR, with the route and status.
func wantLoggedOnce(tb testing.TB, e *env, text, route string, status int) {
	tb.Helper()
	var found []map[string]any
	for _, line := range e.logLines(tb) {
		if strings.Contains(fmt.Sprint(line), text) {
			found = append(found, line)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("%d log lines hold %q, want 1:\n%s", len(found), text, e.logs.String())
	}
	l := found[0]
	if l["level"] != "ERROR" || l["msg"] != "request" || l["route"] != route ||
		l["status"] != float64(status) {
		tb.Errorf("log line %v, want an ERROR request line for %s with status %d", l, route, status)
	}
}
