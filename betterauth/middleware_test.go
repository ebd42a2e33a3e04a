package betterauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// served is what a request through Middleware produced.
type served struct {
	rec       *httptest.ResponseRecorder
	principal *Principal
	called    int
}

func serve(v *Verifier, onError ErrorHandler, r *http.Request) *served {
	s := &served{rec: httptest.NewRecorder()}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.called++
		s.principal, _ = PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusOK)
	})
	Middleware(v, onError)(next).ServeHTTP(s.rec, r)
	return s
}

// problem decodes a problem+json body.
func problem(tb testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	tb.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		tb.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		tb.Fatalf("body %q: %v", rec.Body, err)
	}
	return body
}

func TestMiddleware(t *testing.T) {
	k := newKey(t, "EdDSA")
	f := newFixture(t, Config{Secrets: []string{testSecret}}, k)
	tok := k.sign(t, f.claims(nil))
	expired := k.sign(t, f.claims(func(c map[string]any) {
		c["exp"] = f.clock.Now().Add(-time.Hour).Unix()
	}))
	const missing = `Bearer realm="gatehouse"`

	req := func(edit func(r *http.Request)) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
		if edit != nil {
			edit(r)
		}
		return r
	}
	auth := func(values ...string) func(r *http.Request) {
		return func(r *http.Request) {
			for _, v := range values {
				r.Header.Add("Authorization", v)
			}
		}
	}
	tests := []struct {
		name      string
		r         *http.Request
		status    []int
		challenge string // exact WWW-Authenticate, or a prefix ending in ","
		code      string
	}{
		{"valid", req(auth("Bearer " + tok)), []int{200}, "", ""},
		{"lower-case scheme", req(auth("bearer " + tok)), []int{200}, "", ""},
		{"upper-case scheme", req(auth("BEARER " + tok)), []int{200}, "", ""},
		{"mixed-case scheme", req(auth("BeArEr " + tok)), []int{200}, "", ""},
		{"HS256", req(auth("Bearer " + hmacKey("", []byte(testSecret)).sign(t, f.claims(nil)))),
			[]int{200}, "", ""},

		{"no Authorization", req(nil), []int{401}, missing, "token_missing"},
		{"token in query", httptest.NewRequest(http.MethodGet, "/tasks?access_token="+tok, nil),
			[]int{401}, missing, "token_missing"},
		{"token in query as token", httptest.NewRequest(http.MethodGet, "/tasks?token="+tok, nil),
			[]int{401}, missing, "token_missing"},
		{"token in cookie", req(func(r *http.Request) {
			for _, name := range []string{"access_token", "token", "better-auth.session_token",
				"__Secure-better-auth.session_token", "Authorization"} {
				r.AddCookie(&http.Cookie{Name: name, Value: tok})
			}
		}), []int{401}, missing, "token_missing"},
		{"token in form body", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/tasks",
				strings.NewReader(url.Values{"access_token": {tok}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(), []int{401}, missing, "token_missing"},
		{"token in another header", req(func(r *http.Request) {
			r.Header.Set("X-Access-Token", tok)
			r.Header.Set("X-Forwarded-Authorization", "Bearer "+tok)
		}), []int{401}, missing, "token_missing"},
		{"Basic scheme", req(auth("Basic dXNlcjpwYXNzd29yZA==")), []int{401}, "Bearer realm=", ""},
		{"token without scheme", req(auth(tok)), []int{401}, "Bearer realm=", ""},

		{"two Authorization headers", req(auth("Bearer "+tok, "Bearer "+tok)),
			[]int{400, 401}, "Bearer realm=", ""},
		{"two Authorization headers, one empty", req(auth("Bearer "+tok, "")),
			[]int{400, 401}, "Bearer realm=", ""},
		{"Bearer and Basic", req(auth("Basic dXNlcjpwYXNzd29yZA==", "Bearer "+tok)),
			[]int{400, 401}, "Bearer realm=", ""},
		{"two tokens in one header", req(auth("Bearer " + tok + ", Bearer " + tok)),
			[]int{400, 401}, "Bearer realm=", ""},
		{"scheme only", req(auth("Bearer")), []int{400, 401}, "Bearer realm=", ""},
		{"scheme and space", req(auth("Bearer ")), []int{400, 401}, "Bearer realm=", ""},
		{"two spaces", req(auth("Bearer  " + tok)), []int{400, 401}, "Bearer realm=", ""},
		{"trailing word", req(auth("Bearer " + tok + " extra")),
			[]int{400, 401}, "Bearer realm=", ""},

		{"expired", req(auth("Bearer " + expired)), []int{401},
			`Bearer realm="gatehouse", error="invalid_token",`, "token_expired"},
		{"garbage", req(auth("Bearer not-a-token")), []int{401},
			`Bearer realm="gatehouse", error="invalid_token",`, "token_malformed"},
		{"opaque session token", req(auth("Bearer Jc3Y1bGxH8Qm1nqPzcnNHcxXc8bZ2Tgh.c2lnbmF0dXJl")),
			[]int{401},
			`Bearer realm="gatehouse", error="invalid_token",`, "token_malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(f.v, nil, tt.r)
			if !containsInt(tt.status, s.rec.Code) {
				t.Fatalf("status = %d, want %v; body %s", s.rec.Code, tt.status, s.rec.Body)
			}
			if s.rec.Code == http.StatusOK {
				if s.called != 1 || s.principal == nil || s.principal.Subject != "user-1" {
					t.Errorf("handler called %d times with principal %+v", s.called, s.principal)
				}
				return
			}
			if s.called != 0 {
				t.Errorf("handler called on a refused request")
			}
			got := s.rec.Header().Get("WWW-Authenticate")
			if strings.HasSuffix(tt.challenge, ",") || strings.HasSuffix(tt.challenge, "=") {
				if !strings.HasPrefix(got, tt.challenge) {
					t.Errorf("WWW-Authenticate = %q, want it to start with %q", got, tt.challenge)
				}
			} else if got != tt.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if !strings.Contains(got, `realm="gatehouse"`) {
				t.Errorf("WWW-Authenticate = %q lacks the realm", got)
			}
			body := problem(t, s.rec)
			if tt.code != "" && body["code"] != tt.code {
				t.Errorf("code = %v, want %s", body["code"], tt.code)
			}
			if body["status"] != float64(s.rec.Code) {
				t.Errorf("body status = %v, want %d", body["status"], s.rec.Code)
			}
			checkNoLeak(t, tok, s.rec.Body.String(), got)
			checkNoLeak(t, expired, s.rec.Body.String(), got)
		})
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestMiddleware_KeysUnavailable checks that a missing key set is a 503
// with Retry-After, never a 401 blaming the token.
func TestMiddleware_KeysUnavailable(t *testing.T) {
	k := newKey(t, "EdDSA")
	srv := newJWKSServer(t, k)
	srv.setStatus(http.StatusBadGateway)
	clock := newFakeClock()
	v := newTestVerifier(t, srv, Config{Now: clock.Now})
	tok := k.sign(t, userClaimsAt("user-1", clock.Now()))

	r := httptest.NewRequest(http.MethodGet, "/tasks", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	s := serve(v, nil, r)
	if s.rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503", s.rec.Code)
	}
	ra := s.rec.Header().Get("Retry-After")
	if n, err := strconv.Atoi(ra); err != nil || n <= 0 {
		t.Errorf("Retry-After = %q, want a positive number of seconds", ra)
	}
	if h := s.rec.Header().Get("WWW-Authenticate"); strings.Contains(h, "invalid_token") {
		t.Errorf("WWW-Authenticate = %q blames the token", h)
	}
	body := problem(t, s.rec)
	if body["code"] != "keys_unavailable" {
		t.Errorf("code = %v, want keys_unavailable", body["code"])
	}
	if s.called != 0 {
		t.Error("handler called")
	}
	checkNoLeak(t, tok, s.rec.Body.String())
}

// TestMiddleware_ErrorHandler checks that a custom handler gets the
// sentinel error after the challenge headers are set.
func TestMiddleware_ErrorHandler(t *testing.T) {
	f := newSecretFixture(t, Config{})
	var got error
	var challenge string
	onError := func(w http.ResponseWriter, r *http.Request, err error) {
		got, challenge = err, w.Header().Get("WWW-Authenticate")
		w.WriteHeader(http.StatusTeapot)
	}
	tok := hmacKey("", []byte(secretOld)).sign(t, f.claims(nil))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	s := serve(f.v, onError, r)
	if s.rec.Code != http.StatusTeapot {
		t.Errorf("status = %d, want the handler's", s.rec.Code)
	}
	if !errors.Is(got, ErrSignatureInvalid) {
		t.Errorf("handler got %v, want ErrSignatureInvalid", got)
	}
	if !strings.HasPrefix(challenge, `Bearer realm="gatehouse", error="invalid_token"`) {
		t.Errorf("challenge when the handler ran = %q", challenge)
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
		err    *Error
	}{
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", nil},
		{"lower case", []string{"bearer abc.def.ghi"}, "abc.def.ghi", nil},
		{"upper case", []string{"BEARER abc.def.ghi"}, "abc.def.ghi", nil},
		{"none", nil, "", ErrTokenMissing},
		{"two", []string{"Bearer a.b.c", "Bearer a.b.c"}, "", ErrTokenMalformed},
		{"basic", []string{"Basic dXNlcjpwYXNz"}, "", ErrTokenMissing},
		{"empty", []string{""}, "", ErrTokenMissing},
		{"scheme only", []string{"Bearer"}, "", nil},
		{"tab", []string{"Bearer\ta.b.c"}, "", nil},
		{"two tokens", []string{"Bearer a.b.c d.e.f"}, "", ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			for _, v := range tt.values {
				r.Header.Add("Authorization", v)
			}
			got, err := BearerToken(r)
			if tt.want != "" {
				if err != nil || got != tt.want {
					t.Errorf("BearerToken = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("BearerToken = %q, want an error", got)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
			checkErr(t, err, "", ErrTokenMissing, ErrTokenMalformed)
		})
	}
}

func TestPrincipalFrom(t *testing.T) {
	if p, ok := PrincipalFrom(context.Background()); ok || p != nil {
		t.Errorf("PrincipalFrom(empty) = %v, %v", p, ok)
	}
	if p, ok := PrincipalFrom(WithPrincipal(context.Background(), nil)); ok || p != nil {
		t.Errorf("PrincipalFrom(nil principal) = %v, %v", p, ok)
	}
	want := &Principal{Subject: "user-1"}
	if p, ok := PrincipalFrom(WithPrincipal(context.Background(), want)); !ok || p != want {
		t.Errorf("PrincipalFrom = %v, %v", p, ok)
	}
}
