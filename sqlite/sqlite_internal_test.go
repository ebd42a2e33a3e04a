package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

func TestOpen_Pragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tasks.db")
	s, err := Open(t.Context(), path, Config{BusyTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	tests := []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w, "journal_mode", "wal"},
		{s.w, "synchronous", "1"}, // NORMAL
		{s.w, "foreign_keys", "1"},
		{s.w, "busy_timeout", "1500"},
		{s.w, "query_only", "0"},
		{s.r, "journal_mode", "wal"},
		{s.r, "foreign_keys", "1"},
		{s.r, "busy_timeout", "1500"},
		{s.r, "query_only", "1"},
	}
	for _, tt := range tests {
		var got string
		err := tt.db.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got)
		if err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			role := "writer"
			if tt.db == s.r {
				role = "reader"
			}
			t.Errorf("%s: PRAGMA %s = %s, want %s", role, tt.pragma, got, tt.want)
		}
	}
	if n := s.w.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer allows %d connections, want 1", n)
	}
	if n := s.r.Stats().MaxOpenConnections; n != DefaultReaders {
		t.Errorf("reader allows %d connections, want %d", n, DefaultReaders)
	}
}
