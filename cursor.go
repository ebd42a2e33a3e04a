package gatehouse

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"time"
)

// maxCursorLength bounds the text of a cursor that ParseTaskCursor reads.
// The longest cursor a store makes holds a title of MaxTitleLength
// characters that JSON escapes to six bytes each, well under this bound.
const maxCursorLength = 4096

// TaskCursor marks where a page of tasks ended: the sort key of the page's
// last task and the order and status filter the page was listed with. Its
// encoded form is TaskPage.NextCursor.
//
// The next page starts after that key, not at an offset, so tasks created
// or deleted between two requests never make the tasks that were already
// there repeat or go missing. The cursor carries no secret: a client that
// forges one only moves within its own tasks, since every store scopes its
// queries by user.
type TaskCursor struct {
	Sort   TaskSort
	Desc   bool
	Status TaskStatus

	Title string    // the last task's title, when Sort is SortTitle
	Time  time.Time // its CreatedAt or UpdatedAt, for the other sorts
	ID    string    // its id, which breaks ties between equal keys
}

// cursorJSON is the wire form of a TaskCursor. Times travel as
// microseconds since the Unix epoch, exactly the precision stores keep.
type cursorJSON struct {
	Sort   TaskSort   `json:"s"`
	Desc   bool       `json:"d"`
	Status TaskStatus `json:"f"`
	Title  string     `json:"k,omitempty"`
	Time   int64      `json:"t,omitempty"`
	ID     string     `json:"id"`
}

// String encodes c as unpadded base64url (RFC 4648 §5) of a small JSON
// object. Clients must treat the result as opaque.
func (c TaskCursor) String() string {
	w := cursorJSON{
		Sort:   c.Sort,
		Desc:   c.Desc,
		Status: c.Status,
		ID:     c.ID,
	}
	if c.Sort == SortTitle {
		w.Title = c.Title
	} else {
		w.Time = c.Time.UnixMicro()
	}
	b, err := json.Marshal(w)
	if err != nil {
		// A struct of strings, a bool and an int always marshals.
		panic("gatehouse: encode cursor: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseTaskCursor decodes a cursor made by TaskCursor.String. It returns a
// *ValidationError on field "cursor" when s is not such a cursor.
func ParseTaskCursor(s string) (TaskCursor, error) {
	bad := Invalid("cursor", "is malformed")
	if len(s) > maxCursorLength {
		return TaskCursor{}, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return TaskCursor{}, bad
	}

	var w cursorJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil || dec.More() {
		return TaskCursor{}, bad
	}
	if !w.Sort.valid() || w.Sort == "" || !w.Status.valid() ||
		w.Status == "" || w.ID == "" || !Storable(w.ID) || !Storable(w.Title) {
		return TaskCursor{}, bad
	}

	c := TaskCursor{Sort: w.Sort, Desc: w.Desc, Status: w.Status, ID: w.ID}
	if c.Sort == SortTitle {
		c.Title = w.Title
	} else {
		c.Time = time.UnixMicro(w.Time).UTC()
		// Every store keeps years 1 to 9999; PostgreSQL refuses times
		// far outside them, and its encoding wraps near the int64 ends.
		if y := c.Time.Year(); y < 1 || y > 9999 {
			return TaskCursor{}, bad
		}
	}
	return c, nil
}

func (s TaskSort) valid() bool {
	switch s {
	case "", SortCreatedAt, SortUpdatedAt, SortTitle:
		return true
	}
	return false
}

func (s TaskStatus) valid() bool {
	switch s {
	case "", StatusAll, StatusPending, StatusCompleted:
		return true
	}
	return false
}
