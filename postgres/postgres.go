package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultConnectTimeout bounds each attempt to connect when the URL sets
// no connect_timeout, so that an unreachable server fails a call instead
// of holding it until the caller's deadline.
const DefaultConnectTimeout = 5 * time.Second

// Config tunes a Store; the connection URL carries everything else. The
// zero value is ready to use.
type Config struct {
	// Now tells the time of creations and updates. Nil means time.Now.
	Now func() time.Time
}

// Store is a gatehouse.TaskStore kept in PostgreSQL. It is safe for
// concurrent use.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// Open connects to the database at url, a postgres:// URL or a libpq
// key=value string, and applies the migrations it lacks, in the first
// schema of the search path. It fails, wrapping gatehouse.ErrUnavailable,
// when the server cannot be reached. The context bounds only the work done
// in Open.
func Open(ctx context.Context, url string, cfg Config) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pc, err := poolConfig(url)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, pc.ConnConfig); err != nil {
		return nil, wrap("migrate", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, wrap("open pool", err)
	}
	return &Store{pool: pool, now: cfg.Now}, nil
}

// poolConfig reads the connection and pool settings from url and fills in
// the defaults that differ from pgx's.
func poolConfig(url string) (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	return pc, nil
}

// Ping reports whether the server answers. Any failure but a canceled
// context wraps gatehouse.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	err := s.pool.Ping(ctx)
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return fmt.Errorf("postgres: ping: %w: %w", gatehouse.ErrUnavailable, err)
}

// Close closes every connection of the pool, waiting for those in use to
// come back. It always returns nil.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// wrap adds context to an error. One that tells the server cannot be
// reached for now wraps gatehouse.ErrUnavailable as well.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, gatehouse.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unavailable reports whether err tells that the server could not be
// reached or went away, judging by error types and SQLSTATE codes.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; the server may be fine
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return unavailableCode(pgErr.Code)
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) ||
		errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err) ||
		pgconn.SafeToRetry(err)
}

// unavailableCode reports whether a SQLSTATE tells that the server cannot
// serve for now: a connection exception (class 08), a shutdown or a
// server still starting (57P01 to 57P03), or no connection slot left
// (53300).
func unavailableCode(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300":
		return true
	}
	return strings.HasPrefix(code, "08")
}
