package interop

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// user is someone who signed up and then signed in through BetterAuth's
// HTTP API.
type user struct {
	id, name, email string

	sessionToken string         // "token" of the sign-in response body
	bearerToken  string         // set-auth-token header (bearer plugin)
	cookies      []*http.Cookie // set by the sign-in response
}

// newUser signs a user up with e-mail and password, then signs them in.
func (a *authServer) newUser(t testing.TB, name string) *user {
	t.Helper()
	u := &user{name: name, email: strings.ToLower(name) + "@example.com"}
	password := "password-of-" + strings.ToLower(name)

	var signUp struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	a.authCall(t, a.route("/sign-up/email"), map[string]string{
		"email": u.email, "password": password, "name": name,
	}, &signUp)
	u.id = signUp.User.ID
	if u.id == "" {
		t.Fatalf("sign-up of %s returned no user id", name)
	}

	var signIn struct {
		Token string `json:"token"`
	}
	resp := a.authCall(t, a.route("/sign-in/email"), map[string]string{
		"email": u.email, "password": password,
	}, &signIn)
	u.sessionToken = signIn.Token
	u.bearerToken = resp.Header.Get("Set-Auth-Token")
	u.cookies = resp.Cookies()
	if u.sessionToken == "" || u.bearerToken == "" || len(u.cookies) == 0 {
		t.Fatalf("sign-in of %s: token %q, set-auth-token %q, %d cookies",
			name, u.sessionToken, u.bearerToken, len(u.cookies))
	}
	return u
}

// cookie returns the value of the BetterAuth cookie named
// "better-auth."+name that sign-in set, exactly as sent.
func (u *user) cookie(t testing.TB, name string) string {
	t.Helper()
	for _, c := range u.cookies {
		if c.Name == "better-auth."+name {
			return c.Value
		}
	}
	t.Fatalf("sign-in set no better-auth.%s cookie", name)
	return ""
}

// tokenWithCookie asks GET /api/auth/token for a JWT, as a browser would.
func (a *authServer) tokenWithCookie(t testing.TB, u *user) string {
	t.Helper()
	req := a.request(t, a.route("/token"))
	for _, c := range u.cookies {
		req.AddCookie(c)
	}
	return a.tokenResponse(t, req)
}

// tokenWithBearer asks GET /api/auth/token for a JWT with the bearer
// plugin's token, as a mobile client would.
func (a *authServer) tokenWithBearer(t testing.TB, u *user) string {
	t.Helper()
	req := a.request(t, a.route("/token"))
	req.Header.Set("Authorization", "Bearer "+u.bearerToken)
	return a.tokenResponse(t, req)
}

func (a *authServer) tokenResponse(t testing.TB, req *http.Request) string {
	t.Helper()
	var got struct {
		Token string `json:"token"`
	}
	resp, body := a.send(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/auth/token: status %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &got); err != nil || got.Token == "" {
		t.Fatalf("GET /api/auth/token: no token in %s", body)
	}
	return got.Token
}

// sessionJWT returns the set-auth-jwt header of GET /api/auth/get-session.
func (a *authServer) sessionJWT(t testing.TB, u *user) string {
	t.Helper()
	req := a.request(t, a.route("/get-session"))
	for _, c := range u.cookies {
		req.AddCookie(c)
	}
	resp, body := a.send(t, req)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(u.id)) {
		t.Fatalf("GET /api/auth/get-session: status %d: %s",
			resp.StatusCode, body)
	}
	jwt := resp.Header.Get("Set-Auth-Jwt")
	if jwt == "" {
		t.Fatal("GET /api/auth/get-session: no set-auth-jwt header")
	}
	return jwt
}

// authCall posts JSON to a BetterAuth endpoint and decodes a 200 answer.
func (a *authServer) authCall(t testing.TB, path string, in, out any) *http.Response {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, a.base+path,
		bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, body := a.send(t, req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d: %s", path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("POST %s: %v: %s", path, err, body)
	}
	return resp
}

func (a *authServer) request(t testing.TB, path string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func (a *authServer) send(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", req.Method, req.URL.Path, err,
			a.output.String())
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return resp, body
}

// jwtParts are the decoded, unverified header and claims of a compact JWS.
type jwtParts struct {
	header map[string]any
	claims map[string]any
}

// peek decodes a JWT without verifying it, to check what BetterAuth sent.
func peek(t testing.TB, token string) jwtParts {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	var p jwtParts
	for i, dst := range []*map[string]any{&p.header, &p.claims} {
		data, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err == nil {
			err = json.Unmarshal(data, dst)
		}
		if err != nil {
			t.Fatalf("token part %d: %v", i+1, err)
		}
	}
	return p
}

func (p jwtParts) kid() string { s, _ := p.header["kid"].(string); return s }
func (p jwtParts) alg() string { s, _ := p.header["alg"].(string); return s }
func (p jwtParts) sub() string { s, _ := p.claims["sub"].(string); return s }

// withKID returns token with its header's kid replaced; the signature no
// longer matches, which does not matter to a key lookup.
func withKID(t testing.TB, token, kid string) string {
	t.Helper()
	p := peek(t, token)
	p.header["kid"] = kid
	header, err := json.Marshal(p.header)
	if err != nil {
		t.Fatal(err)
	}
	rest := token[strings.Index(token, "."):]
	return base64.RawURLEncoding.EncodeToString(header) + rest
}
