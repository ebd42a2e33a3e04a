package interop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cooldownVar names Gatehouse's JWKS refresh cooldown setting.
const cooldownVar = "GATEHOUSE_JWKS_REFRESH_COOLDOWN"

// testCooldown is the cooldown the tests run Gatehouse with: short, so that
// a rotated key is picked up quickly, yet long enough to observe.
const testCooldown = time.Second

// gatehouse is a running gatehouse serve process.
type gatehouse struct {
	base   string
	output *syncBuffer
	client *http.Client

	mu     sync.Mutex
	tokens []string // every bearer token presented
}

// startGatehouse runs `gatehouse serve` against a, with a fresh SQLite
// database, and waits until /readyz answers 200. env adds or overrides
// variables; an empty value removes one. The process stops when the test
// ends, and its log is shown if the test failed.
func startGatehouse(t testing.TB, a *authServer, env map[string]string) *gatehouse {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	vars := map[string]string{
		"BETTER_AUTH_URL":     a.base,
		"DATABASE_URL":        "sqlite:" + filepath.Join(dir, "gatehouse.db"),
		"GATEHOUSE_ADDR":      addr,
		"GATEHOUSE_LOG_LEVEL": "debug",
		cooldownVar:           testCooldown.String(),
	}
	for k, v := range env {
		vars[k] = v
	}

	cmd := exec.Command(gatehouseBinary(t), "serve")
	cmd.Dir = dir
	cmd.Env = environ(vars)
	g := &gatehouse{
		base:   "http://" + addr,
		output: &syncBuffer{},
		client: &http.Client{Timeout: 10 * time.Second},
	}
	cmd.Stdout, cmd.Stderr = g.output, g.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gatehouse: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stopProcess(cmd, exited)
		g.checkLogHasNoTokens(t)
		if t.Failed() {
			t.Logf("gatehouse log:\n%s", g.output.String())
		}
	})

	g.awaitReady(t, exited)
	return g
}

// checkLogHasNoTokens fails the test if Gatehouse logged any part of a
// bearer token it was sent: a signature, or a whole token without one.
func (g *gatehouse) checkLogHasNoTokens(t testing.TB) {
	t.Helper()
	log := g.output.String()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, token := range g.tokens {
		secret := token[strings.LastIndex(token, ".")+1:]
		if len(secret) < 16 {
			secret = token
		}
		if len(secret) >= 16 && strings.Contains(log, secret) {
			t.Errorf("gatehouse logged a bearer token it was sent")
			return
		}
	}
}

func (g *gatehouse) awaitReady(t testing.TB, exited chan error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("gatehouse exited early (%v):\n%s", err, g.output.String())
		default:
		}
		resp, err := g.client.Get(g.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gatehouse not ready within 20s:\n%s", g.output.String())
}

func stopProcess(cmd *exec.Cmd, exited chan error) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
}

// environ is the test's environment without any setting Gatehouse reads,
// plus vars; empty values are left out.
func environ(vars map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "BETTER_AUTH_") ||
			strings.HasPrefix(name, "GATEHOUSE_") || name == "DATABASE_URL" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range vars {
		if v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// reply is one answer of Gatehouse.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with token as bearer credentials (none when empty)
// and a JSON body (none when nil).
func (g *gatehouse) call(t testing.TB, method, path, token string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, g.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return g.do(t, req)
}

func (g *gatehouse) do(t testing.TB, req *http.Request) reply {
	t.Helper()
	r, err := g.send(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is do for goroutines other than the test's: it returns the error.
func (g *gatehouse) send(req *http.Request) (reply, error) {
	if token, ok := strings.CutPrefix(req.Header.Get("Authorization"),
		"Bearer "); ok {
		g.mu.Lock()
		g.tokens = append(g.tokens, token)
		g.mu.Unlock()
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// listConcurrently asks for a task list n times at once with token and
// returns every answer.
func (g *gatehouse) listConcurrently(t testing.TB, n int, userID, token string) []reply {
	t.Helper()
	replies := make([]reply, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodGet,
				g.base+"/api/"+userID+"/tasks", nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+token)
				replies[i], err = g.send(req)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return replies
}

// listTasks asks for u's task list with token.
func (g *gatehouse) listTasks(t testing.TB, userID, token string) reply {
	t.Helper()
	return g.call(t, http.MethodGet, "/api/"+userID+"/tasks", token, nil)
}

// code is the problem+json code of an error reply, or "".
func (r reply) code() string {
	var p struct {
		Code string `json:"code"`
	}
	json.Unmarshal(r.body, &p)
	return p.Code
}

func (r reply) String() string {
	return fmt.Sprintf("status %d, body %s", r.status, bytes.TrimSpace(r.body))
}

// wantStatus fails the test unless r has the given status.
func wantStatus(t testing.TB, what string, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: got %v, want status %d", what, r, status)
	}
}

// wantRefused fails the test unless r is a 401 with a Bearer challenge and
// a problem+json body, with the given code when code is not empty.
func wantRefused(t testing.TB, what string, r reply, code string) {
	t.Helper()
	if r.status != http.StatusUnauthorized {
		t.Fatalf("%s: got %v, want 401", what, r)
	}
	challenge := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(challenge, `Bearer realm="gatehouse"`) {
		t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge with"+
			` realm="gatehouse"`, what, challenge)
	}
	ct := r.header.Get("Content-Type")
	if !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	if got := r.code(); code != "" && got != code {
		t.Errorf("%s: code %q, want %q (%v)", what, got, code, r)
	}
	if r.code() == "" {
		t.Errorf("%s: problem has no code: %v", what, r)
	}
}
