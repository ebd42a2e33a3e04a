package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestScaleOut_TwoProcessesShareOneDatabase runs two processes on one
// schema, started together so that their migrations race, and checks that
// a task written through one is read, changed and deleted through the
// other, each process verifying tokens with keys it fetched itself.
func TestScaleOut_TwoProcessesShareOneDatabase(t *testing.T) {
	db := testPostgresURL(t)
	keys := newKeyServer(t)
	env := keys.env(db)
	p1, p2 := startServe(t, env), startServe(t, env)
	base1, base2 := p1.wait(t), p2.wait(t)
	alice, bob := keys.token("alice"), keys.token("bob")
	tasks := "/api/alice/tasks"

	a := send(t, "POST", base1+tasks, alice, `{"title": "written by one"}`)
	created := a.task(t, 201)
	if created.Title != "written by one" || created.UserID != "alice" || created.Completed {
		t.Fatalf("POST through 1 = %+v", created)
	}
	one := tasks + "/" + url.PathEscape(created.ID)

	if got := send(t, "GET", base2+tasks, alice, "").list(t); !slices.Equal(got, []task{created}) {
		t.Errorf("list through 2 = %+v, want the created task", got)
	}
	if got := send(t, "GET", base2+one, alice, "").task(t, 200); got != created {
		t.Errorf("GET through 2 = %+v, want %+v", got, created)
	}

	// Each change made through 2 is what 1 reads next.
	changes := []struct {
		method, path, body string
		check              func(task) bool
	}{
		{"PUT", one, `{"title": "replaced", "description": "by two", "completed": false}`,
			func(x task) bool { return x.Title == "replaced" && x.Description == "by two" }},
		{"PATCH", one, `{"title": "patched", "description": null}`,
			func(x task) bool { return x.Title == "patched" && x.Description == "" }},
		{"PATCH", one + "/complete", "", func(x task) bool { return x.Completed }},
		{"PATCH", one + "/complete", "", func(x task) bool { return !x.Completed }},
	}
	for _, c := range changes {
		got := send(t, c.method, base2+c.path, alice, c.body).task(t, 200)
		if !c.check(got) || got.ID != created.ID {
			t.Errorf("%s %s through 2 = %+v", c.method, c.path, got)
		}
		if seen := send(t, "GET", base1+one, alice, "").task(t, 200); seen != got {
			t.Errorf("after %s %s, 1 reads %+v, want %+v", c.method, c.path, seen, got)
		}
	}

	for _, base := range []string{base1, base2} {
		for _, path := range []string{tasks, one} {
			a := send(t, "GET", base+path, bob, "")
			if a.status != 403 || a.code(t) != "forbidden" {
				t.Errorf("bob GET %s%s = %d %s, want 403 forbidden", base, path, a.status, a.body)
			}
		}
	}

	if a := send(t, "DELETE", base2+one, alice, ""); a.status != 204 {
		t.Errorf("DELETE through 2 = %d %s, want 204", a.status, a.body)
	}
	if a := send(t, "GET", base1+one, alice, ""); a.status != 404 {
		t.Errorf("GET through 1 after the delete = %d, want 404", a.status)
	}
	if got := send(t, "GET", base1+tasks, alice, "").list(t); len(got) != 0 {
		t.Errorf("list through 1 after the delete = %+v, want none", got)
	}

	// The JWKS is the only key source, so each process that accepted an
	// EdDSA token fetched it; the server saw one client per process, and
	// each process logged the subject it verified.
	n, clients := keys.seen()
	if n < 2 || clients < 2 {
		t.Errorf("JWKS served %d requests to %d clients, want at least 2 and 2", n, clients)
	}
	t.Logf("JWKS served %d requests to %d clients", n, clients)
	for i, p := range []*process{p1, p2} {
		if !strings.Contains(p.log.String(), `"subject":"alice"`) {
			t.Errorf("process %d logged no request of alice:\n%s", i+1, p.log)
		}
	}
}

// TestFaults_DatabaseOutageAndRecovery cuts one process off from
// PostgreSQL and checks that it answers 503 while the database is away and
// recovers by itself when it returns.
func TestFaults_DatabaseOutageAndRecovery(t *testing.T) {
	db := testPostgresURL(t)
	keys := newKeyServer(t)
	proxy, viaProxy := newProxy(t, db)
	p := startServe(t, keys.env(viaProxy))
	base := p.wait(t)
	alice := keys.token("alice")
	tasks := base + "/api/alice/tasks"

	kept := send(t, "POST", tasks, alice, `{"title": "before the outage"}`).task(t, 201)
	if a := send(t, "GET", base+"/readyz", "", ""); a.status != 200 {
		t.Fatalf("readyz before the outage = %d %s", a.status, a.body)
	}

	proxy.cut()
	for _, r := range []struct{ method, body string }{
		{"GET", ""}, {"POST", `{"title": "during the outage"}`},
	} {
		a := send(t, r.method, tasks, alice, r.body)
		if a.status != 503 || a.code(t) != "unavailable" || a.header.Get("Retry-After") == "" ||
			a.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s during the outage = %d, %q, Retry-After %q: %s, want 503 unavailable",
				r.method, a.status, a.header.Get("Content-Type"), a.header.Get("Retry-After"), a.body)
		}
	}
	if a := send(t, "GET", base+"/readyz", "", ""); a.status != 503 {
		t.Errorf("readyz during the outage = %d, want 503", a.status)
	}
	if a := send(t, "GET", base+"/healthz", "", ""); a.status != 200 {
		t.Errorf("healthz during the outage = %d, want 200", a.status)
	}

	proxy.restore(t)
	start := time.Now()
	for {
		list := send(t, "GET", tasks, alice, "")
		ready := send(t, "GET", base+"/readyz", "", "")
		if list.status == 200 && ready.status == 200 {
			if got := list.list(t); !slices.Equal(got, []task{kept}) {
				t.Errorf("list after the outage = %+v, want %+v", got, kept)
			}
			break
		}
		if time.Since(start) > 15*time.Second {
			t.Fatalf("15s after the database returned: list %d, readyz %d:\n%s",
				list.status, ready.status, p.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("recovered %v after the database returned", time.Since(start).Round(time.Millisecond))
	send(t, "POST", tasks, alice, `{"title": "after the outage"}`).task(t, 201)
}

// testPostgresURL returns the URL of an empty schema of the server that
// GATEHOUSE_TEST_POSTGRES_URL names, with a two-second connect timeout.
// Without the variable the test is skipped, or fails when CI=true.
func testPostgresURL(t *testing.T) string {
	t.Helper()
	if os.Getenv("GATEHOUSE_TEST_POSTGRES_URL") == "" {
		msg := "set GATEHOUSE_TEST_POSTGRES_URL to run processes on PostgreSQL"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	u, err := url.Parse(postgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String()
}

// keyServer is BetterAuth's JWKS endpoint, serving one Ed25519 key, and
// counting the requests and the connections they came on.
type keyServer struct {
	*httptest.Server
	key ed25519.PrivateKey

	mu      sync.Mutex
	n       int
	clients map[string]bool // remote addresses
}

const testKID = "scaleout-key-1"

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"keys": []any{map[string]string{
		"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "kid": testKID,
		"x": base64.RawURLEncoding.EncodeToString(pub),
	}}})
	k := &keyServer{key: priv, clients: map[string]bool{}}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.mu.Lock()
		k.n++
		k.clients[r.RemoteAddr] = true
		k.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(k.Close)
	return k
}

// seen returns the number of requests and of distinct connections.
func (k *keyServer) seen() (requests, clients int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n, len(k.clients)
}

// env configures a command that verifies tokens against k only and
// stores tasks at db.
func (k *keyServer) env(db string) map[string]string {
	return map[string]string{
		envJWKSURL:     k.URL,
		envIssuer:      "https://app.example.com",
		envAudience:    "https://app.example.com",
		envAddr:        "127.0.0.1:0",
		envDatabaseURL: db,
		envLogFormat:   "json",
	}
}

// token signs a token for sub, as BetterAuth's JWT plugin would.
func (k *keyServer) token(sub string) string {
	enc := base64.RawURLEncoding
	now := time.Now().Unix()
	header, _ := json.Marshal(map[string]string{"alg": "EdDSA", "kid": testKID, "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"sub": sub, "iss": "https://app.example.com", "aud": "https://app.example.com",
		"iat": now, "exp": now + 900,
	})
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	return input + "." + enc.EncodeToString(ed25519.Sign(k.key, []byte(input)))
}

// process is "gatehouse serve" running as a process of its own.
type process struct {
	log    *syncBuffer
	exited chan struct{}
}

// startServe starts "gatehouse serve" with env, and stops it with SIGTERM
// when the test ends, or kills it after a minute.
func startServe(t *testing.T, env map[string]string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	cmd := exec.CommandContext(ctx, exe, "serve")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = t.TempDir()
	cmd.Env = []string{runMainVar + "=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &process{log: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { cancel(); <-p.exited })
	return p
}

// wait waits for p to listen and returns its base URL.
func (p *process) wait(t *testing.T) string {
	t.Helper()
	return "http://" + listenAddr(t, p.log, p.exited)
}

// task is a task as the API shows it.
type task struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Completed   bool   `json:"completed"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// answer is one response of a process.
type answer struct {
	status int
	header http.Header
	body   []byte
}

var client = &http.Client{Timeout: 10 * time.Second}

// send sends a request with token, when given, and a JSON body, when
// given.
func send(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// task decodes a task from an answer that must have status want.
func (a answer) task(t *testing.T, want int) task {
	t.Helper()
	var x task
	if a.status != want {
		t.Fatalf("status %d, want %d: %s", a.status, want, a.body)
	}
	if err := json.Unmarshal(a.body, &x); err != nil {
		t.Fatalf("decode task %s: %v", a.body, err)
	}
	return x
}

// list decodes the tasks of a 200 answer to a list request.
func (a answer) list(t *testing.T) []task {
	t.Helper()
	var page struct{ Tasks []task }
	if a.status != 200 {
		t.Fatalf("list: status %d, want 200: %s", a.status, a.body)
	}
	if err := json.Unmarshal(a.body, &page); err != nil {
		t.Fatalf("decode list %s: %v", a.body, err)
	}
	return page.Tasks
}

// code returns the code of a problem answer.
func (a answer) code(t *testing.T) string {
	t.Helper()
	var p struct{ Code string }
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Errorf("decode problem %s: %v", a.body, err)
	}
	return p.Code
}

// proxy forwards TCP connections to PostgreSQL, and can cut every
// connection and refuse new ones, then listen again on the same address.
type proxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// newProxy starts a proxy to the server of db and returns db rewritten to
// go through it.
func newProxy(t *testing.T, db string) (*proxy, string) {
	t.Helper()
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: u.Host, conns: map[net.Conn]bool{}}
	if u.Port() == "" {
		p.target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p.listen(t, "127.0.0.1:0")
	t.Cleanup(func() { p.cut(); p.wg.Wait() })
	u.Host = p.addr
	return p, u.String()
}

func (p *proxy) listen(t *testing.T, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("proxy: listen on %s: %v", addr, err)
	}
	p.ln, p.addr = ln, ln.Addr().String()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.forward(c) })
		}
	})
}

// cut closes every connection and stops listening, so that new
// connections are refused.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// restore listens again on the proxy's address.
func (p *proxy) restore(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		p.listen(t, p.addr)
	}
}

// track records c for cut to close, or closes it and reports false when
// the proxy is cut.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *proxy) forward(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer client.Close()
	server, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil || !p.track(server) {
		return
	}
	defer server.Close()

	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
	<-done // the deferred closes end the other copy
}
