package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Defaults for the zero fields of Config.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultReaders     = 4
	DefaultWALLimit    = 8 << 20 // bytes
)

// Config tunes a Store. The zero value is ready to use.
type Config struct {
	// Now tells the time of creations and updates. Nil means time.Now.
	Now func() time.Time

	// BusyTimeout is how long a statement waits for a lock that another
	// process holds on the database before it fails with an error
	// wrapping gatehouse.ErrUnavailable. Zero means DefaultBusyTimeout.
	BusyTimeout time.Duration

	// Readers is the most connections that read at once. Zero means
	// DefaultReaders.
	Readers int

	// WALLimit is the size in bytes past which the write-ahead log is
	// emptied after a write, waiting for the reads under way to finish.
	// Zero means DefaultWALLimit. See the package documentation.
	WALLimit int64
}

// Store is a gatehouse.TaskStore kept in a SQLite database file. It is
// safe for concurrent use.
type Store struct {
	w   *sql.DB // the one connection that writes
	r   *sql.DB // connections that only read
	now func() time.Time
	wal walTrimmer
}

// Open opens the database file at path, creating it if needed, and applies
// the migrations it lacks. The file must be on a local disk: WAL mode
// shares memory between connections. The context bounds only the work
// done in Open.
func Open(ctx context.Context, path string, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &Store{now: cfg.Now}
	s.wal.init(abs+"-wal", cfg.WALLimit, cfg.BusyTimeout)

	// The writer comes first: it turns WAL mode on and migrates.
	if s.w, err = openDB(abs, cfg, false); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, s.w); err != nil {
		s.w.Close()
		return nil, wrap("migrate "+path, err)
	}
	if s.r, err = openDB(abs, cfg, true); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = DefaultBusyTimeout
	}
	if c.Readers == 0 {
		c.Readers = DefaultReaders
	}
	if c.WALLimit == 0 {
		c.WALLimit = DefaultWALLimit
	}
	return c
}

// openDB opens the pool of readers, or the single writer, which keeps its
// connection open for the life of the store.
func openDB(abs string, cfg Config, readOnly bool) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(abs, cfg, readOnly))
	if err != nil {
		return nil, err
	}
	n := 1
	if readOnly {
		n = cfg.Readers
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return db, nil
}

// dsn names the database file as a SQLite URI with the pragmas that every
// connection runs as it opens. The writer's transactions begin IMMEDIATE,
// taking the write lock up front rather than failing to upgrade to it.
func dsn(abs string, cfg Config, readOnly bool) string {
	q := url.Values{}
	ms := cfg.BusyTimeout.Milliseconds()
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(ms, 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}
	return u.String()
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	// The provider's Close would close db: it is not called.
	_, err = p.Up(ctx)
	return err
}

// Ping reports whether both the writing and the reading connections
// answer. It is safe for concurrent use.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close closes every connection. Closing the last one checkpoints the
// write-ahead log into the database file and removes it.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// wrap adds context to a driver error. A database that stays locked by
// another process past the busy timeout wraps gatehouse.ErrUnavailable.
func wrap(op string, err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("sqlite: %s: %w: %w",
				op, gatehouse.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
