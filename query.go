package gatehouse

import "fmt"

// TaskQuery is a TaskFilter checked and resolved for a store: every zero
// value replaced by its default and the cursor decoded. Stores read at most
// Limit+1 tasks in the query's order, starting after After, and hand them
// to Page.
type TaskQuery struct {
	Status TaskStatus  // never empty
	Sort   TaskSort    // never empty
	Desc   bool        // descending order when true
	Limit  int         // between 1 and MaxPageSize
	After  *TaskCursor // where the previous page ended; nil on the first
}

// Query checks f and resolves it. It returns a *ValidationError naming every
// field that is wrong: "status" or "sort" for an unknown value, "limit" for
// a page size outside 1 to MaxPageSize (zero means DefaultPageSize), and
// "cursor" for a cursor that is malformed or was made for another sort
// order, direction or status filter.
func (f TaskFilter) Query() (TaskQuery, error) {
	q := TaskQuery{
		Status: f.Status,
		Sort:   f.Sort,
		Desc:   f.Desc,
		Limit:  f.Limit,
	}
	if q.Status == "" {
		q.Status = StatusAll
	}
	if q.Sort == "" {
		q.Sort = SortCreatedAt
	}
	if q.Limit == 0 {
		q.Limit = DefaultPageSize
	}

	var v ValidationError
	if !q.Status.valid() {
		v.Add("status", "must be one of all, pending, completed")
	}
	if !q.Sort.valid() {
		v.Add("sort", "must be one of created_at, updated_at, title")
	}
	if q.Limit < 1 || q.Limit > MaxPageSize {
		v.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxPageSize))
	}
	if f.Cursor != "" && len(v.Fields) == 0 {
		q.After = q.checkCursor(&v, f.Cursor)
	}
	return q, v.OrNil()
}

func (q TaskQuery) checkCursor(v *ValidationError, s string) *TaskCursor {
	c, err := ParseTaskCursor(s)
	if err != nil {
		v.Add("cursor", "is malformed")
		return nil
	}
	if c.Sort != q.Sort || c.Desc != q.Desc || c.Status != q.Status {
		v.Add("cursor", "was made for another sort order or status filter")
		return nil
	}
	return &c
}

// Page returns the page made of tasks, read in q's order: at most Limit+1
// of them, where a task past Limit only tells that another page follows
// and is left out. Tasks of an empty page is an empty slice, not nil.
func (q TaskQuery) Page(tasks []Task) TaskPage {
	if tasks == nil {
		tasks = []Task{}
	}
	if len(tasks) <= q.Limit {
		return TaskPage{Tasks: tasks}
	}
	tasks = tasks[:q.Limit]
	return TaskPage{Tasks: tasks, NextCursor: q.cursorAfter(tasks[len(tasks)-1]).String()}
}

func (q TaskQuery) cursorAfter(t Task) TaskCursor {
	c := TaskCursor{Sort: q.Sort, Desc: q.Desc, Status: q.Status, ID: t.ID}
	switch q.Sort {
	case SortTitle:
		c.Title = t.Title
	case SortUpdatedAt:
		c.Time = t.UpdatedAt
	default:
		c.Time = t.CreatedAt
	}
	return c
}
