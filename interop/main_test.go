package interop

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// release is one BetterAuth release pinned in package.json.
type release struct {
	name string // "1.7", as server.mjs's config names it
	pkg  string // npm alias under node_modules

	// sessionCookieCache reports whether the jwt plugin has the
	// sessionCookieCache option (JWKS-signed session_data cookies).
	sessionCookieCache bool
}

var releases = []release{
	{name: "1.7", pkg: "better-auth-17", sessionCookieCache: true},
	{name: "1.4", pkg: "better-auth-14"},
}

// forEachRelease runs f as a subtest per pinned release, one after another.
func forEachRelease(t *testing.T, f func(t *testing.T, a *authServer)) {
	t.Helper()
	requireNode(t)
	for _, rel := range releases {
		t.Run(rel.name, func(t *testing.T) {
			f(t, sharedAuth(t, rel))
		})
	}
}

// requireNode skips the test when node or the npm packages are missing, or
// fails it under CI, where they must be installed.
func requireNode(t testing.TB) {
	t.Helper()
	var missing string
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH"
	}
	for _, pkg := range []string{"better-auth-17", "better-auth-14", "jose"} {
		_, err := os.Stat(filepath.Join("node_modules", pkg, "package.json"))
		if missing == "" && err != nil {
			missing = "interop/node_modules/" + pkg + " is missing"
		}
	}
	if missing == "" {
		return
	}
	msg := missing + ": install Node 20+ and run `npm ci` in interop/"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI must do this before go test)")
	}
	t.Skip(msg)
}

// fixtures holds what the tests share: the gatehouse binary, built once, and
// one BetterAuth server per release, started on first use and stopped by
// TestMain.
var fixtures struct {
	mu       sync.Mutex
	dir      string
	binary   string
	built    bool
	buildErr error
	auth     map[string]*authServer
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	fixtures.dir = dir
	fixtures.auth = map[string]*authServer{}

	code := m.Run()

	for _, a := range fixtures.auth {
		a.stop()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// gatehouseBinary builds cmd/gatehouse once and returns its path.
func gatehouseBinary(t testing.TB) string {
	t.Helper()
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	if !fixtures.built {
		fixtures.built = true
		fixtures.binary = filepath.Join(fixtures.dir, "gatehouse")
		cmd := exec.Command("go", "build", "-o", fixtures.binary,
			"./cmd/gatehouse")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			fixtures.buildErr = fmt.Errorf("go build ./cmd/gatehouse: %w\n%s",
				err, out)
		}
	}
	if fixtures.buildErr != nil {
		t.Fatal(fixtures.buildErr)
	}
	return fixtures.binary
}

// sharedAuth returns the BetterAuth server of rel, starting it on first use.
func sharedAuth(t testing.TB, rel release) *authServer {
	t.Helper()
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	if a := fixtures.auth[rel.name]; a != nil {
		return a
	}
	a, err := startAuthServer(rel, authConfig{Secret: sharedSecret})
	if err != nil {
		t.Fatalf("start BetterAuth %s: %v", rel.name, err)
	}
	fixtures.auth[rel.name] = a
	return a
}
