package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5"
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
	_, err := s.pool.Exec(ctx, `INSERT INTO tasks (`+taskColumns+`)
		VALUES ($1, $2, $3, $4, false, $5, $5)`,
		t.ID, t.UserID, t.Title, t.Description, now)
	if err != nil {
		return gatehouse.Task{}, wrap("insert task", err)
	}
	return t, nil
}

// FindTask returns the task id of userID, or gatehouse.ErrNotFound. It is
// safe for concurrent use.
func (s *Store) FindTask(ctx context.Context, userID, id string) (gatehouse.Task, error) {
	row := s.pool.QueryRow(ctx, `SELECT `+taskColumns+`
		FROM tasks WHERE user_id = $1 AND id = $2`, userID, id)
	return scanOne("find task", row)
}

// UpdateTask changes the non-nil fields of a task in one statement, so
// concurrent updates never mix. UpdatedAt becomes the current time, or a
// microsecond past its previous value if the clock has not moved on. It
// returns gatehouse.ErrNotFound when userID has no such task.
func (s *Store) UpdateTask(ctx context.Context, userID, id string, upd gatehouse.TaskUpdate) (gatehouse.Task, error) {
	now := gatehouse.StoredTime(s.now())
	row := s.pool.QueryRow(ctx, `UPDATE tasks SET
			title = coalesce($3, title),
			description = coalesce($4, description),
			completed = coalesce($5, completed),
			updated_at = greatest(updated_at + interval '1 microsecond', $6)
		WHERE user_id = $1 AND id = $2
		RETURNING `+taskColumns,
		userID, id, upd.Title, upd.Description, upd.Completed, now)
	return scanOne("update task", row)
}

// ToggleTask flips a task's completion in one statement, so concurrent
// toggles are never lost, and moves UpdatedAt on as UpdateTask does. It
// returns gatehouse.ErrNotFound when userID has no such task.
func (s *Store) ToggleTask(ctx context.Context, userID, id string) (gatehouse.Task, error) {
	now := gatehouse.StoredTime(s.now())
	row := s.pool.QueryRow(ctx, `UPDATE tasks SET
			completed = NOT completed,
			updated_at = greatest(updated_at + interval '1 microsecond', $3)
		WHERE user_id = $1 AND id = $2
		RETURNING `+taskColumns, userID, id, now)
	return scanOne("toggle task", row)
}

// DeleteTask removes a task, or returns gatehouse.ErrNotFound when userID
// has no such task. It is safe for concurrent use.
func (s *Store) DeleteTask(ctx context.Context, userID, id string) error {
	tag, err := s.pool.Exec(ctx,
		`DELETE FROM tasks WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return wrap("delete task", err)
	}
	if tag.RowsAffected() == 0 {
		return gatehouse.ErrNotFound
	}
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
	rows, err := s.pool.Query(ctx, query, args...)
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
	b.WriteString(`SELECT ` + taskColumns + ` FROM tasks WHERE user_id = $1`)
	switch q.Status {
	case gatehouse.StatusPending:
		b.WriteString(` AND NOT completed`)
	case gatehouse.StatusCompleted:
		b.WriteString(` AND completed`)
	}
	if c := q.After; c != nil {
		var key any = c.Title
		if q.Sort != gatehouse.SortTitle {
			key = c.Time
		}
		fmt.Fprintf(&b, ` AND (%s, id) %s ($2, $3)`, col, cmp)
		args = append(args, key, c.ID)
	}
	fmt.Fprintf(&b, ` ORDER BY %s %s, id %s LIMIT $%d`,
		col, dir, dir, len(args)+1)
	args = append(args, q.Limit+1)
	return b.String(), args
}

// scanOne reads the single task of row, mapping no row to ErrNotFound.
func scanOne(op string, row pgx.Row) (gatehouse.Task, error) {
	t, err := scanTask(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return gatehouse.Task{}, gatehouse.ErrNotFound
	}
	if err != nil {
		return gatehouse.Task{}, wrap(op, err)
	}
	return t, nil
}

func scanTask(row pgx.Row) (gatehouse.Task, error) {
	var t gatehouse.Task
	err := row.Scan(&t.ID, &t.UserID, &t.Title, &t.Description,
		&t.Completed, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt = t.CreatedAt.UTC()
	t.UpdatedAt = t.UpdatedAt.UTC()
	return t, err
}
