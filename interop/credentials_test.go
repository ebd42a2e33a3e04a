package interop

import (
	"net/http"
	"testing"
)

// credential is something BetterAuth hands out that is not an API JWT.
type credential struct {
	name, value string
}

// gatehouseModes are the key sources the non-API credentials are tried
// against. The shared secret matters most: several of BetterAuth's other
// tokens are HS256 JWTs signed with it.
var gatehouseModes = []struct {
	name string
	env  map[string]string
}{
	{"JWKS", nil},
	{"JWKS and shared secret", map[string]string{
		"BETTER_AUTH_SECRET": sharedSecret,
	}},
}

// TestNonAPICredentials presents every other credential BetterAuth issues
// as a bearer token. Each must be refused with 401: never accepted, never a
// server error.
func TestNonAPICredentials(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		cases := []struct {
			name  string
			cache *cookieCache
			// jwksCache turns on jwt({sessionCookieCache: true}).
			jwksCache bool
			creds     func(t testing.TB, u *user, api string) []credential
		}{
			{"session", nil, false, sessionCredentials(a)},
			{"cookie cache compact", cacheWith("compact"), false, sessionData},
			{"cookie cache jwt", cacheWith("jwt"), false, hs256SessionData},
			{"cookie cache jwe", cacheWith("jwe"), false, sessionData},
			{"JWKS-signed cookie cache", cacheWith("jwt"), true, jwksSessionData},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.jwksCache && !a.rel.sessionCookieCache {
					t.Skipf("better-auth %s has no jwt({sessionCookieCache})"+
						" option: session_data is never signed with the"+
						" JWKS keys", a.version)
				}
				cfg := authConfig{CookieCache: c.cache}
				if c.jwksCache {
					cfg.JWT = &jwtPlugin{SessionCookieCache: true}
				}
				a.configure(t, cfg)
				u := a.newUser(t, "Alice")
				api := a.tokenWithCookie(t, u)
				creds := c.creds(t, u, api)

				for _, mode := range gatehouseModes {
					g := startGatehouse(t, a, mode.env)
					// The API token proves this Gatehouse knows the keys,
					// so each refusal below is about the credential.
					wantStatus(t, mode.name+": API token",
						g.listTasks(t, u.id, api), http.StatusOK)
					for _, cred := range creds {
						wantRefused(t, mode.name+": "+cred.name,
							g.listTasks(t, u.id, cred.value), "")
					}
				}
			})
		}
	})
}

func cacheWith(strategy string) *cookieCache {
	return &cookieCache{Enabled: true, Strategy: strategy, MaxAge: 300}
}

// sessionCredentials are the session token in its three forms and the
// e-mail verification token, an HS256 JWT signed with the shared secret.
func sessionCredentials(a *authServer) func(testing.TB, *user, string) []credential {
	return func(t testing.TB, u *user, _ string) []credential {
		verification := a.verificationToken(t, u.email)
		if alg := peek(t, verification).alg(); alg != "HS256" {
			t.Fatalf("verification token is %s, want HS256", alg)
		}
		return []credential{
			{"session token", u.sessionToken},
			{"bearer plugin token", u.bearerToken},
			{"session_token cookie", u.cookie(t, "session_token")},
			{"e-mail verification token", verification},
		}
	}
}

func sessionData(t testing.TB, u *user, _ string) []credential {
	return []credential{{"session_data cookie", u.cookie(t, "session_data")}}
}

// hs256SessionData is the session_data cookie of the jwt strategy: an HS256
// JWT signed with the shared secret.
func hs256SessionData(t testing.TB, u *user, _ string) []credential {
	t.Helper()
	value := u.cookie(t, "session_data")
	if alg := peek(t, value).alg(); alg != "HS256" {
		t.Fatalf("session_data is signed with %s, want HS256", alg)
	}
	return []credential{{"session_data cookie", value}}
}

// jwksSessionData is the session_data cookie signed with the same key as
// the API token, with the same issuer and subject: only its aud and typ
// differ.
func jwksSessionData(t testing.TB, u *user, api string) []credential {
	t.Helper()
	value := u.cookie(t, "session_data")
	p := peek(t, value)
	if p.kid() != peek(t, api).kid() || p.sub() != u.id {
		t.Fatalf("session_data kid %q sub %q, want the API token's kid %q"+
			" and sub %q", p.kid(), p.sub(), peek(t, api).kid(), u.id)
	}
	return []credential{{"JWKS-signed session_data cookie", value}}
}

// TestCookiesAreNotCredentials sends BetterAuth's cookies as cookies: the
// API reads only the Authorization header.
func TestCookiesAreNotCredentials(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		a.configure(t, authConfig{CookieCache: cacheWith("jwt")})
		g := startGatehouse(t, a, gatehouseModes[1].env)
		u := a.newUser(t, "Alice")
		req, err := http.NewRequest(http.MethodGet,
			g.base+"/api/"+u.id+"/tasks", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range u.cookies {
			req.AddCookie(c)
		}
		wantRefused(t, "session cookies", g.do(t, req), "token_missing")
	})
}
