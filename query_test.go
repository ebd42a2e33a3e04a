package gatehouse_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/google/go-cmp/cmp"
)

func TestTaskFilter_Query(t *testing.T) {
	title := gatehouse.TaskCursor{
		Sort: gatehouse.SortTitle, Status: gatehouse.StatusAll,
		Title: "b", ID: "id-1",
	}
	tests := []struct {
		name string
		f    gatehouse.TaskFilter
		want gatehouse.TaskQuery
	}{
		{"zero values take defaults", gatehouse.TaskFilter{},
			gatehouse.TaskQuery{Status: "all", Sort: "created_at", Limit: 50}},
		{"explicit values stay", gatehouse.TaskFilter{
			Status: "pending", Sort: "updated_at", Desc: true, Limit: 200,
		}, gatehouse.TaskQuery{
			Status: "pending", Sort: "updated_at", Desc: true, Limit: 200,
		}},
		{"cursor is decoded", gatehouse.TaskFilter{
			Sort: "title", Limit: 1, Cursor: title.String(),
		}, gatehouse.TaskQuery{
			Status: "all", Sort: "title", Limit: 1, After: &title,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f.Query()
			if err != nil {
				t.Fatalf("Query: %v", err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Query (-want +got):\n%s", d)
			}
		})
	}
}

func TestTaskFilter_QueryInvalid(t *testing.T) {
	byTitle := gatehouse.TaskCursor{
		Sort: gatehouse.SortTitle, Status: gatehouse.StatusAll, ID: "x",
	}.String()
	tests := []struct {
		f    gatehouse.TaskFilter
		want []string
	}{
		{gatehouse.TaskFilter{Status: "done"}, []string{"status"}},
		{gatehouse.TaskFilter{Sort: "size"}, []string{"sort"}},
		{gatehouse.TaskFilter{Limit: -1}, []string{"limit"}},
		{gatehouse.TaskFilter{Limit: 201}, []string{"limit"}},
		{gatehouse.TaskFilter{Status: "x", Sort: "y", Limit: 1000},
			[]string{"status", "sort", "limit"}},
		{gatehouse.TaskFilter{Cursor: "%%%"}, []string{"cursor"}},
		{gatehouse.TaskFilter{Cursor: byTitle}, []string{"cursor"}},
		{gatehouse.TaskFilter{Sort: "title", Desc: true, Cursor: byTitle},
			[]string{"cursor"}},
		{gatehouse.TaskFilter{Sort: "title", Status: "completed",
			Cursor: byTitle}, []string{"cursor"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.f), func(t *testing.T) {
			_, err := tt.f.Query()
			var v *gatehouse.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("got error %v, want a ValidationError", err)
			}
			var got []string
			for _, f := range v.Fields {
				got = append(got, f.Field)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
}

func TestTaskQuery_Page(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	tasks := []gatehouse.Task{
		{ID: "a", Title: "one", CreatedAt: at, UpdatedAt: at.Add(time.Hour)},
		{ID: "b", Title: "two", CreatedAt: at, UpdatedAt: at},
		{ID: "c", Title: "three", CreatedAt: at, UpdatedAt: at},
	}
	tests := []struct {
		q        gatehouse.TaskQuery
		n        int
		wantNext *gatehouse.TaskCursor
	}{
		{gatehouse.TaskQuery{Status: "all", Sort: "created_at", Limit: 2}, 3,
			&gatehouse.TaskCursor{Sort: "created_at", Status: "all",
				Time: at, ID: "b"}},
		{gatehouse.TaskQuery{Status: "pending", Sort: "title", Desc: true,
			Limit: 1}, 2, &gatehouse.TaskCursor{Sort: "title", Desc: true,
			Status: "pending", Title: "one", ID: "a"}},
		{gatehouse.TaskQuery{Status: "all", Sort: "updated_at", Limit: 1}, 2,
			&gatehouse.TaskCursor{Sort: "updated_at", Status: "all",
				Time: at.Add(time.Hour), ID: "a"}},
		{gatehouse.TaskQuery{Status: "all", Sort: "title", Limit: 3}, 3, nil},
		{gatehouse.TaskQuery{Status: "all", Sort: "title", Limit: 5}, 0, nil},
	}
	for _, tt := range tests {
		page := tt.q.Page(tasks[:tt.n])
		if want := min(tt.n, tt.q.Limit); len(page.Tasks) != want {
			t.Errorf("%+v: %d tasks, want %d", tt.q, len(page.Tasks), want)
		}
		if page.Tasks == nil {
			t.Errorf("%+v: Tasks is nil, want an empty slice", tt.q)
		}
		if tt.wantNext == nil {
			if page.NextCursor != "" {
				t.Errorf("%+v: next cursor %q, want none", tt.q, page.NextCursor)
			}
			continue
		}
		got, err := gatehouse.ParseTaskCursor(page.NextCursor)
		if err != nil {
			t.Fatalf("%+v: ParseTaskCursor: %v", tt.q, err)
		}
		if d := cmp.Diff(*tt.wantNext, got); d != "" {
			t.Errorf("%+v: next cursor (-want +got):\n%s", tt.q, d)
		}
	}
}
