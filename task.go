package gatehouse

import (
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on a task's text, counted in Unicode code points after trimming
// white space from both ends of the title.
const (
	MaxTitleLength       = 200
	MaxDescriptionLength = 1000
)

// MaxUserIDLength bounds a user id, in bytes. BetterAuth's ids are 32
// characters; PostgreSQL's indexes cannot hold keys of a few kilobytes.
const MaxUserIDLength = 255

// Page sizes for ListTasks.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Task is one entry of a user's task list.
type Task struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Completed   bool      `json:"completed"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TaskStatus selects tasks by completion. The zero value means StatusAll.
type TaskStatus string

// Task statuses accepted by TaskFilter.
const (
	StatusAll       TaskStatus = "all"
	StatusPending   TaskStatus = "pending"
	StatusCompleted TaskStatus = "completed"
)

// TaskSort names the field a task list is ordered by. The zero value means
// SortCreatedAt. Ties are broken by task id, so every order is total.
type TaskSort string

// Sort fields accepted by TaskFilter.
const (
	SortCreatedAt TaskSort = "created_at"
	SortUpdatedAt TaskSort = "updated_at"
	SortTitle     TaskSort = "title"
)

// TaskFilter selects and orders one page of a user's tasks.
type TaskFilter struct {
	Status TaskStatus // zero value: StatusAll
	Sort   TaskSort   // zero value: SortCreatedAt
	Desc   bool       // descending order when true
	Limit  int        // page size; zero means DefaultPageSize
	Cursor string     // NextCursor of the previous page; empty for the first
}

// TaskPage is one page of a task list. NextCursor is empty on the last page.
type TaskPage struct {
	Tasks      []Task
	NextCursor string
}

// TaskInput holds the fields of a new task.
type TaskInput struct {
	Title       string
	Description string
}

// TaskUpdate holds the fields to change on a task; nil fields stay as they
// are.
type TaskUpdate struct {
	Title       *string
	Description *string
	Completed   *bool
}

// TaskStore keeps tasks. Every method is scoped by the owner's user id: a
// task owned by another user is reported as ErrNotFound. Implementations
// return ErrNotFound, a *ValidationError, or an error wrapping
// ErrUnavailable when the storage cannot be reached, and are safe for
// concurrent use.
type TaskStore interface {
	// CreateTask stores a new task for userID. The input must have passed
	// Validate.
	CreateTask(ctx context.Context, userID string, in TaskInput) (Task, error)

	// FindTask returns one task of userID.
	FindTask(ctx context.Context, userID, id string) (Task, error)

	// ListTasks returns one page of userID's tasks. A cursor that is
	// malformed or was made for another sort order is a *ValidationError.
	ListTasks(ctx context.Context, userID string, f TaskFilter) (TaskPage, error)

	// UpdateTask changes the non-nil fields of a task and its update time,
	// atomically. The update must have passed Validate.
	UpdateTask(ctx context.Context, userID, id string, upd TaskUpdate) (Task, error)

	// ToggleTask flips a task's completion atomically.
	ToggleTask(ctx context.Context, userID, id string) (Task, error)

	// DeleteTask removes a task.
	DeleteTask(ctx context.Context, userID, id string) error

	// Ping reports whether the storage answers.
	Ping(ctx context.Context) error

	// Close releases the store's resources.
	Close() error
}

// Validate trims the title and checks both fields' lengths. It returns a
// *ValidationError naming every field that is wrong.
func (in *TaskInput) Validate() error {
	var v ValidationError
	in.Title = strings.TrimSpace(in.Title)
	checkTitle(&v, in.Title)
	checkDescription(&v, in.Description)
	return v.OrNil()
}

// Validate trims the title, when present, and checks the lengths of the
// fields that are present. It returns a *ValidationError naming every field
// that is wrong.
func (upd *TaskUpdate) Validate() error {
	var v ValidationError
	if upd.Title != nil {
		t := strings.TrimSpace(*upd.Title)
		upd.Title = &t
		checkTitle(&v, t)
	}
	if upd.Description != nil {
		checkDescription(&v, *upd.Description)
	}
	return v.OrNil()
}

// Storable reports whether every store can keep s as text: valid UTF-8
// without NUL, which PostgreSQL refuses. Ids, user ids and cursors that are
// not storable cannot match anything stored.
func Storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func checkTitle(v *ValidationError, title string) {
	switch n := utf8.RuneCountInString(title); {
	case !utf8.ValidString(title):
		v.Add("title", "must be valid UTF-8")
	case n == 0:
		v.Add("title", "is required and must not be blank")
	case n > MaxTitleLength:
		v.Add("title", "must be at most 200 characters")
	case strings.ContainsFunc(title, unicode.IsControl):
		v.Add("title", "must not contain control characters")
	}
}

func checkDescription(v *ValidationError, desc string) {
	switch {
	case !utf8.ValidString(desc):
		v.Add("description", "must be valid UTF-8")
	case utf8.RuneCountInString(desc) > MaxDescriptionLength:
		v.Add("description", "must be at most 1000 characters")
	case strings.ContainsRune(desc, 0):
		// PostgreSQL cannot store NUL in text; no store accepts it.
		v.Add("description", "must not contain NUL characters")
	}
}
