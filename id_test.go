package gatehouse_test

import (
	"regexp"
	"testing"

	"github.com/gatehouse/gatehouse"
)

func TestNewTaskID(t *testing.T) {
	v7 := regexp.MustCompile(
		`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := gatehouse.NewTaskID()
		if !v7.MatchString(id) {
			t.Fatalf("NewTaskID() = %q, want a version 7 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewTaskID() repeated %q", id)
		}
		seen[id] = true
	}
}
