package http

import (
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// taskFilter reads the query string of a task list:
//
//	status  all (default), pending or completed
//	sort    created_at (default), updated_at or title, ascending; a
//	        leading "-" sorts in descending order, as in sort=-updated_at
//	limit   tasks per page, 1 to gatehouse.MaxPageSize; default
//	        gatehouse.DefaultPageSize
//	cursor  the next_cursor of the previous page, listed with the same
//	        status and sort
//
// Each may be given at most once, with a value. Any other parameter is
// refused, so that a misspelt one is not silently ignored. It returns a
// *gatehouse.ValidationError naming every parameter that is wrong.
func taskFilter(rawQuery string) (gatehouse.TaskFilter, error) {
	var f gatehouse.TaskFilter
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return f, gatehouse.Invalid("query", "is not a valid query string")
	}

	var v gatehouse.ValidationError
	for _, name := range slices.Sorted(maps.Keys(query)) {
		values := query[name]
		switch {
		case !slices.Contains([]string{"status", "sort", "limit", "cursor"}, name):
			v.Add(fieldName(name), "is not a known parameter")
		case len(values) > 1:
			v.Add(name, "must be given at most once")
		case values[0] == "":
			v.Add(name, "must not be empty")
		default:
			readParam(&f, &v, name, values[0])
		}
	}
	if err := v.OrNil(); err != nil {
		return f, err
	}

	// Query checks the cursor against the status and sort.
	if _, err := f.Query(); err != nil {
		return f, err
	}
	return f, nil
}

func readParam(f *gatehouse.TaskFilter, v *gatehouse.ValidationError, name, value string) {
	switch name {
	case "status":
		f.Status = gatehouse.TaskStatus(value)
		switch f.Status {
		case gatehouse.StatusAll, gatehouse.StatusPending, gatehouse.StatusCompleted:
		default:
			v.Add(name, "must be all, pending or completed")
		}
	case "sort":
		f.Desc = strings.HasPrefix(value, "-")
		f.Sort = gatehouse.TaskSort(strings.TrimPrefix(value, "-"))
		switch f.Sort {
		case gatehouse.SortCreatedAt, gatehouse.SortUpdatedAt, gatehouse.SortTitle:
		default:
			v.Add(name, "must be created_at, updated_at or title, "+
				"with a leading - for descending order")
		}
	case "limit":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > gatehouse.MaxPageSize ||
			strings.TrimLeft(value, "0123456789") != "" {
			v.Add(name, "must be a whole number from 1 to "+
				strconv.Itoa(gatehouse.MaxPageSize))
		}
		f.Limit = n
	case "cursor":
		f.Cursor = value
	}
}
