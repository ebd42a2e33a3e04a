package http_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// route is one method and path of the API, with a body it accepts.
type route struct {
	method, path, body string
}

// ownedRoutes returns every route under /api/{user}, for a task id.
func ownedRoutes(user, id string) []route {
	return []route{
		{"GET", tasksPath(user), ""},
		{"POST", tasksPath(user), `{"title": "intruder"}`},
		{"GET", taskPath(user, id), ""},
		{"PUT", taskPath(user, id), `{"title": "intruder", "completed": true}`},
		{"PATCH", taskPath(user, id), `{"title": "intruder"}`},
		{"PATCH", taskPath(user, id) + "/complete", ""},
		{"DELETE", taskPath(user, id), ""},
	}
}

const challenge = `Bearer realm="gatehouse"`

func TestAPI_Authentication(t *testing.T) {
	e := newEnv(t, options{})
	tk := e.create(t, "alice", "x")
	now := time.Now().Unix()

	invalid := []struct {
		name, authorization, code string
	}{
		{"garbage", "Bearer not-a-token", "token_malformed"},
		{"expired", "Bearer " + e.sign(claims{"sub": "alice", "iat": now - 7200, "exp": now - 3600}), "token_expired"},
		{"not yet valid", "Bearer " + e.sign(claims{"sub": "alice", "nbf": now + 3600}), "token_not_yet_valid"},
		{"other issuer", "Bearer " + e.sign(claims{"sub": "alice", "iss": "https://evil.example"}), "issuer_invalid"},
		{"other audience", "Bearer " + e.sign(claims{"sub": "alice", "aud": "https://other.example"}), "audience_invalid"},
		{"no subject", "Bearer " + e.sign(claims{"sub": nil}), "subject_missing"},
		{"empty subject", "Bearer " + e.sign(claims{"sub": ""}), "subject_missing"},
		{"bad signature", "Bearer " + e.token("alice")[:len(e.token("alice"))-4] + "AAAA", "signature_invalid"},
		{"two tokens", "Bearer " + e.token("alice") + " " + e.token("alice"), "token_malformed"},
	}
	for _, rt := range ownedRoutes("alice", tk.ID) {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body})
			wantProblem(t, r, http.StatusUnauthorized, "token_missing")
			if got := r.header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != challenge {
				t.Errorf("WWW-Authenticate %q, want exactly %q", got, challenge)
			}

			for _, c := range invalid {
				r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body,
					header: http.Header{"Authorization": {c.authorization}}})
				wantProblem(t, r, http.StatusUnauthorized, c.code)
				got := r.header.Get("WWW-Authenticate")
				if !strings.HasPrefix(got, challenge+`, error="invalid_token", error_description="`) ||
					!strings.HasSuffix(got, `"`) {
					t.Errorf("%s: WWW-Authenticate %q, want an invalid_token challenge", c.name, got)
				}
			}
		})
	}

	t.Run("other schemes and places are not read", func(t *testing.T) {
		token := e.token("alice")
		for _, h := range []http.Header{
			{"Authorization": {"Basic " + token}},
			{"Cookie": {"token=" + token}},
			{"X-Access-Token": {token}},
		} {
			r := e.do(t, req{method: "GET", path: "/api/alice/tasks", header: h})
			wantProblem(t, r, http.StatusUnauthorized, "token_missing")
			if got := r.header.Get("WWW-Authenticate"); got != challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, challenge)
			}
		}
		r := e.do(t, req{method: "GET", path: "/api/alice/tasks?access_token=" + token})
		wantProblem(t, r, http.StatusUnauthorized, "token_missing")
	})
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		r := e.do(t, req{method: "GET", path: "/api/alice/tasks",
			header: http.Header{"Authorization": {"bEARER " + e.token("alice")}}})
		if r.status != http.StatusOK {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("two Authorization headers", func(t *testing.T) {
		r := e.do(t, req{method: "GET", path: "/api/alice/tasks",
			header: http.Header{"Authorization": {"Bearer " + e.token("alice"), "Bearer " + e.token("alice")}}})
		wantProblem(t, r, http.StatusUnauthorized, "token_malformed")
	})
}

func TestAPI_AuthenticationBeforeOwnership(t *testing.T) {
	e := newEnv(t, options{})
	bobTask := e.create(t, "bob", "bob's")
	expired := e.sign(claims{"sub": "alice", "exp": time.Now().Unix() - 3600})

	for _, rt := range ownedRoutes("bob", bobTask.ID) {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			wantProblem(t, e.do(t, req{method: rt.method, path: rt.path, body: rt.body}),
				http.StatusUnauthorized, "token_missing")
			wantProblem(t, e.do(t, req{method: rt.method, path: rt.path, body: rt.body,
				token: expired}), http.StatusUnauthorized, "token_expired")
			// Not even a bad body changes the order.
			if rt.body != "" {
				wantProblem(t, e.do(t, req{method: rt.method, path: rt.path,
					body: "{", token: expired}), http.StatusUnauthorized, "token_expired")
			}
		})
	}
}

func TestAPI_CrossUser(t *testing.T) {
	e := newEnv(t, options{})
	alice, bob := e.token("alice"), e.token("bob")
	aliceTask := e.create(t, "alice", "alice's")
	bobTask := e.create(t, "bob", "bob's")

	t.Run("alice on bob's paths", func(t *testing.T) {
		// The answer is the same for a user with data and one without.
		var first []byte
		for _, user := range []string{"bob", "carol"} {
			for _, id := range []string{bobTask.ID, aliceTask.ID} {
				for _, rt := range ownedRoutes(user, id) {
					r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body, token: alice})
					wantProblem(t, r, http.StatusForbidden, "forbidden")
					if r.header.Get("WWW-Authenticate") != "" {
						t.Errorf("%s %s: a 403 carries a challenge", rt.method, rt.path)
					}
					if first == nil {
						first = r.body
					} else if !bytes.Equal(r.body, first) {
						t.Errorf("%s %s: body %s differs from %s", rt.method, rt.path, r.body, first)
					}
				}
			}
		}
	})
	t.Run("alice on bob's task under her own path", func(t *testing.T) {
		for _, rt := range ownedRoutes("alice", bobTask.ID) {
			if rt.path == tasksPath("alice") {
				continue
			}
			r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body, token: alice})
			wantProblem(t, r, http.StatusNotFound, "not_found")
		}
	})
	t.Run("alice's list holds only her tasks", func(t *testing.T) {
		var list struct {
			Tasks      []task  `json:"tasks"`
			NextCursor *string `json:"next_cursor"`
		}
		decode(t, e.do(t, req{method: "GET", path: tasksPath("alice"), token: alice}), &list)
		if len(list.Tasks) != 1 || list.Tasks[0] != aliceTask {
			t.Errorf("alice's list = %+v", list.Tasks)
		}
	})
	t.Run("bob's task is untouched", func(t *testing.T) {
		got := wantTask(t, e.do(t, req{method: "GET", path: taskPath("bob", bobTask.ID),
			token: bob}), http.StatusOK)
		if got != bobTask {
			t.Errorf("bob's task = %+v, want %+v", got, bobTask)
		}
		var list struct {
			Tasks      []task  `json:"tasks"`
			NextCursor *string `json:"next_cursor"`
		}
		decode(t, e.do(t, req{method: "GET", path: tasksPath("bob"), token: bob}), &list)
		if len(list.Tasks) != 1 {
			t.Errorf("bob has %d tasks, want 1", len(list.Tasks))
		}
	})
	t.Run("bob on alice's task under his own path", func(t *testing.T) {
		for _, rt := range ownedRoutes("bob", aliceTask.ID) {
			if rt.path == tasksPath("bob") {
				continue
			}
			r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body, token: bob})
			wantProblem(t, r, http.StatusNotFound, "not_found")
		}
		got := wantTask(t, e.do(t, req{method: "GET", path: taskPath("alice", aliceTask.ID),
			token: alice}), http.StatusOK)
		if got != aliceTask {
			t.Errorf("alice's task = %+v, want %+v", got, aliceTask)
		}
	})
}

func TestAPI_OwnershipIsExact(t *testing.T) {
	e := newEnv(t, options{})
	cases := []struct {
		name, sub, pathUser string
		status              int
	}{
		{"same", "User-1", "User-1", 200},
		{"other case", "User-1", "user-1", 403},
		{"trailing space", "User-1", "User-1%20", 403},
		{"leading space", "User-1", "%20User-1", 403},
		{"escaped letters unescape once", "User-1", "%55ser-1", 200},
		{"escaped slash", "a/b", "a%2Fb", 200},
		{"double escape is not undone", "a/b", "a%252Fb", 403},
		{"double escape as the subject", "a%2Fb", "a%252Fb", 200},
		{"composed against decomposed", "caf\u00e9", url.PathEscape("cafe\u0301"), 403},
		{"composed", "caf\u00e9", url.PathEscape("caf\u00e9"), 200},
		{"prefix", "alice", "alic", 403},
		{"longer", "alice", "alice2", 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(t, req{method: "GET", path: "/api/" + c.pathUser + "/tasks",
				token: e.token(c.sub)})
			if c.status == 403 {
				wantProblem(t, r, 403, "forbidden")
			} else if r.status != c.status {
				t.Errorf("status %d, want %d: %s", r.status, c.status, r.body)
			}
		})
	}

	t.Run("a subject with a slash owns its tasks", func(t *testing.T) {
		token := e.token("a/b")
		created := wantTask(t, e.do(t, req{method: "POST", path: "/api/a%2Fb/tasks",
			token: token, body: `{"title": "x"}`}), http.StatusCreated)
		if created.UserID != "a/b" {
			t.Errorf("user_id %q, want a/b", created.UserID)
		}
		loc := e.do(t, req{method: "POST", path: "/api/a%2Fb/tasks", token: token,
			body: `{"title": "y"}`}).header.Get("Location")
		if !strings.HasPrefix(loc, "/api/a%2Fb/tasks/") {
			t.Errorf("Location %q, want it under /api/a%%2Fb/tasks/", loc)
		}
		wantTask(t, e.do(t, req{method: "GET", path: loc, token: token}), http.StatusOK)
	})
}

func TestAPI_NoResponseEchoesToken(t *testing.T) {
	e := newEnv(t, options{})
	tk := e.create(t, "alice", "x")
	now := time.Now().Unix()
	tokens := map[string]string{
		"valid":          e.token("alice"),
		"expired":        e.sign(claims{"sub": "alice", "exp": now - 3600}),
		"other audience": e.sign(claims{"sub": "alice", "aud": "https://other.example"}),
		"not ours":       e.token("mallory"),
	}
	tokens["bad signature"] = tokens["valid"][:len(tokens["valid"])-4] + "AAAA"

	var routes []route
	routes = append(routes, ownedRoutes("alice", tk.ID)...)
	routes = append(routes, ownedRoutes("bob", tk.ID)...)
	routes = append(routes,
		route{"POST", tasksPath("alice"), `{"title": 1}`},
		route{"GET", "/nowhere", ""},
		route{"TRACE", tasksPath("alice"), ""},
	)
	for name, token := range tokens {
		// The payload alone is as sensitive as the whole token.
		parts := strings.Split(token, ".")
		for _, rt := range routes {
			r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body, token: token})
			for _, secret := range append(parts, token) {
				if bytes.Contains(r.body, []byte(secret)) {
					t.Errorf("%s token, %s %s: body echoes the token: %s", name, rt.method, rt.path, r.body)
				}
				for k, vs := range r.header {
					for _, v := range vs {
						if strings.Contains(v, secret) {
							t.Errorf("%s token, %s %s: header %s echoes the token", name, rt.method, rt.path, k)
						}
					}
				}
			}
		}
		for _, rt := range []route{
			{"GET", "/api/alice/tasks?" + token + "=1", ""},
			{"POST", "/api/alice/tasks", `{"` + token + `": 1}`},
		} {
			r := e.do(t, req{method: rt.method, path: rt.path, body: rt.body, token: tokens["valid"]})
			if r.status != http.StatusBadRequest || bytes.Contains(r.body, []byte(parts[1])) {
				t.Errorf("%s %s: %d %s, want a 400 that does not echo the token", rt.method, rt.path, r.status, r.body)
			}
		}
	}
	logs := e.logs.String()
	for name, token := range tokens {
		if strings.Contains(logs, strings.Split(token, ".")[1]) {
			t.Errorf("the log holds the %s token", name)
		}
	}
	if strings.Contains(strings.ToLower(logs), "bearer") {
		t.Error("the log holds an Authorization header")
	}
}
