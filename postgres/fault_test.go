package postgres_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/postgres"
)

// proxy forwards TCP connections to a server. It plays a database that
// goes away and comes back: it can refuse connections, or accept them and
// never answer, and then forward again, on the same address.
type proxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener // nil while refusing
	stall bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(func() {
		p.refuse()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.handle(c) })
		}
	})
}

// refuse closes every connection and stops listening.
func (p *proxy) refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	p.dropAll()
}

// silence closes every connection and holds new ones without a word.
func (p *proxy) silence(t testing.TB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stall = true
	p.dropAll()
	p.listen(t)
}

// forward forwards new connections to the server again.
func (p *proxy) forward(t testing.TB) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stall = false
	p.listen(t)
}

func (p *proxy) listen(t testing.TB) {
	if p.ln != nil {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

func (p *proxy) dropAll() {
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// track records c so that dropAll closes it; it reports false, having
// closed c, when the proxy no longer listens.
func (p *proxy) track(c net.Conn) (stall, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false, false
	}
	p.conns[c] = true
	return p.stall, true
}

func (p *proxy) handle(client net.Conn) {
	stall, ok := p.track(client)
	if !ok {
		return
	}
	defer client.Close()
	if stall {
		io.Copy(io.Discard, client) // until the client or dropAll closes
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return
	}
	if _, ok := p.track(server); !ok {
		return
	}
	defer server.Close()

	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
	<-done // then the deferred closes end the other copy
}

// viaProxy returns a proxy to the server of u and u rewritten to go
// through it, with a one-second connect timeout.
func viaProxy(t testing.TB, u string) (*proxy, string) {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	target := parsed.Host
	if parsed.Port() == "" {
		target = net.JoinHostPort(parsed.Hostname(), "5432")
	}
	p := startProxy(t, target)
	parsed.Host = p.addr
	q := parsed.Query()
	q.Set("connect_timeout", "1")
	parsed.RawQuery = q.Encode()
	return p, parsed.String()
}

// TestStore_Unavailable cuts the store off from its server and checks
// that every method reports gatehouse.ErrUnavailable, then restores the
// server and checks the same store works again.
func TestStore_Unavailable(t *testing.T) {
	p, u := viaProxy(t, newSchema(t))
	s := mustOpen(t, u, postgres.Config{})
	task, err := s.CreateTask(t.Context(), "u", gatehouse.TaskInput{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("refused", func(t *testing.T) {
		p.refuse()
		for name, err := range callAll(t, s, task.ID) {
			if !errors.Is(err, gatehouse.ErrUnavailable) {
				t.Errorf("%s: got %v, want ErrUnavailable", name, err)
			}
		}
	})

	t.Run("silent", func(t *testing.T) {
		p.silence(t)
		start := time.Now()
		for name, err := range callAll(t, s, task.ID) {
			if !errors.Is(err, gatehouse.ErrUnavailable) {
				t.Errorf("%s: got %v, want ErrUnavailable", name, err)
			}
		}
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("calls took %v; the connect timeout is 1s", d)
		}

		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Ping(ctx)
		if !errors.Is(err, context.Canceled) ||
			errors.Is(err, gatehouse.ErrUnavailable) {
			t.Errorf("Ping with a canceled context: got %v, want only "+
				"context.Canceled", err)
		}
	})

	t.Run("recovered", func(t *testing.T) {
		p.forward(t)
		waitPing(t, s)
		for name, err := range callAll(t, s, task.ID) {
			if err != nil {
				t.Errorf("%s after recovery: %v", name, err)
			}
		}
		if _, err := s.FindTask(t.Context(), "u", task.ID); err != nil {
			t.Errorf("FindTask after recovery: %v", err)
		}
	})
}

// TestOpen_Unavailable checks that Open reports a server it cannot reach
// as unavailable.
func TestOpen_Unavailable(t *testing.T) {
	p, u := viaProxy(t, newSchema(t))
	p.refuse()
	s, err := postgres.Open(t.Context(), u, postgres.Config{})
	if err == nil {
		s.Close()
	}
	if !errors.Is(err, gatehouse.ErrUnavailable) {
		t.Errorf("Open: got %v, want ErrUnavailable", err)
	}
}

// TestStore_Terminated has the server end the store's only connection, as
// a restart or an administrator would. The next call fails as unavailable,
// unless the pool, pinging a connection idle for over a second, found out
// first; the call after it must succeed on a new connection.
func TestStore_Terminated(t *testing.T) {
	u, err := url.Parse(newSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	app := "gatehouse_" + u.Query().Get("search_path")
	q := u.Query()
	q.Set("application_name", app)
	q.Set("pool_max_conns", "1")
	u.RawQuery = q.Encode()
	s := mustOpen(t, u.String(), postgres.Config{})
	task, err := s.CreateTask(t.Context(), "u", gatehouse.TaskInput{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}

	err = exec(serverURL(t), `SELECT pg_terminate_backend(pid, 5000)
		FROM pg_stat_activity WHERE application_name = $1`, app)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.FindTask(t.Context(), "u", task.ID)
	if err != nil && !errors.Is(err, gatehouse.ErrUnavailable) {
		t.Errorf("FindTask on a terminated connection: got %v, want "+
			"ErrUnavailable", err)
	}
	if _, err := s.FindTask(t.Context(), "u", task.ID); err != nil {
		t.Errorf("FindTask on a new connection: %v", err)
	}
}

// callAll calls every method of s at once, each with a deadline well past
// the connect timeout, and returns their errors by name.
func callAll(t testing.TB, s *postgres.Store, id string) map[string]error {
	t.Helper()
	in := gatehouse.TaskInput{Title: "new"}
	calls := map[string]func(ctx context.Context) error{
		"Ping": s.Ping,
		"CreateTask": func(ctx context.Context) error {
			_, err := s.CreateTask(ctx, "u", in)
			return err
		},
		"FindTask": func(ctx context.Context) error {
			_, err := s.FindTask(ctx, "u", id)
			return err
		},
		"ListTasks": func(ctx context.Context) error {
			_, err := s.ListTasks(ctx, "u", gatehouse.TaskFilter{})
			return err
		},
		"UpdateTask": func(ctx context.Context) error {
			upd := gatehouse.TaskUpdate{Title: &in.Title}
			_, err := s.UpdateTask(ctx, "u", id, upd)
			return err
		},
		"ToggleTask": func(ctx context.Context) error {
			_, err := s.ToggleTask(ctx, "u", id)
			return err
		},
		"DeleteTask": func(ctx context.Context) error {
			err := s.DeleteTask(ctx, "u", gatehouse.NewTaskID())
			if errors.Is(err, gatehouse.ErrNotFound) {
				return nil // it reached the server
			}
			return err
		},
	}

	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := map[string]error{}
	for name, f := range calls {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			err := f(ctx)
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return errs
}

// waitPing waits up to ten seconds for s to answer.
func waitPing(t testing.TB, s *postgres.Store) {
	t.Helper()
	var err error
	for range 100 {
		if err = s.Ping(t.Context()); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the store did not recover: %v", err)
}
