package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestAPI_TaskLifecycle(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")

	r := e.do(t, req{method: "POST", path: "/api/alice/tasks", token: alice,
		body: `{"title": "  Buy milk  ", "description": "two litres"}`})
	created := wantTask(t, r, http.StatusCreated)
	if created.ID == "" || created.UserID != "alice" || created.Title != "Buy milk" ||
		created.Description != "two litres" || created.Completed {
		t.Errorf("created %+v", created)
	}
	if loc := r.header.Get("Location"); loc != "/api/alice/tasks/"+created.ID {
		t.Errorf("Location %q, want /api/alice/tasks/%s", loc, created.ID)
	}
	for _, ts := range []string{created.CreatedAt, created.UpdatedAt} {
		parsed, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || !strings.HasSuffix(ts, "Z") || parsed.Location() != time.UTC {
			t.Errorf("time %q is not RFC 3339 in UTC", ts)
		}
		// A fixed width, even when the last digits are zeros.
		if len(ts) != len("2006-01-02T15:04:05.000000Z") {
			t.Errorf("time %q does not have six fractional digits", ts)
		}
	}

	path := "/api/alice/tasks/" + created.ID
	got := wantTask(t, e.do(t, req{method: "GET", path: path, token: alice}), http.StatusOK)
	if got != created {
		t.Errorf("GET = %+v, want %+v", got, created)
	}

	put := wantTask(t, e.do(t, req{method: "PUT", path: path, token: alice,
		body: `{"title": "Buy oat milk", "completed": true}`}), http.StatusOK)
	if put.Title != "Buy oat milk" || put.Description != "" || !put.Completed ||
		put.ID != created.ID || put.CreatedAt != created.CreatedAt {
		t.Errorf("PUT = %+v", put)
	}

	patched := wantTask(t, e.do(t, req{method: "PATCH", path: path, token: alice,
		body:        `{"description": "from the corner shop"}`,
		contentType: "application/merge-patch+json"}), http.StatusOK)
	if patched.Title != "Buy oat milk" || patched.Description != "from the corner shop" ||
		!patched.Completed {
		t.Errorf("PATCH = %+v", patched)
	}

	toggled := wantTask(t, e.do(t, req{method: "PATCH", path: path + "/complete",
		token: alice}), http.StatusOK)
	if toggled.Completed {
		t.Errorf("toggle of a completed task = %+v, want it pending", toggled)
	}
	toggled = wantTask(t, e.do(t, req{method: "PATCH", path: path + "/complete",
		token: alice}), http.StatusOK)
	if !toggled.Completed {
		t.Errorf("second toggle = %+v, want it completed", toggled)
	}

	var list struct {
		Tasks      []task  `json:"tasks"`
		NextCursor *string `json:"next_cursor"`
	}
	r = e.do(t, req{method: "GET", path: "/api/alice/tasks", token: alice})
	decode(t, r, &list)
	if r.status != http.StatusOK || len(list.Tasks) != 1 || list.Tasks[0] != toggled ||
		list.NextCursor != nil {
		t.Errorf("list = %d %+v", r.status, list)
	}

	r = e.do(t, req{method: "DELETE", path: path, token: alice})
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Errorf("DELETE = %d %q, want 204 and no body", r.status, r.body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		wantProblem(t, e.do(t, req{method: m, path: path, token: alice}),
			http.StatusNotFound, "not_found")
	}
}

func TestAPI_TaskJSONShape(t *testing.T) {
	e := newEnv(t, options{})
	r := e.do(t, req{method: "POST", path: "/api/alice/tasks", token: e.token("alice"),
		body: `{"title": "x"}`})
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"completed", "created_at", "description", "id", "title",
		"updated_at", "user_id"}
	if len(m) != len(want) {
		t.Errorf("task has members %v, want %v", m, want)
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("task lacks %q: %s", k, r.body)
		}
	}
	if m["description"] != "" || m["completed"] != false {
		t.Errorf("defaults: %s", r.body)
	}
}

func TestAPI_CreateValidation(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	title201 := `"title": ` + str(strings.Repeat("t", 201))
	desc1001 := `"description": ` + str(strings.Repeat("d", 1001))

	accepted := []struct{ name, body string }{
		{"title of 200 characters", `{"title": ` + str(strings.Repeat("t", 200)) + `}`},
		{"title of 200 two-byte characters", `{"title": ` + str(strings.Repeat("é", 200)) + `}`},
		{"title of 200 after trimming", `{"title": ` + str("  "+strings.Repeat("t", 200)+"\n") + `}`},
		{"description of 1000", `{"title": "x", "description": ` + str(strings.Repeat("d", 1000)) + `}`},
		{"empty description", `{"title": "x", "description": ""}`},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			wantTask(t, e.do(t, req{method: "POST", path: "/api/alice/tasks",
				token: alice, body: c.body}), http.StatusCreated)
		})
	}

	refused := []struct {
		name, body string
		fields     []string
	}{
		{"title of 201", `{` + title201 + `}`, []string{"title"}},
		{"NUL in title", `{"title": "a\u0000b"}`, []string{"title"}},
		{"control character in title", `{"title": "a\u001bb"}`, []string{"title"}},
		{"NUL in description", `{"title": "x", "description": "a\u0000b"}`, []string{"description"}},
		{"description of 1001", `{"title": "x", ` + desc1001 + `}`, []string{"description"}},
		{"both too long", `{` + title201 + `, ` + desc1001 + `}`, []string{"title", "description"}},
		{"blank title", `{"title": " \t\n "}`, []string{"title"}},
		{"empty title", `{"title": ""}`, []string{"title"}},
		{"no title", `{"description": "x"}`, []string{"title"}},
		{"empty object", `{}`, []string{"title"}},
		{"null title", `{"title": null}`, []string{"title"}},
		{"null description", `{"title": "x", "description": null}`, []string{"description"}},
		{"number title", `{"title": 5}`, []string{"title"}},
		{"array title", `{"title": ["x"]}`, []string{"title"}},
		{"boolean description", `{"title": "x", "description": true}`, []string{"description"}},
		{"unknown field", `{"title": "x", "priority": 1}`, []string{"priority"}},
		{"field in another case", `{"Title": "x"}`, []string{"Title"}},
		{"completed on create", `{"title": "x", "completed": true}`, []string{"completed"}},
		{"id", `{"title": "x", "id": "mine"}`, []string{"id"}},
		{"user_id", `{"title": "x", "user_id": "bob"}`, []string{"user_id"}},
		{"timestamps", `{"title": "x", "created_at": "2020-01-01T00:00:00Z",
			"updated_at": "2020-01-01T00:00:00Z"}`, []string{"created_at", "updated_at"}},
		{"duplicate member", `{"title": "x", "title": "y"}`, []string{"title"}},
		{"malformed JSON", `{"title": "x"`, []string{"body"}},
		{"trailing comma", `{"title": "x",}`, []string{"body"}},
		{"trailing garbage", `{"title": "x"} x`, []string{"body"}},
		{"two objects", `{"title": "x"}{"title": "y"}`, []string{"body"}},
		{"array", `[{"title": "x"}]`, []string{"body"}},
		{"string", `"x"`, []string{"body"}},
		{"null", `null`, []string{"body"}},
		{"invalid UTF-8", "{\"title\": \"\xff\"}", []string{"body"}},
		{"empty body", ``, []string{"body"}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, e.do(t, req{method: "POST", path: "/api/alice/tasks",
				token: alice, body: c.body, contentType: "application/json"}), c.fields...)
		})
	}

	t.Run("nothing stored", func(t *testing.T) {
		var list struct {
			Tasks      []task  `json:"tasks"`
			NextCursor *string `json:"next_cursor"`
		}
		decode(t, e.do(t, req{method: "GET", path: "/api/alice/tasks?limit=200",
			token: alice}), &list)
		if len(list.Tasks) != len(accepted) {
			t.Errorf("%d tasks stored, want %d", len(list.Tasks), len(accepted))
		}
	})
}

func TestAPI_ReadOnlyFields(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	tk := e.create(t, "alice", "mine")
	path := taskPath("alice", tk.ID)

	for _, body := range []string{
		`{"title": "x", "completed": false, "id": "other"}`,
		`{"title": "x", "completed": false, "user_id": "bob"}`,
		`{"title": "x", "completed": false, "created_at": "2000-01-01T00:00:00Z"}`,
		`{"title": "x", "completed": false, "updated_at": "2000-01-01T00:00:00Z"}`,
	} {
		wantProblem(t, e.do(t, req{method: "PUT", path: path, token: alice, body: body}),
			http.StatusBadRequest, "validation_failed")
		wantProblem(t, e.do(t, req{method: "PATCH", path: path, token: alice, body: body}),
			http.StatusBadRequest, "validation_failed")
	}
	got := wantTask(t, e.do(t, req{method: "GET", path: path, token: alice}), http.StatusOK)
	if got != tk {
		t.Errorf("task changed to %+v, want %+v", got, tk)
	}
}

func TestAPI_Replace(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	tk := e.create(t, "alice", "first")
	path := taskPath("alice", tk.ID)

	refused := []struct {
		name, body string
		fields     []string
	}{
		{"no completed", `{"title": "x"}`, []string{"completed"}},
		{"no title", `{"completed": true}`, []string{"title"}},
		{"null completed", `{"title": "x", "completed": null}`, []string{"completed"}},
		{"string completed", `{"title": "x", "completed": "true"}`, []string{"completed"}},
		{"null description", `{"title": "x", "completed": true, "description": null}`, []string{"description"}},
		{"title of 201", `{"title": "` + strings.Repeat("t", 201) + `", "completed": true}`, []string{"title"}},
		{"unknown field", `{"title": "x", "completed": true, "tags": []}`, []string{"tags"}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, e.do(t, req{method: "PUT", path: path, token: alice,
				body: c.body}), c.fields...)
		})
	}

	t.Run("description left out is emptied", func(t *testing.T) {
		wantTask(t, e.do(t, req{method: "PATCH", path: path, token: alice,
			body: `{"description": "some"}`}), http.StatusOK)
		got := wantTask(t, e.do(t, req{method: "PUT", path: path, token: alice,
			body: `{"title": "second", "completed": false}`}), http.StatusOK)
		if got.Description != "" || got.Title != "second" {
			t.Errorf("PUT = %+v", got)
		}
	})
	t.Run("merge patch media type refused", func(t *testing.T) {
		wantProblem(t, e.do(t, req{method: "PUT", path: path, token: alice,
			body:        `{"title": "x", "completed": true}`,
			contentType: "application/merge-patch+json"}),
			http.StatusUnsupportedMediaType, "unsupported_media_type")
	})
}

func TestAPI_MergePatch(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	r := e.do(t, req{method: "POST", path: "/api/alice/tasks", token: alice,
		body: `{"title": "first", "description": "words"}`})
	tk := wantTask(t, r, http.StatusCreated)
	path := taskPath("alice", tk.ID)
	patch := func(body string) reply {
		return e.do(t, req{method: "PATCH", path: path, token: alice, body: body,
			contentType: "application/merge-patch+json"})
	}

	t.Run("empty patch changes nothing", func(t *testing.T) {
		got := wantTask(t, patch(`{}`), http.StatusOK)
		if got != tk {
			t.Errorf("PATCH {} = %+v, want %+v", got, tk)
		}
	})
	t.Run("title only", func(t *testing.T) {
		got := wantTask(t, patch(`{"title": " renamed "}`), http.StatusOK)
		if got.Title != "renamed" || got.Description != "words" || got.Completed {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("null description clears it", func(t *testing.T) {
		got := wantTask(t, patch(`{"description": null}`), http.StatusOK)
		if got.Description != "" || got.Title != "renamed" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("completed", func(t *testing.T) {
		got := wantTask(t, patch(`{"completed": true}`), http.StatusOK)
		if !got.Completed {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("application/json also accepted", func(t *testing.T) {
		got := wantTask(t, e.do(t, req{method: "PATCH", path: path, token: alice,
			body: `{"completed": false}`}), http.StatusOK)
		if got.Completed {
			t.Errorf("got %+v", got)
		}
	})

	refused := []struct {
		name, body string
		fields     []string
	}{
		{"null title", `{"title": null}`, []string{"title"}},
		{"blank title", `{"title": "   "}`, []string{"title"}},
		{"null completed", `{"completed": null}`, []string{"completed"}},
		{"number description", `{"description": 1}`, []string{"description"}},
		{"description of 1001", `{"description": "` + strings.Repeat("d", 1001) + `"}`, []string{"description"}},
		{"unknown field", `{"done": true}`, []string{"done"}},
		{"not an object", `[]`, []string{"body"}},
		{"trailing garbage", `{} {}`, []string{"body"}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			wantFields(t, patch(c.body), c.fields...)
		})
	}
	t.Run("refused patches changed nothing", func(t *testing.T) {
		got := wantTask(t, e.do(t, req{method: "GET", path: path, token: alice}), http.StatusOK)
		if got.Title != "renamed" || got.Description != "" || got.Completed {
			t.Errorf("got %+v", got)
		}
	})
}

func TestAPI_ToggleTakesNoBody(t *testing.T) {
	e := newEnv(t, options{})
	tk := e.create(t, "alice", "x")
	r := e.do(t, req{method: "PATCH", path: taskPath("alice", tk.ID) + "/complete",
		token: e.token("alice"), body: `{"completed": false}`})
	wantFields(t, r, "body")
	got := wantTask(t, e.do(t, req{method: "GET", path: taskPath("alice", tk.ID),
		token: e.token("alice")}), http.StatusOK)
	if got.Completed {
		t.Error("a refused toggle changed the task")
	}
}

func TestAPI_MediaTypes(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	tk := e.create(t, "alice", "x")
	cases := []struct {
		method, path, contentType string
		status                    int
	}{
		{"POST", "/api/alice/tasks", "application/json", 201},
		{"POST", "/api/alice/tasks", "application/json; charset=utf-8", 201},
		{"POST", "/api/alice/tasks", "Application/JSON; charset=UTF-8", 201},
		{"POST", "/api/alice/tasks", "application/json; charset=iso-8859-1", 415},
		{"POST", "/api/alice/tasks", "text/plain", 415},
		{"POST", "/api/alice/tasks", "application/x-www-form-urlencoded", 415},
		{"POST", "/api/alice/tasks", "application/merge-patch+json", 415},
		{"POST", "/api/alice/tasks", "application/jsonx", 415},
		{"POST", "/api/alice/tasks", "not a media type", 415},
		{"PUT", taskPath("alice", tk.ID), "text/json", 415},
		{"PATCH", taskPath("alice", tk.ID), "application/merge-patch+json", 200},
		{"PATCH", taskPath("alice", tk.ID), "application/json", 200},
		{"PATCH", taskPath("alice", tk.ID), "application/json-patch+json", 415},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.contentType, func(t *testing.T) {
			r := e.do(t, req{method: c.method, path: c.path, token: alice,
				body: `{"title": "y", "completed": false}`, contentType: c.contentType})
			if c.method == "POST" && c.status == 201 {
				r = e.do(t, req{method: c.method, path: c.path, token: alice,
					body: `{"title": "y"}`, contentType: c.contentType})
			}
			if c.status == 415 {
				wantProblem(t, r, 415, "unsupported_media_type")
			} else if r.status != c.status {
				t.Errorf("status %d, want %d: %s", r.status, c.status, r.body)
			}
		})
	}

	t.Run("no content type", func(t *testing.T) {
		r, _ := http.NewRequest("POST", e.base+"/api/alice/tasks",
			strings.NewReader(`{"title": "y"}`))
		r.Header.Set("Authorization", "Bearer "+alice)
		wantProblem(t, e.send(t, r), 415, "unsupported_media_type")
	})
}

func TestAPI_BodyLimit(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	const limit = 64 << 10
	// A valid body padded with white space to n bytes.
	body := func(n int) string {
		b := `{"title": "padded"}`
		return b + strings.Repeat(" ", n-len(b))
	}

	t.Run("exactly 64 KiB", func(t *testing.T) {
		wantTask(t, e.do(t, req{method: "POST", path: "/api/alice/tasks", token: alice,
			body: body(limit)}), http.StatusCreated)
	})
	t.Run("one byte more", func(t *testing.T) {
		wantProblem(t, e.do(t, req{method: "POST", path: "/api/alice/tasks", token: alice,
			body: body(limit + 1)}), 413, "payload_too_large")
	})
	t.Run("one byte more without Content-Length", func(t *testing.T) {
		r, _ := http.NewRequest("POST", e.base+"/api/alice/tasks",
			struct{ *strings.Reader }{strings.NewReader(body(limit + 1))})
		r.ContentLength = -1 // chunked
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+alice)
		wantProblem(t, e.send(t, r), 413, "payload_too_large")
	})
	t.Run("PATCH over the limit", func(t *testing.T) {
		tk := e.create(t, "alice", "x")
		wantProblem(t, e.do(t, req{method: "PATCH", path: taskPath("alice", tk.ID),
			token: alice, body: `{}` + strings.Repeat(" ", limit)}), 413, "payload_too_large")
	})
}

func TestAPI_UnknownTaskID(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	for _, id := range []string{"0190a8e0-0000-7000-8000-000000000000", "not-a-uuid", "%20"} {
		path := "/api/alice/tasks/" + id
		for _, rq := range []req{
			{method: "GET"},
			{method: "PUT", body: `{"title": "x", "completed": true}`},
			{method: "PATCH", body: `{"title": "x"}`},
			{method: "DELETE"},
		} {
			rq.path, rq.token = path, alice
			t.Run(fmt.Sprintf("%s %s", rq.method, id), func(t *testing.T) {
				wantProblem(t, e.do(t, rq), http.StatusNotFound, "not_found")
			})
		}
		wantProblem(t, e.do(t, req{method: "PATCH", path: path + "/complete",
			token: alice}), http.StatusNotFound, "not_found")
	}
}

// Ids, user ids and cursors that no store can hold (invalid UTF-8, NUL) are
// refused the same way on every store, before they reach it.
func TestAPI_UnstorableText(t *testing.T) {
	e := newEnv(t, options{})
	alice := e.token("alice")
	e.create(t, "alice", "x")

	for _, id := range []string{"abc%00", "%ff%fe", "%00"} {
		for _, method := range []string{"GET", "DELETE"} {
			r := e.do(t, req{method: method, path: "/api/alice/tasks/" + id, token: alice})
			wantProblem(t, r, http.StatusNotFound, "not_found")
		}
	}

	nul := e.sign(claims{"sub": "alice\x00"})
	r := e.do(t, req{method: "GET", path: "/api/alice%00/tasks", token: nul})
	wantProblem(t, r, http.StatusBadRequest, "validation_failed")

	long := strings.Repeat("u", gatehouse.MaxUserIDLength+1)
	r = e.do(t, req{method: "POST", path: "/api/" + long + "/tasks",
		token: e.sign(claims{"sub": long}), body: `{"title": "x"}`})
	wantProblem(t, r, http.StatusBadRequest, "validation_failed")
	longest := strings.Repeat("u", gatehouse.MaxUserIDLength)
	r = e.do(t, req{method: "POST", path: "/api/" + longest + "/tasks",
		token: e.sign(claims{"sub": longest}), body: `{"title": "x"}`})
	wantTask(t, r, http.StatusCreated)

	cursor := gatehouse.TaskCursor{Sort: gatehouse.SortTitle, Status: gatehouse.StatusAll,
		Title: "a\x00b", ID: "x"}.String()
	r = e.do(t, req{method: "GET", token: alice,
		path: "/api/alice/tasks?sort=title&cursor=" + url.QueryEscape(cursor)})
	wantProblem(t, r, http.StatusBadRequest, "validation_failed")
}
