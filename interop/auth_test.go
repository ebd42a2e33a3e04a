package interop

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sharedSecret is BETTER_AUTH_SECRET for every BetterAuth the tests run.
const sharedSecret = "interop-shared-secret-0123456789abcdef"

// authConfig is server.mjs's configuration; see the top of that file.
type authConfig struct {
	Version     string       `json:"version"`
	Port        int          `json:"port,omitempty"`
	Secret      string       `json:"secret,omitempty"`
	BaseURL     string       `json:"baseURL,omitempty"`
	JWT         *jwtPlugin   `json:"jwt,omitempty"`
	CookieCache *cookieCache `json:"cookieCache,omitempty"`
}

// jwtPlugin holds the options of BetterAuth's jwt plugin.
type jwtPlugin struct {
	JWKS               *jwksOptions  `json:"jwks,omitempty"`
	JWT                *claimOptions `json:"jwt,omitempty"`
	SessionCookieCache bool          `json:"sessionCookieCache,omitempty"`
}

type jwksOptions struct {
	KeyPairConfig    *keyPairConfig `json:"keyPairConfig,omitempty"`
	RotationInterval int            `json:"rotationInterval,omitempty"`
	JWKSPath         string         `json:"jwksPath,omitempty"`
}

type keyPairConfig struct {
	Alg string `json:"alg"`
}

type claimOptions struct {
	Issuer         string `json:"issuer,omitempty"`
	Audience       any    `json:"audience,omitempty"` // string or []string
	ExpirationTime string `json:"expirationTime,omitempty"`
}

type cookieCache struct {
	Enabled  bool   `json:"enabled"`
	Strategy string `json:"strategy,omitempty"`
	MaxAge   int    `json:"maxAge,omitempty"`
}

// authServer is a running server.mjs. Its methods fail the calling test on
// any unexpected answer. It is not safe for concurrent use.
type authServer struct {
	rel     release
	version string // exact version, such as "1.7.25"
	base    string // origin, such as "http://127.0.0.1:41234"
	port    int
	config  authConfig // the configuration in force

	cmd    *exec.Cmd
	stdin  io.Closer
	output *syncBuffer
	client *http.Client
}

// startAuthServer starts server.mjs and waits for its ready line.
func startAuthServer(rel release, cfg authConfig) (*authServer, error) {
	cfg.Version = rel.name
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	a := &authServer{
		rel:    rel,
		config: cfg,
		output: &syncBuffer{},
		client: &http.Client{Timeout: 30 * time.Second},
	}
	a.cmd = exec.Command("node", "server.mjs", string(raw))
	a.cmd.Stderr = a.output
	stdin, err := a.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := a.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := a.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	a.stdin = stdin

	if err := a.awaitReady(stdout); err != nil {
		a.stop()
		return nil, fmt.Errorf("%w\n%s", err, a.output.String())
	}
	return a, nil
}

// awaitReady reads the ready line, then keeps copying stdout to the log.
func (a *authServer) awaitReady(stdout io.Reader) error {
	lines := make(chan string, 1)
	r := bufio.NewReader(stdout)
	go func() {
		line, _ := r.ReadString('\n')
		lines <- line
		io.Copy(a.output, r)
	}()

	var line string
	select {
	case line = <-lines:
	case <-time.After(30 * time.Second):
		return errors.New("server.mjs was not ready within 30s")
	}
	var ready struct {
		Ready   bool   `json:"ready"`
		Port    int    `json:"port"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal([]byte(line), &ready); err != nil || !ready.Ready {
		return fmt.Errorf("server.mjs printed %q, not its ready line", line)
	}
	a.port = ready.Port
	a.version = ready.Version
	a.base = fmt.Sprintf("http://127.0.0.1:%d", ready.Port)
	return nil
}

// stop ends the server: closing stdin asks it to exit, SIGTERM insists.
func (a *authServer) stop() {
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	a.stdin.Close()
	a.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		a.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		a.cmd.Process.Kill()
		<-done
	}
}

// restart stops the server and starts it again on the same port with the
// configuration in force: same settings, fresh in-memory users and keys.
func (a *authServer) restart(t testing.TB) {
	t.Helper()
	a.stop()
	cfg := a.config
	cfg.Port = a.port
	next, err := startAuthServer(a.rel, cfg)
	if err != nil {
		t.Fatalf("restart BetterAuth %s: %v", a.rel.name, err)
	}
	next.config.Port = 0
	*a = *next
}

// configure rebuilds BetterAuth in place with cfg, on the same port. The
// secret defaults to sharedSecret. Users, sessions, keys and request counts
// start from nothing.
func (a *authServer) configure(t testing.TB, cfg authConfig) {
	t.Helper()
	cfg.Version = a.rel.name
	if cfg.Secret == "" {
		cfg.Secret = sharedSecret
	}
	var got struct {
		Version string `json:"version"`
	}
	a.postJSON(t, "/__test/config", cfg, &got)
	if got.Version != a.version {
		t.Fatalf("configure: BetterAuth is %q, want %q", got.Version, a.version)
	}
	a.config = cfg
}

// route returns the path of a BetterAuth endpoint: /api/auth+endpoint, or
// below the base URL's path when the configuration gives one, as
// BetterAuth itself does.
func (a *authServer) route(endpoint string) string {
	base := "/api/auth"
	if u, err := url.Parse(a.config.BaseURL); err == nil &&
		strings.TrimRight(u.Path, "/") != "" {
		base = strings.TrimRight(u.Path, "/")
	}
	return base + endpoint
}

// authStats are server.mjs's request counts since the last configure or
// restart.
type authStats struct {
	JWKS     int `json:"jwks"`
	Token    int `json:"token"`
	Requests int `json:"requests"`
}

func (a *authServer) stats(t testing.TB) authStats {
	t.Helper()
	var s authStats
	a.getJSON(t, "/__test/stats", &s)
	return s
}

// mintHS256 signs claims with secret through jose, as an application that
// shares BETTER_AUTH_SECRET with BetterAuth would.
func (a *authServer) mintHS256(t testing.TB, secret string, claims map[string]any) string {
	t.Helper()
	var got struct {
		Token string `json:"token"`
	}
	body := map[string]any{"secret": secret, "claims": claims}
	a.postJSON(t, "/__test/mint-hs256", body, &got)
	return got.Token
}

// verificationToken returns the e-mail verification token BetterAuth last
// sent to email.
func (a *authServer) verificationToken(t testing.TB, email string) string {
	t.Helper()
	var got struct {
		Token string `json:"token"`
	}
	a.getJSON(t, "/__test/verification-token?email="+email, &got)
	return got.Token
}

func (a *authServer) postJSON(t testing.TB, path string, in, out any) {
	t.Helper()
	body, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.client.Post(a.base+path, "application/json",
		bytes.NewReader(body))
	a.decode(t, "POST "+path, resp, err, out)
}

func (a *authServer) getJSON(t testing.TB, path string, out any) {
	t.Helper()
	resp, err := a.client.Get(a.base + path)
	a.decode(t, "GET "+path, resp, err, out)
}

func (a *authServer) decode(t testing.TB, what string, resp *http.Response, err error, out any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, a.output.String())
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d, want 200: %s", what, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: %v: %s", what, err, data)
	}
}

// syncBuffer collects a process's output for failure messages.
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
	return strings.TrimSpace(b.buf.String())
}
