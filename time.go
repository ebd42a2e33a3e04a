package gatehouse

import "time"

// StoredTime returns t as every TaskStore keeps it: in UTC and truncated to
// whole microseconds, the precision of a PostgreSQL timestamptz. Stores pass
// their clock's readings through it, so a task reads back the same from any
// store.
func StoredTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}
