package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
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

// runMainVar makes the test binary run main instead of the tests, so that
// the tests can run the real command as a process.
const runMainVar = "GATEHOUSE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainVar) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// command returns the real command, run by the test binary, with args and
// only the variables of env. The process is killed after 20 seconds, or
// when the test ends.
func command(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{runMainVar + "=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

func TestMain_RefusesBadSettings(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no key source", map[string]string{}, nil, "no key source"},
		{"short secret", map[string]string{envSecret: "a-secret-of-only-31-bytes-long!",
			envIssuer: "i", envAudience: "a"}, nil, envSecret + ": secret is shorter than 32 bytes"},
		{"leeway", map[string]string{envBaseURL: "https://a.example", envLeeway: "lots"},
			nil, envLeeway + ": must be a duration"},
		{"database", map[string]string{envBaseURL: "https://a.example", envDatabaseURL: "mysql://u:hunter2@db/x"},
			nil, envDatabaseURL + ": must be sqlite:PATH"},
		{"unknown flag", map[string]string{envBaseURL: "https://a.example"},
			[]string{"--nope"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Should the command start after all, it must not take a
			// port that matters, and it stops when the test ends.
			c.env[envAddr] = "127.0.0.1:0"
			cmd := command(t, c.env, append([]string{"serve"}, c.args...)...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
				t.Fatalf("exit: %v, want code %d; stderr %q", err, exitUsage, stderr.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") ||
				!strings.HasPrefix(msg, "gatehouse: ") || !strings.Contains(msg, c.want) {
				t.Errorf("stderr %q, want one line starting gatehouse: holding %q", msg, c.want)
			}
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, "a-secret-of-only") {
				t.Errorf("stderr %q shows a secret", msg)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestMain_Help(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"serve", "--help"}, {"serve", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			out, err := command(t, nil, args...).Output()
			if err != nil {
				t.Fatalf("%v", err)
			}
			for _, s := range settings() {
				if !strings.Contains(string(out), s.env) || !strings.Contains(string(out), "--"+s.flag) {
					t.Errorf("help lacks %s / --%s", s.env, s.flag)
				}
			}
			if !strings.Contains(string(out), envPort) {
				t.Error("help lacks PORT")
			}
		})
	}
	for _, args := range [][]string{nil, {"serv"}} {
		err := command(t, nil, args...).Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitUsage {
			t.Errorf("%q: %v, want exit code %d", args, err, exitUsage)
		}
	}
}

// testSecret is the BETTER_AUTH_SECRET the running command is given.
const testSecret = "a-test-secret-that-is-long-enough-0123456789"

// serveEnv is a configuration of a command that serves on a free port.
func serveEnv(t *testing.T) map[string]string {
	return map[string]string{
		envSecret:      testSecret,
		envIssuer:      "https://app.example.com",
		envAudience:    "https://app.example.com",
		envAddr:        "127.0.0.1:0",
		envDatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "tasks.db"),
		envLogFormat:   "json",
	}
}

// hs256 signs a token for sub with testSecret, as an application that shares
// BETTER_AUTH_SECRET with its backend would.
func hs256(sub string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"sub": sub, "iss": "https://app.example.com", "aud": "https://app.example.com",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	})
	input := header + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil))
}

// listenAddr waits for the startup line in the JSON log and returns the
// address it names.
func listenAddr(t *testing.T, log *syncBuffer, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, line := range strings.Split(log.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "gatehouse listening" {
				return l.Addr
			}
		}
		select {
		case <-exited:
			t.Fatalf("the command exited before listening:\n%s", log.String())
		case <-deadline:
			t.Fatalf("no startup line within 10s:\n%s", log.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// startRun runs the command in this process with env until the returned
// stop is called, which returns run's exit code and its log.
func startRun(t *testing.T, env map[string]string) (base string, stop func() (int, string)) {
	t.Helper()
	log := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	exited := make(chan struct{})
	go func() {
		code <- run(ctx, []string{"serve"}, lookup(env), io.Discard, log)
		close(exited)
	}()
	t.Cleanup(func() { cancel(); <-exited })
	base = "http://" + listenAddr(t, log, exited)
	return base, func() (int, string) {
		cancel()
		select {
		case c := <-code:
			return c, log.String()
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return after its context ended")
			return 0, ""
		}
	}
}

// call sends a request as alice and returns the status.
func call(t *testing.T, method, url, body string) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, _ := http.NewRequest(method, url, rd)
	r.Header.Set("Authorization", "Bearer "+hs256("alice"))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRun_ServesTheAPI(t *testing.T) {
	env := serveEnv(t)
	env[envCORSOrigins] = "https://app.example.com"
	base, stop := startRun(t, env)

	if got := call(t, "POST", base+"/api/alice/tasks", `{"title": "from the command"}`); got != 201 {
		t.Errorf("POST = %d, want 201", got)
	}
	if got := call(t, "GET", base+"/readyz", ""); got != 200 {
		t.Errorf("readyz = %d, want 200", got)
	}

	code, logs := stop()
	if code != 0 {
		t.Errorf("exit code %d, want 0:\n%s", code, logs)
	}
	if strings.Contains(logs, testSecret) || strings.Contains(logs, strings.Split(hs256("alice"), ".")[2]) {
		t.Errorf("the log shows a secret or token:\n%s", logs)
	}
	for _, want := range []string{`"secrets":1`, `"issuer":"https://app.example.com"`,
		`"cors_origins":"https://app.example.com"`, `"route":"POST /api/{user_id}/tasks"`,
		`"subject":"alice"`, `"msg":"gatehouse stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

func TestMain_StopsOnSIGTERM(t *testing.T) {
	cmd := command(t, serveEnv(t), "serve")
	log := &syncBuffer{}
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	base := "http://" + listenAddr(t, log, exited)
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", waitErr, log.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}
	if !strings.Contains(log.String(), "gatehouse stopped") {
		t.Errorf("no shutdown line:\n%s", log.String())
	}
}

func TestMain_ReportsUnusableDatabase(t *testing.T) {
	env := serveEnv(t)
	// A directory cannot be opened as a database file.
	env[envDatabaseURL] = "sqlite:" + t.TempDir()
	var stderr bytes.Buffer
	cmd := command(t, env, "serve")
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitFailure {
		t.Fatalf("exit: %v, want code %d; stderr %q", err, exitFailure, stderr.String())
	}
	if msg := stderr.String(); !strings.HasPrefix(msg, "gatehouse: "+envDatabaseURL) ||
		strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr %q, want one line naming %s", msg, envDatabaseURL)
	}
}

func TestMain_ReportsUnreachablePostgres(t *testing.T) {
	for _, url := range []string{
		"postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse?connect_timeout=5",
		"postgres://gatehouse@127.0.0.1:1/gatehouse?connect_timeout=5&password=hunter2",
	} {
		t.Run(url, func(t *testing.T) { reportsUnreachablePostgres(t, url) })
	}
}

func reportsUnreachablePostgres(t *testing.T, url string) {
	env := serveEnv(t)
	env[envDatabaseURL] = url
	var stderr bytes.Buffer
	cmd := command(t, env, "serve")
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitFailure {
		t.Fatalf("exit: %v, want code %d; stderr %q", err, exitFailure, stderr.String())
	}
	msg := stderr.String()
	if !strings.HasPrefix(msg, "gatehouse: "+envDatabaseURL) || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr %q, want one line naming %s", msg, envDatabaseURL)
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("stderr %q shows the password", msg)
	}
}

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
