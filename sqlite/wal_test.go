package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/sqlite"
	_ "modernc.org/sqlite"
)

// SQLite checkpoints the write-ahead log once it holds walAutocheckpoint
// pages of pageSize bytes: about 4 MiB. With readers that never leave it
// free, those checkpoints cannot start the log over, and the store's own
// checkpoint empties it past sqlite.DefaultWALLimit.
const (
	walAutocheckpoint = 1000
	pageSize          = 4096
)

// walBound is the most the log may grow to: the store's limit plus 1 MiB
// for the few commits already queued at the writer when the log crosses
// it, each of which adds a handful of pages. A reader held open for good,
// or a statement never closed, lets the log grow past it with every write.
const walBound = sqlite.DefaultWALLimit + 1<<20

// TestStore_WALStaysBounded writes thousands of tasks from several
// goroutines while others read, and checks the log never outgrows
// walBound.
func TestStore_WALStaysBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tasks.db")
	s := mustOpen(t, path, sqlite.Config{})
	checkPageSize(t, path)

	peak := load(t, s, path, 500)
	t.Logf("log peaked at %d bytes, bound %d", peak, walBound)
	if peak > walBound {
		t.Errorf("log grew to %d bytes, more than %d", peak, walBound)
	}
}

// TestStore_WALGrowsWhenPinned holds a read transaction open in another
// connection during the same load, which must make the log outgrow
// walBound: it shows that the bound above means something.
func TestStore_WALGrowsWhenPinned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tasks.db")
	s := mustOpen(t, path, sqlite.Config{})
	in := gatehouse.TaskInput{Title: "first"}
	if _, err := s.CreateTask(t.Context(), "user 0", in); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM tasks`).Scan(&n); err != nil {
		t.Fatal(err)
	}

	peak := load(t, s, path, 200)
	t.Logf("log peaked at %d bytes, bound %d", peak, walBound)
	if peak <= walBound {
		t.Errorf("with a reader pinned, the log peaked at %d bytes, "+
			"within %d", peak, walBound)
	}
}

// load has four goroutines create perWriter tasks each, toggling every
// fourth, while four others list and find tasks. It returns the largest
// size the log reached.
func load(t *testing.T, s *sqlite.Store, path string, perWriter int) (peak int64) {
	const writers = 4
	ctx := t.Context()
	var done atomic.Bool
	var wg, rg sync.WaitGroup

	rg.Go(func() {
		for !done.Load() {
			peak = max(peak, walSize(t, path))
			time.Sleep(2 * time.Millisecond)
		}
		peak = max(peak, walSize(t, path))
	})
	for r := range 4 {
		rg.Go(func() {
			user := fmt.Sprint("user ", r%writers)
			for !done.Load() {
				f := gatehouse.TaskFilter{Sort: gatehouse.SortTitle, Limit: 20}
				page, err := s.ListTasks(ctx, user, f)
				if err != nil {
					t.Errorf("ListTasks: %v", err)
					return
				}
				for _, task := range page.Tasks {
					if _, err := s.FindTask(ctx, user, task.ID); err != nil {
						t.Errorf("FindTask: %v", err)
						return
					}
				}
			}
		})
	}

	for w := range writers {
		wg.Go(func() {
			user := fmt.Sprint("user ", w)
			for i := range perWriter {
				in := gatehouse.TaskInput{
					Title:       fmt.Sprint("task ", i),
					Description: "a few words, as most tasks have",
				}
				task, err := s.CreateTask(ctx, user, in)
				if err != nil {
					t.Errorf("CreateTask: %v", err)
					return
				}
				if i%4 == 0 {
					if _, err := s.ToggleTask(ctx, user, task.ID); err != nil {
						t.Errorf("ToggleTask: %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	return peak
}

func walSize(t testing.TB, path string) int64 {
	fi, err := os.Stat(path + "-wal")
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Error(err)
		return 0
	}
	return fi.Size()
}

// checkPageSize checks the assumptions behind walBound.
func checkPageSize(t testing.TB, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size, pages int
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if size != pageSize || pages != walAutocheckpoint {
		t.Fatalf("page size %d, checkpoint at %d pages; walBound assumes "+
			"%d and %d", size, pages, pageSize, walAutocheckpoint)
	}
}
