package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Ensure Store implements the interface.
var _ gatehouse.TaskStore = (*Store)(nil)

const taskColumns = `id, user_id, title, description, completed,
	created_at, updated_at`

// CreateTask stores a new task for userID with a new id; in must have
// passed Validate. It is safe for concurrent use.
func (s *Store) CreateTask(ctx context.Context, userID string, in gatehouse.TaskInput) (gatehouse.Task, error) {
	now := gatehouse.StoredTime(s.now())
	t := gatehouse.Task{
		ID:          gatehouse.NewTaskID(),
		UserID:      userID,
		Title:       in.Title,
		Description: in.Description,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO tasks (`+taskColumns+`)
		VALUES (?, ?, ?, ?, 0, ?, ?)`,
		t.ID, t.UserID, t.Title, t.Description, micros(now), micros(now))
	if err != nil {
		return gatehouse.Task{}, wrap("insert task", err)
	}
	s.wal.trim(ctx, s.w)
	return t, nil
}

// FindTask returns the task id of userID, or gatehouse.ErrNotFound. It is
// safe for concurrent use.
func (s *Store) FindTask(ctx context.Context, userID, id string) (gatehouse.Task, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+taskColumns+`
		FROM tasks WHERE user_id = ? AND id = ?`, userID, id)
	return scanOne("find task", row)
}

// UpdateTask changes the non-nil fields of a task in one statement, so
// concurrent updates never mix. UpdatedAt becomes the current time, or a
// microsecond past its previous value if the clock has not moved on. It
// returns gatehouse.ErrNotFound when userID has no such task.
func (s *Store) UpdateTask(ctx context.Context, userID, id string, upd gatehouse.TaskUpdate) (gatehouse.Task, error) {
	now := micros(gatehouse.StoredTime(s.now()))
	row := s.w.QueryRowContext(ctx, `UPDATE tasks SET
			title = coalesce(?, title),
			description = coalesce(?, description),
			completed = coalesce(?, completed),
			updated_at = max(updated_at + 1, ?)
		WHERE user_id = ? AND id = ?
		RETURNING `+taskColumns,
		upd.Title, upd.Description, upd.Completed, now, userID, id)
	t, err := scanOne("update task", row)
	if err == nil {
		s.wal.trim(ctx, s.w)
	}
	return t, err
}

// ToggleTask flips a task's completion in one statement, so concurrent
// toggles are never lost, and moves UpdatedAt on as UpdateTask does. It
// returns gatehouse.ErrNotFound when userID has no such task.
func (s *Store) ToggleTask(ctx context.Context, userID, id string) (gatehouse.Task, error) {
	now := micros(gatehouse.StoredTime(s.now()))
	row := s.w.QueryRowContext(ctx, `UPDATE tasks SET
			completed = NOT completed,
			updated_at = max(updated_at + 1, ?)
		WHERE user_id = ? AND id = ?
		RETURNING `+taskColumns, now, userID, id)
	t, err := scanOne("toggle task", row)
	if err == nil {
		s.wal.trim(ctx, s.w)
	}
	return t, err
}

// DeleteTask removes a task, or returns gatehouse.ErrNotFound when userID
// has no such task. It is safe for concurrent use.
func (s *Store) DeleteTask(ctx context.Context, userID, id string) error {
	res, err := s.w.ExecContext(ctx,
		`DELETE FROM tasks WHERE user_id = ? AND id = ?`, userID, id)
	if err != nil {
		return wrap("delete task", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap("delete task", err)
	}
	if n == 0 {
		return gatehouse.ErrNotFound
	}
	s.wal.trim(ctx, s.w)
	return nil
}

// ListTasks returns one page of userID's tasks. It returns a
// *gatehouse.ValidationError for a filter that TaskFilter.Query rejects.
// It is safe for concurrent use.
func (s *Store) ListTasks(ctx context.Context, userID string, f gatehouse.TaskFilter) (gatehouse.TaskPage, error) {
	q, err := f.Query()
	if err != nil {
		return gatehouse.TaskPage{}, err
	}
	query, args := listQuery(userID, q)
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return gatehouse.TaskPage{}, wrap("list tasks", err)
	}
	defer rows.Close()

	tasks := make([]gatehouse.Task, 0, q.Limit+1)
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return gatehouse.TaskPage{}, wrap("list tasks", err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return gatehouse.TaskPage{}, wrap("list tasks", err)
	}
	return q.Page(tasks), nil
}

// listQuery selects up to q.Limit+1 tasks after q's cursor. The sort
// column comes from a fixed set; every value is a bound parameter.
func listQuery(userID string, q gatehouse.TaskQuery) (string, []any) {
	col := "created_at"
	switch q.Sort {
	case gatehouse.SortUpdatedAt:
		col = "updated_at"
	case gatehouse.SortTitle:
		col = "title"
	}
	dir, cmp := "ASC", ">"
	if q.Desc {
		dir, cmp = "DESC", "<"
	}

	var b strings.Builder
	args := []any{userID}
	b.WriteString(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = ?`)
	switch q.Status {
	case gatehouse.StatusPending:
		b.WriteString(` AND completed = 0`)
	case gatehouse.StatusCompleted:
		b.WriteString(` AND completed = 1`)
	}
	if c := q.After; c != nil {
		var key any = c.Title
		if q.Sort != gatehouse.SortTitle {
			key = micros(c.Time)
		}
		b.WriteString(` AND (` + col + `, id) ` + cmp + ` (?, ?)`)
		args = append(args, key, c.ID)
	}
	b.WriteString(` ORDER BY ` + col + ` ` + dir + `, id ` + dir + ` LIMIT ?`)
	args = append(args, q.Limit+1)
	return b.String(), args
}

// scanOne reads the single task of row, mapping no row to ErrNotFound.
func scanOne(op string, row *sql.Row) (gatehouse.Task, error) {
	t, err := scanTask(row)
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.Task{}, gatehouse.ErrNotFound
	}
	if err != nil {
		return gatehouse.Task{}, wrap(op, err)
	}
	return t, nil
}

func scanTask(row interface{ Scan(...any) error }) (gatehouse.Task, error) {
	var t gatehouse.Task
	var created, updated int64
	err := row.Scan(&t.ID, &t.UserID, &t.Title, &t.Description,
		&t.Completed, &created, &updated)
	t.CreatedAt = time.UnixMicro(created).UTC()
	t.UpdatedAt = time.UnixMicro(updated).UTC()
	return t, err
}

func micros(t time.Time) int64 { return t.UnixMicro() }
