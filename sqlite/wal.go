package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// checkpointWait is the longest a checkpoint that empties the log waits
// for the reads under way to finish. Every read of a Store takes a few
// milliseconds at most; one that outlasts this is stuck or not ours.
const checkpointWait = time.Second

// walTrimmer keeps the write-ahead log near its limit when readers follow
// each other so closely that SQLite's own checkpoints never find the log
// free: each of those copies only the pages that the oldest reader has
// seen, and the log starts over only once no reader is in it.
//
// After a write that left the log past its limit, the writer connection
// runs a TRUNCATE checkpoint. It holds the write lock, so the log stops
// growing; it copies every page once the reads under way finish, while
// new reads go to the database file; and it cuts the log to nothing.
// The write that triggered it waits, which slows writers down rather than
// letting the log grow. Should a stuck reader make the checkpoint give up,
// the next try waits for the log to double, so such a reader costs a
// wait of checkpointWait now and then, not on every write.
type walTrimmer struct {
	path  string // the log file
	limit int64
	busy  time.Duration // the writer's busy timeout, put back after

	next    atomic.Int64 // the size that calls for the next checkpoint
	running atomic.Bool
}

func (t *walTrimmer) init(path string, limit int64, busy time.Duration) {
	t.path, t.limit, t.busy = path, limit, busy
	t.next.Store(limit)
}

// trim checkpoints the log through db, the writer, if the log has grown
// past the size that calls for it and no other call is doing so.
func (t *walTrimmer) trim(ctx context.Context, db *sql.DB) {
	fi, err := os.Stat(t.path)
	if err != nil || fi.Size() <= t.next.Load() {
		return
	}
	if !t.running.CompareAndSwap(false, true) {
		return
	}
	defer t.running.Store(false)

	if err := t.checkpoint(ctx, db); err != nil {
		t.next.Store(2 * fi.Size())
		return
	}
	t.next.Store(t.limit)
}

func (t *walTrimmer) checkpoint(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()

	wait := fmt.Sprintf("PRAGMA busy_timeout = %d", checkpointWait.Milliseconds())
	if _, err := conn.ExecContext(ctx, wait); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx),
		fmt.Sprintf("PRAGMA busy_timeout = %d", t.busy.Milliseconds()))

	var busy, frames, copied int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").
		Scan(&busy, &frames, &copied)
	if err == nil && busy != 0 {
		err = fmt.Errorf("checkpoint: readers still in the log")
	}
	return err
}
