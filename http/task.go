package http

import (
	"io"
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/betterauth"
)

// taskJSON is a task as the API shows it. Times are RFC 3339 in UTC.
type taskJSON struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Completed   bool   `json:"completed"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

// timeFormat is RFC 3339 in UTC with always six fractional digits, the
// stores' precision, so that clients may parse a fixed width.
const timeFormat = "2006-01-02T15:04:05.000000Z07:00"

func newTaskJSON(t gatehouse.Task) taskJSON {
	return taskJSON{
		ID:          t.ID,
		UserID:      t.UserID,
		Title:       t.Title,
		Description: t.Description,
		Completed:   t.Completed,
		CreatedAt:   t.CreatedAt.UTC().Format(timeFormat),
		UpdatedAt:   t.UpdatedAt.UTC().Format(timeFormat),
	}
}

// taskListJSON is one page of tasks. NextCursor is null on the last page.
type taskListJSON struct {
	Tasks      []taskJSON `json:"tasks"`
	NextCursor *string    `json:"next_cursor"`
}

// owner returns the verified subject, which own has found equal to the
// path's {user_id}. Every store call is scoped by it.
// taskID is the task id of the request's path. An id that no store could
// hold matches no task, and is passed on as the empty id, which matches none
// either.
func taskID(r *http.Request) string {
	id := r.PathValue("id")
	if !gatehouse.Storable(id) {
		return ""
	}
	return id
}

func owner(r *http.Request) string {
	p, _ := betterauth.PrincipalFrom(r.Context())
	return p.Subject
}

// taskPath is the URL path of a task.
func taskPath(userID, id string) string {
	return "/api/" + url.PathEscape(userID) + "/tasks/" + url.PathEscape(id)
}

// listTasks serves GET /api/{user_id}/tasks; see taskFilter for the query.
func (h *handler) listTasks(w http.ResponseWriter, r *http.Request) error {
	f, err := taskFilter(r.URL.RawQuery)
	if err != nil {
		return err
	}
	page, err := h.store.ListTasks(r.Context(), owner(r), f)
	if err != nil {
		return err
	}
	out := taskListJSON{Tasks: make([]taskJSON, len(page.Tasks))}
	for i, t := range page.Tasks {
		out.Tasks[i] = newTaskJSON(t)
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createTask serves POST /api/{user_id}/tasks with a JSON body holding a
// title and, optionally, a description.
func (h *handler) createTask(w http.ResponseWriter, r *http.Request) error {
	m, err := readObject(w, r, mediaJSON)
	if err != nil {
		return err
	}
	ms := members{m: m}
	ms.only("title", "description")
	title, _ := ms.str("title", false)
	desc, _ := ms.str("description", false)
	if err := ms.err(); err != nil {
		return err
	}

	in := gatehouse.TaskInput{Title: deref(title), Description: deref(desc)}
	if err := in.Validate(); err != nil {
		return err
	}
	t, err := h.store.CreateTask(r.Context(), owner(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", taskPath(t.UserID, t.ID))
	writeJSON(w, http.StatusCreated, newTaskJSON(t))
	return nil
}

// getTask serves GET /api/{user_id}/tasks/{id}.
func (h *handler) getTask(w http.ResponseWriter, r *http.Request) error {
	t, err := h.store.FindTask(r.Context(), owner(r), taskID(r))
	return writeTask(w, t, err)
}

// replaceTask serves PUT /api/{user_id}/tasks/{id}. The body holds the
// task's new title and completion, both required, and its description,
// which is empty when left out.
func (h *handler) replaceTask(w http.ResponseWriter, r *http.Request) error {
	m, err := readObject(w, r, mediaJSON)
	if err != nil {
		return err
	}
	ms := members{m: m}
	ms.only("title", "description", "completed")
	title, _ := ms.str("title", false)
	desc, _ := ms.str("description", false)
	_, hasCompleted := m["completed"]
	completed := ms.boolean("completed")
	if !hasCompleted {
		ms.v.Add("completed", "is required")
	}
	if err := ms.err(); err != nil {
		return err
	}

	upd := gatehouse.TaskUpdate{
		Title:       ptr(deref(title)),
		Description: ptr(deref(desc)),
		Completed:   completed,
	}
	return h.update(w, r, upd)
}

// patchTask serves PATCH /api/{user_id}/tasks/{id} with a JSON merge patch
// (RFC 7396): the members present are changed, and a null description
// clears it. Title and completed may not be null, since a task always has
// them.
func (h *handler) patchTask(w http.ResponseWriter, r *http.Request) error {
	m, err := readObject(w, r, mediaMergePatch, mediaJSON)
	if err != nil {
		return err
	}
	ms := members{m: m}
	ms.only("title", "description", "completed")
	var upd gatehouse.TaskUpdate
	upd.Title, _ = ms.str("title", false)
	desc, hasDesc := ms.str("description", true)
	if hasDesc {
		upd.Description = ptr(deref(desc))
	}
	upd.Completed = ms.boolean("completed")
	if err := ms.err(); err != nil {
		return err
	}

	if upd.Title == nil && upd.Description == nil && upd.Completed == nil {
		// An empty patch changes nothing, not even the update time.
		t, err := h.store.FindTask(r.Context(), owner(r), taskID(r))
		return writeTask(w, t, err)
	}
	return h.update(w, r, upd)
}

// update validates upd and applies it to the path's task.
func (h *handler) update(w http.ResponseWriter, r *http.Request, upd gatehouse.TaskUpdate) error {
	if err := upd.Validate(); err != nil {
		return err
	}
	t, err := h.store.UpdateTask(r.Context(), owner(r), taskID(r), upd)
	return writeTask(w, t, err)
}

// toggleTask serves PATCH /api/{user_id}/tasks/{id}/complete, which flips
// the task's completion and takes no body.
func (h *handler) toggleTask(w http.ResponseWriter, r *http.Request) error {
	if n, _ := io.ReadFull(r.Body, make([]byte, 1)); n > 0 {
		return gatehouse.Invalid("body", "must be empty")
	}
	t, err := h.store.ToggleTask(r.Context(), owner(r), taskID(r))
	return writeTask(w, t, err)
}

// deleteTask serves DELETE /api/{user_id}/tasks/{id}.
func (h *handler) deleteTask(w http.ResponseWriter, r *http.Request) error {
	if err := h.store.DeleteTask(r.Context(), owner(r), taskID(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeTask answers with t, unless err tells why there is none.
func writeTask(w http.ResponseWriter, t gatehouse.Task, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newTaskJSON(t))
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }
