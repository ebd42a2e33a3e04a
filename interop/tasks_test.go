package interop

import (
	"encoding/json"
	"net/http"
	"testing"
)

// task is the part of Gatehouse's task JSON the tests check.
type task struct {
	ID          string `json:"id"`
	UserID      string `json:"user_id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Completed   bool   `json:"completed"`
}

func decodeTask(t testing.TB, what string, r reply) task {
	t.Helper()
	var got task
	if err := json.Unmarshal(r.body, &got); err != nil || got.ID == "" {
		t.Fatalf("%s: no task in %v", what, r)
	}
	return got
}

func decodeTaskIDs(t testing.TB, what string, r reply) []string {
	t.Helper()
	var page struct {
		Tasks []task `json:"tasks"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatalf("%s: %v in %v", what, err, r)
	}
	ids := []string{}
	for _, tk := range page.Tasks {
		ids = append(ids, tk.ID)
	}
	return ids
}

// TestTokenSources checks that every way BetterAuth hands out an API JWT
// yields a token Gatehouse accepts for its subject and only for it.
func TestTokenSources(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		a.configure(t, authConfig{})
		g := startGatehouse(t, a, nil)
		alice := a.newUser(t, "Alice")
		bob := a.newUser(t, "Bob")

		sources := []struct {
			name string
			get  func(testing.TB, *user) string
		}{
			{"token endpoint with session cookie", a.tokenWithCookie},
			{"token endpoint with bearer plugin token", a.tokenWithBearer},
			{"set-auth-jwt header of get-session", a.sessionJWT},
		}
		for _, src := range sources {
			t.Run(src.name, func(t *testing.T) {
				token := src.get(t, alice)
				if sub := peek(t, token).sub(); sub != alice.id {
					t.Fatalf("sub %q, want Alice's id %q", sub, alice.id)
				}
				wantStatus(t, "own list", g.listTasks(t, alice.id, token),
					http.StatusOK)
				wantStatus(t, "Bob's list", g.listTasks(t, bob.id, token),
					http.StatusForbidden)
			})
		}
	})
}

// TestTasks has two BetterAuth users work on their task lists through
// Gatehouse: each reaches only their own tasks.
func TestTasks(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		a.configure(t, authConfig{})
		g := startGatehouse(t, a, nil)
		alice, bob := a.newUser(t, "Alice"), a.newUser(t, "Bob")
		aliceToken := a.tokenWithCookie(t, alice)
		bobToken := a.sessionJWT(t, bob)

		aliceTasks := "/api/" + alice.id + "/tasks"
		r := g.call(t, "POST", aliceTasks, aliceToken,
			map[string]string{"title": "Buy milk", "description": "2 l"})
		wantStatus(t, "create", r, http.StatusCreated)
		created := decodeTask(t, "create", r)
		if created.UserID != alice.id || created.Title != "Buy milk" {
			t.Fatalf("created %+v, want Alice's task \"Buy milk\"", created)
		}
		one := aliceTasks + "/" + created.ID

		bobTasks := "/api/" + bob.id + "/tasks"
		r = g.call(t, "POST", bobTasks, bobToken,
			map[string]string{"title": "Walk the dog"})
		wantStatus(t, "Bob's create", r, http.StatusCreated)
		bobTask := decodeTask(t, "Bob's create", r)

		t.Run("other user", func(t *testing.T) {
			for _, c := range []struct{ method, path string }{
				{"GET", aliceTasks}, {"POST", aliceTasks}, {"GET", one},
				{"PUT", one}, {"PATCH", one}, {"PATCH", one + "/complete"},
				{"DELETE", one},
			} {
				r := g.call(t, c.method, c.path, bobToken,
					map[string]string{"title": "mine now"})
				wantStatus(t, c.method+" "+c.path+" as Bob", r,
					http.StatusForbidden)
			}
			ids := decodeTaskIDs(t, "Bob's list",
				g.call(t, "GET", bobTasks, bobToken, nil))
			if len(ids) != 1 || ids[0] != bobTask.ID {
				t.Fatalf("Bob's list %v, want only his task %s", ids,
					bobTask.ID)
			}
			r := g.call(t, "GET", one, aliceToken, nil)
			if decodeTask(t, "Alice's task", r).Title == "mine now" {
				t.Fatal("Bob's refused writes changed Alice's task")
			}
		})
		t.Run("owner", func(t *testing.T) {
			ownerWorkflow(t, g, aliceToken, aliceTasks, one, created.ID)
		})
		t.Run("no token", func(t *testing.T) {
			for _, path := range []string{aliceTasks, one} {
				r := g.call(t, "GET", path, "", nil)
				wantRefused(t, "GET "+path, r, "")
				got := r.header.Get("WWW-Authenticate")
				if got != `Bearer realm="gatehouse"` {
					t.Errorf("WWW-Authenticate %q, want exactly "+
						`Bearer realm="gatehouse"`, got)
				}
			}
		})
	})
}

// ownerWorkflow reads, changes, completes and deletes one task as its owner.
func ownerWorkflow(t *testing.T, g *gatehouse, token, list, one, id string) {
	ids := decodeTaskIDs(t, "list", g.call(t, "GET", list, token, nil))
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("list %v, want [%s]", ids, id)
	}

	r := g.call(t, "PUT", one, token, map[string]any{
		"title": "Buy oat milk", "description": "", "completed": false,
	})
	wantStatus(t, "PUT", r, http.StatusOK)
	if got := decodeTask(t, "PUT", r); got.Title != "Buy oat milk" {
		t.Fatalf("after PUT: title %q", got.Title)
	}

	r = g.call(t, "PATCH", one, token, map[string]any{"description": "1 l"})
	wantStatus(t, "PATCH", r, http.StatusOK)
	if got := decodeTask(t, "PATCH", r); got.Description != "1 l" ||
		got.Title != "Buy oat milk" {
		t.Fatalf("after PATCH: %+v", got)
	}

	r = g.call(t, "PATCH", one+"/complete", token, nil)
	wantStatus(t, "complete", r, http.StatusOK)
	if !decodeTask(t, "complete", r).Completed {
		t.Fatal("after complete: task is not completed")
	}
	r = g.call(t, "GET", one, token, nil)
	wantStatus(t, "GET", r, http.StatusOK)
	if !decodeTask(t, "GET", r).Completed {
		t.Fatal("GET after complete: task is not completed")
	}

	wantStatus(t, "DELETE", g.call(t, "DELETE", one, token, nil),
		http.StatusNoContent)
	wantStatus(t, "GET after DELETE", g.call(t, "GET", one, token, nil),
		http.StatusNotFound)
}
