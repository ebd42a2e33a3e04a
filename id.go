package gatehouse

import "github.com/google/uuid"

// NewTaskID returns a new task id: a version 7 UUID (RFC 9562 §5.7) in its
// 36-character text form. Its leading bits hold the creation time in
// milliseconds, so new rows land next to each other in a store's index.
// Callers must treat the id as an opaque string. It is safe for concurrent
// use.
func NewTaskID() string {
	// NewV7 fails only when the system's random source does, and since
	// Go 1.24 crypto/rand never reports an error: it crashes instead.
	return uuid.Must(uuid.NewV7()).String()
}
