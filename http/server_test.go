package http_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestAPI_Health(t *testing.T) {
	fs := &faultyStore{}
	e := newEnv(t, options{wrapStore: func(s gatehouse.TaskStore) gatehouse.TaskStore {
		fs.TaskStore = s
		return fs
	}})
	for _, path := range []string{"/healthz", "/readyz"} {
		r := e.do(t, req{method: "GET", path: path})
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"status":"ok"}` {
			t.Errorf("%s = %d %s", path, r.status, r.body)
		}
	}

	fs.ping = func(context.Context) error { return errBroken }
	r := e.do(t, req{method: "GET", path: "/readyz"})
	wantProblem(t, r, http.StatusServiceUnavailable, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if strings.Contains(string(r.body), "disk") {
		t.Errorf("readyz tells the store's error: %s", r.body)
	}
	wantLoggedOnce(t, e, "disk on fire", "GET /readyz", 503)
	if r := e.do(t, req{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
		t.Errorf("healthz = %d while the store is down, want 200", r.status)
	}
}

func TestAPI_KeysUnavailable(t *testing.T) {
	jwksDown := func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}
	e := newEnv(t, options{jwks: jwksDown})

	r := e.do(t, req{method: "GET", path: "/api/alice/tasks", token: e.token("alice")})
	wantProblem(t, r, http.StatusServiceUnavailable, "keys_unavailable")
	if got := r.header.Get("Retry-After"); got == "" {
		t.Error("no Retry-After")
	}
	if got := r.header.Get("WWW-Authenticate"); got != "" {
		t.Errorf("WWW-Authenticate %q on a 503", got)
	}
	// The operator learns why; the client does not.
	if !strings.Contains(e.logs.String(), "status 502") {
		t.Errorf("the log does not say why the keys are missing:\n%s", e.logs.String())
	}
	if strings.Contains(string(r.body), "502") {
		t.Errorf("the response tells the key fetch's failure: %s", r.body)
	}

	wantProblem(t, e.do(t, req{method: "GET", path: "/api/alice/tasks"}),
		http.StatusUnauthorized, "token_missing")
	wantProblem(t, e.do(t, req{method: "GET", path: "/readyz"}),
		http.StatusServiceUnavailable, "unavailable")
	if r := e.do(t, req{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
		t.Errorf("healthz = %d, want 200", r.status)
	}
}

func TestAPI_RequestLog(t *testing.T) {
	e := newEnv(t, options{})
	token := e.token("alice")
	e.do(t, req{method: "GET", path: "/api/alice/tasks", token: token})
	e.do(t, req{method: "GET", path: "/api/bob/tasks", token: token})
	e.do(t, req{method: "GET", path: "/api/alice/tasks"})
	e.do(t, req{method: "POST", path: "/api/alice/tasks", token: token, body: `{"title":"x"}`})
	e.do(t, req{method: "GET", path: "/nowhere"})

	want := []struct {
		method, route string
		status        int
		subject, code string
	}{
		{"GET", "GET /api/{user_id}/tasks", 200, "alice", ""},
		{"GET", "GET /api/{user_id}/tasks", 403, "alice", "forbidden"},
		{"GET", "GET /api/{user_id}/tasks", 401, "", "token_missing"},
		{"POST", "POST /api/{user_id}/tasks", 201, "alice", ""},
		{"GET", "/", 404, "", "not_found"},
	}
	lines := e.logLines(t)
	if len(lines) != len(want) {
		t.Fatalf("%d log lines for %d requests:\n%s", len(lines), len(want), e.logs.String())
	}
	for i, w := range want {
		l := lines[i]
		subject, _ := l["subject"].(string)
		code, _ := l["code"].(string)
		if l["msg"] != "request" || l["level"] != "INFO" || l["method"] != w.method ||
			l["route"] != w.route || l["status"] != float64(w.status) ||
			subject != w.subject || code != w.code {
			t.Errorf("line %d = %v, want %+v", i, l, w)
		}
		if d, ok := l["duration"].(float64); !ok || d <= 0 {
			t.Errorf("line %d has no duration: %v", i, l)
		}
	}
	if strings.Contains(e.logs.String(), strings.Split(token, ".")[1]) {
		t.Error("the log holds the token")
	}
}

func TestAPI_CORS(t *testing.T) {
	const origin = "https://app.example.com"
	e := newEnv(t, options{corsOrigins: []string{origin}})

	preflight := func(origin string) reply {
		return e.do(t, req{method: "OPTIONS", path: "/api/alice/tasks", header: http.Header{
			"Origin":                         {origin},
			"Access-Control-Request-Method":  {"POST"},
			"Access-Control-Request-Headers": {"authorization, content-type"},
		}})
	}
	r := preflight(origin)
	if r.status != http.StatusNoContent ||
		r.header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("preflight = %d %v", r.status, r.header)
	}
	if r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("credentials allowed")
	}

	for _, other := range []string{"https://evil.example", "https://app.example.com.evil", "null", "http://app.example.com"} {
		r := preflight(other)
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from %s allowed", other)
		}
		wantProblem(t, r, http.StatusMethodNotAllowed, "method_not_allowed")
	}

	r = e.do(t, req{method: "GET", path: "/api/alice/tasks", token: e.token("alice"),
		header: http.Header{"Origin": {origin}}})
	if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Location") {
		t.Errorf("GET with Origin = %d %v", r.status, r.header)
	}
	r = e.do(t, req{method: "GET", path: "/api/alice/tasks", header: http.Header{"Origin": {origin}}})
	if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != origin {
		t.Errorf("a 401 is not readable by the allowed origin: %d %v", r.status, r.header)
	}
	if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
		t.Error("no Vary: Origin")
	}
}

func TestServer_ShutdownLetsRequestsFinish(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	fs := &faultyStore{}
	fs.list = func(ctx context.Context, user string, f gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
		close(entered)
		<-release
		return fs.TaskStore.ListTasks(ctx, user, f)
	}
	e := newEnv(t, options{manual: true, wrapStore: func(s gatehouse.TaskStore) gatehouse.TaskStore {
		fs.TaskStore = s
		return fs
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()

	replied := make(chan reply, 1)
	token := e.token("alice")
	go func() {
		r, _ := http.NewRequest("GET", e.base+"/api/alice/tasks", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			replied <- reply{status: -1, body: []byte(err.Error())}
			return
		}
		resp.Body.Close()
		replied <- reply{status: resp.StatusCode}
	}()
	<-entered
	stop()

	// Serve waits for the request in flight, and refuses new connections.
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("a new connection was accepted during shutdown")
	}

	close(release)
	if r := <-replied; r.status != http.StatusOK {
		t.Errorf("request in flight: status %d %s, want 200", r.status, r.body)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the request finished")
	}
}

func TestServer_ShutdownIsBounded(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 1)
	fs := &faultyStore{}
	fs.list = func(ctx context.Context, user string, f gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
		entered <- struct{}{}
		<-release
		return gatehouse.TaskPage{}, nil
	}
	e := newEnv(t, options{manual: true, shutdown: 100 * time.Millisecond,
		wrapStore: func(s gatehouse.TaskStore) gatehouse.TaskStore {
			fs.TaskStore = s
			return fs
		}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()

	token := e.token("alice")
	go func() {
		r, _ := http.NewRequest("GET", e.base+"/api/alice/tasks", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		if resp, err := http.DefaultClient.Do(r); err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	start := time.Now()
	stop()
	select {
	case err := <-served:
		if err == nil {
			t.Error("Serve = nil after the drain timed out, want an error")
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Serve took %s to give up", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still waits 5s after a 100ms shutdown timeout")
	}
}
