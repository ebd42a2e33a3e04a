package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestUnavailable(t *testing.T) {
	pgErr := func(code string) error { return &pgconn.PgError{Code: code} }
	netErr := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	tests := []struct {
		err  error
		want bool
	}{
		{pgErr("08006"), true}, // connection failure
		{pgErr("08001"), true}, // unable to connect
		{pgErr("57P01"), true}, // admin shutdown
		{pgErr("57P03"), true}, // cannot connect now
		{pgErr("53300"), true}, // too many connections
		{pgErr("23505"), false},
		{pgErr("42P01"), false},
		{pgErr("28P01"), false}, // wrong password: a fault, not an outage
		{pgErr("3D000"), false}, // no such database
		{netErr, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{io.EOF, true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{fmt.Errorf("query: %w", context.Canceled), false},
		{errors.New("closed pool"), false},
	}
	for _, tt := range tests {
		if got := unavailable(tt.err); got != tt.want {
			t.Errorf("unavailable(%#v) = %t, want %t", tt.err, got, tt.want)
		}
	}
}

// TestPoolConfig checks that pool settings come from the URL and that the
// connect timeout has a default.
func TestPoolConfig(t *testing.T) {
	const base = "postgres://app@db.example:5432/tasks?sslmode=disable"
	for _, tt := range []struct {
		params  string
		conns   int32
		idle    time.Duration
		connect time.Duration
		path    string
	}{
		{"", max(4, int32(runtime.NumCPU())), 30 * time.Minute,
			DefaultConnectTimeout, ""},
		{"&pool_max_conns=3&pool_max_conn_idle_time=1m&connect_timeout=2" +
			"&search_path=tenant_a",
			3, time.Minute, 2 * time.Second, "tenant_a"},
	} {
		c, err := poolConfig(base + tt.params)
		if err != nil {
			t.Fatalf("poolConfig(%q): %v", tt.params, err)
		}
		if c.MaxConns != tt.conns {
			t.Errorf("%q: max conns %d, want %d", tt.params, c.MaxConns, tt.conns)
		}
		if c.MaxConnIdleTime != tt.idle {
			t.Errorf("%q: idle time %v, want %v",
				tt.params, c.MaxConnIdleTime, tt.idle)
		}
		if c.ConnConfig.ConnectTimeout != tt.connect {
			t.Errorf("%q: connect timeout %v, want %v",
				tt.params, c.ConnConfig.ConnectTimeout, tt.connect)
		}
		if got := c.ConnConfig.RuntimeParams["search_path"]; got != tt.path {
			t.Errorf("%q: search_path %q, want %q", tt.params, got, tt.path)
		}
	}

	_, err := poolConfig(base + "&pool_max_conns=many")
	if err == nil {
		t.Error("poolConfig accepted pool_max_conns=many")
	}
}
