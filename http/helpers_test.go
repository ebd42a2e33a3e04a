package http_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/betterauth"
	gh "github.com/gatehouse/gatehouse/http"
	"github.com/gatehouse/gatehouse/sqlite"
)

// The issuer and audience of the tokens the tests sign.
const (
	testIssuer   = "https://auth.example.com"
	testAudience = "https://auth.example.com"
)

// env is a running Gatehouse: the server cmd/gatehouse builds, on a real
// SQLite file, verifying tokens against a JWKS served by the test.
type env struct {
	base   string
	client *http.Client
	key    ed25519.PrivateKey
	kid    string
	logs   *syncBuffer
	store  gatehouse.TaskStore
	srv    *gh.Server
}

// options change how newEnv builds an env.
type options struct {
	wrapStore   func(gatehouse.TaskStore) gatehouse.TaskStore
	jwks        http.HandlerFunc // nil serves the env's key
	corsOrigins []string
	shutdown    time.Duration
	storeTime   time.Duration // the store timeout; zero means the default
	manual      bool          // the test runs the server itself
}

// newEnv starts an env that stops when the test ends.
func newEnv(tb testing.TB, opts options) *env {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{
		client: &http.Client{Timeout: 10 * time.Second},
		key:    priv,
		kid:    "test-key-1",
		logs:   &syncBuffer{},
	}
	jwks := opts.jwks
	if jwks == nil {
		jwks = serveKey(e.kid, pub)
	}
	keys := httptest.NewServer(jwks)
	tb.Cleanup(keys.Close)

	verifier, err := betterauth.New(betterauth.Config{
		JWKSURL:  keys.URL,
		Issuer:   testIssuer,
		Audience: []string{testAudience},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(verifier.Close)
	if opts.jwks == nil {
		waitReady(tb, verifier)
	}

	store, err := sqlite.Open(context.Background(),
		filepath.Join(tb.TempDir(), "gatehouse.db"), sqlite.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	e.store = store
	if opts.wrapStore != nil {
		e.store = opts.wrapStore(store)
	}

	srv := gh.NewServer(gh.Config{
		Store:           e.store,
		Verifier:        verifier,
		Logger:          slog.New(slog.NewJSONHandler(e.logs, nil)),
		CORSOrigins:     opts.corsOrigins,
		ShutdownTimeout: opts.shutdown,
		StoreTimeout:    opts.storeTime,
	})
	e.srv = srv
	if !opts.manual {
		e.base = serveInBackground(tb, srv)
	}
	return e
}

// serveInBackground runs srv on a loopback port until the test ends.
func serveInBackground(tb testing.TB, srv *gh.Server) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// serveKey serves a JWKS holding one Ed25519 key, as BetterAuth publishes
// it.
func serveKey(kid string, pub ed25519.PublicKey) http.HandlerFunc {
	body, _ := json.Marshal(map[string]any{"keys": []any{map[string]string{
		"kty": "OKP",
		"crv": "Ed25519",
		"alg": "EdDSA",
		"kid": kid,
		"x":   base64.RawURLEncoding.EncodeToString(pub),
	}}})
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

func waitReady(tb testing.TB, v *betterauth.Verifier) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); !v.Ready(); {
		if time.Now().After(deadline) {
			tb.Fatal("verifier has no keys after 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// claims are the claims of a token; sign fills in the defaults.
type claims map[string]any

// token signs a valid token for sub, as BetterAuth's JWT plugin would.
func (e *env) token(sub string) string {
	return e.sign(claims{"sub": sub})
}

// sign signs the claims with the env's key, adding iss, aud, iat and exp
// unless c sets them; a nil value leaves a claim out.
func (e *env) sign(c claims) string {
	now := time.Now().Unix()
	all := claims{"iss": testIssuer, "aud": testAudience, "iat": now, "exp": now + 900}
	for k, v := range c {
		all[k] = v
	}
	for k, v := range all {
		if v == nil {
			delete(all, k)
		}
	}
	header, _ := json.Marshal(map[string]string{"alg": "EdDSA", "kid": e.kid, "typ": "JWT"})
	payload, _ := json.Marshal(all)
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	return input + "." + enc.EncodeToString(ed25519.Sign(e.key, []byte(input)))
}

// reply is one answer of the server.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// req is a request to send; zero fields are left out.
type req struct {
	method, path, token string
	body                string
	contentType         string // "application/json" when body is set
	header              http.Header
}

// do sends rq and returns the answer.
func (e *env) do(tb testing.TB, rq req) reply {
	tb.Helper()
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r, err := http.NewRequest(rq.method, e.base+rq.path, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range rq.header {
		r.Header[k] = v
	}
	switch {
	case rq.contentType != "":
		r.Header.Set("Content-Type", rq.contentType)
	case rq.body != "":
		r.Header.Set("Content-Type", "application/json")
	}
	if rq.token != "" {
		r.Header.Set("Authorization", "Bearer "+rq.token)
	}
	return e.send(tb, r)
}

func (e *env) send(tb testing.TB, r *http.Request) reply {
	tb.Helper()
	resp, err := e.client.Do(r)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

// problem is a problem+json body.
type problem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail"`
	Code   string                 `json:"code"`
	Errors []gatehouse.FieldError `json:"errors"`
}

// wantProblem checks that r is a problem+json answer with status and code,
// and returns it.
func wantProblem(tb testing.TB, r reply, status int, code string) problem {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		tb.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		tb.Fatalf("problem body %s: %v", r.body, err)
	}
	if p.Code != code || p.Status != status || p.Type != "about:blank" ||
		p.Title != http.StatusText(status) || p.Detail == "" {
		tb.Errorf("problem %+v, want code %q and status %d with type, title "+
			"and detail", p, code, status)
	}
	return p
}

// wantFields checks that a validation problem names exactly the fields.
func wantFields(tb testing.TB, r reply, fields ...string) {
	tb.Helper()
	p := wantProblem(tb, r, http.StatusBadRequest, "validation_failed")
	var got []string
	for _, f := range p.Errors {
		if f.Message == "" {
			tb.Errorf("field %q has no message", f.Field)
		}
		got = append(got, f.Field)
	}
	if strings.Join(got, ",") != strings.Join(fields, ",") {
		tb.Errorf("invalid fields %q, want %q", got, fields)
	}
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

// decode decodes r's JSON body into v, refusing unknown fields.
func decode(tb testing.TB, r reply, v any) {
	tb.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("Content-Type %q, want application/json", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		tb.Fatalf("body %s: %v", r.body, err)
	}
}

// wantTask checks that r is a task with status.
func wantTask(tb testing.TB, r reply, status int) task {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	var t task
	decode(tb, r, &t)
	return t
}

// create creates a task for user and returns it.
func (e *env) create(tb testing.TB, user, title string) task {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"title": title})
	return wantTask(tb, e.do(tb, req{method: "POST", path: tasksPath(user),
		token: e.token(user), body: string(body)}), http.StatusCreated)
}

func tasksPath(user string) string { return "/api/" + user + "/tasks" }

func taskPath(user, id string) string { return tasksPath(user) + "/" + id }

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines returns the JSON log lines written so far.
func (e *env) logLines(tb testing.TB) []map[string]any {
	tb.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			tb.Fatalf("log line %q: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines
}

// faultyStore is a store whose methods can be replaced.
type faultyStore struct {
	gatehouse.TaskStore
	list func(ctx context.Context, userID string, f gatehouse.TaskFilter) (gatehouse.TaskPage, error)
	find func(ctx context.Context, userID, id string) (gatehouse.Task, error)
	ping func(ctx context.Context) error
}

func (s *faultyStore) ListTasks(ctx context.Context, userID string, f gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
	if s.list != nil {
		return s.list(ctx, userID, f)
	}
	return s.TaskStore.ListTasks(ctx, userID, f)
}

func (s *faultyStore) FindTask(ctx context.Context, userID, id string) (gatehouse.Task, error) {
	if s.find != nil {
		return s.find(ctx, userID, id)
	}
	return s.TaskStore.FindTask(ctx, userID, id)
}

func (s *faultyStore) Ping(ctx context.Context) error {
	if s.ping != nil {
		return s.ping(ctx)
	}
	return s.TaskStore.Ping(ctx)
}

var errBroken = errors.New("disk on fire at sector 7")
