package interop

import (
	"net/http"
	"testing"
)

const (
	customIssuer   = "https://auth.interop.test"
	customAudience = "gatehouse-interop"
)

// TestIssuerAndAudience configures BetterAuth's issuer and audience and
// checks that Gatehouse accepts exactly the tokens its own settings name.
func TestIssuerAndAudience(t *testing.T) {
	custom := map[string]string{
		"GATEHOUSE_ISSUER":   customIssuer,
		"GATEHOUSE_AUDIENCE": customAudience,
	}
	type setting struct {
		name string
		env  map[string]string // Gatehouse's settings
		code string            // "" when the token is accepted
	}
	cases := []struct {
		name     string
		audience any // BetterAuth's jwt.audience
		settings []setting
	}{{
		name:     "string audience",
		audience: customAudience,
		settings: []setting{
			{"same issuer and audience", custom, ""},
			{"audience in a list", map[string]string{
				"GATEHOUSE_ISSUER":   customIssuer,
				"GATEHOUSE_AUDIENCE": "another-api," + customAudience,
			}, ""},
			{"default issuer", map[string]string{
				"GATEHOUSE_AUDIENCE": customAudience,
			}, "issuer_invalid"},
		},
	}, {
		name:     "array audience",
		audience: []string{"another-api", customAudience},
		settings: []setting{
			{"one of the audiences", custom, ""},
			{"default audience", map[string]string{
				"GATEHOUSE_ISSUER": customIssuer,
			}, "audience_invalid"},
			{"no audience in common", map[string]string{
				"GATEHOUSE_ISSUER":   customIssuer,
				"GATEHOUSE_AUDIENCE": "third-api,fourth-api",
			}, "audience_invalid"},
		},
	}}
	forEachRelease(t, func(t *testing.T, a *authServer) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a.configure(t, authConfig{JWT: &jwtPlugin{
					JWT: &claimOptions{Issuer: customIssuer, Audience: c.audience},
				}})
				u := a.newUser(t, "Alice")
				token := a.tokenWithCookie(t, u)
				if iss := peek(t, token).claims["iss"]; iss != customIssuer {
					t.Fatalf("BetterAuth's iss is %v, want %s", iss, customIssuer)
				}
				for _, s := range c.settings {
					t.Run(s.name, func(t *testing.T) {
						g := startGatehouse(t, a, s.env)
						r := g.listTasks(t, u.id, token)
						if s.code == "" {
							wantStatus(t, "token", r, http.StatusOK)
						} else {
							wantRefused(t, "token", r, s.code)
						}
					})
				}
			})
		}
	})
}

// TestJWKSPath moves BetterAuth's JWKS and points Gatehouse at it.
func TestJWKSPath(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		const path = "/.well-known/jwks.json"
		a.configure(t, authConfig{JWT: &jwtPlugin{
			JWKS: &jwksOptions{JWKSPath: path},
		}})
		g := startGatehouse(t, a, map[string]string{
			"BETTER_AUTH_JWKS_URL": a.base + "/api/auth" + path,
		})
		u := a.newUser(t, "Alice")
		wantStatus(t, "token", g.listTasks(t, u.id, a.tokenWithCookie(t, u)),
			http.StatusOK)
		if n := a.stats(t).JWKS; n < 1 {
			t.Errorf("%s was fetched %d times, want at least once", path, n)
		}
	})
}

// TestBaseURLWithPath gives BetterAuth a base URL with a path, which
// BetterAuth takes as the whole base of its routes (its JWKS is then at
// BASE_URL/jwks), while the issuer and audience stay the origin.
func TestBaseURLWithPath(t *testing.T) {
	forEachRelease(t, func(t *testing.T, a *authServer) {
		base := a.base + "/auth"
		a.configure(t, authConfig{BaseURL: base})
		u := a.newUser(t, "Alice")
		token := a.tokenWithCookie(t, u)
		if iss := peek(t, token).claims["iss"]; iss != a.base {
			t.Fatalf("BetterAuth's iss is %v, want the origin %s", iss, a.base)
		}

		t.Run("explicit JWKS URL", func(t *testing.T) {
			g := startGatehouse(t, a, map[string]string{
				"BETTER_AUTH_URL":      base,
				"BETTER_AUTH_JWKS_URL": base + "/jwks",
			})
			wantStatus(t, "token", g.listTasks(t, u.id, token), http.StatusOK)
		})
		t.Run("default JWKS URL", func(t *testing.T) {
			// BetterAuth serves BETTER_AUTH_URL/jwks when the URL has a
			// path; Gatehouse's default must follow.
			g := startGatehouse(t, a, map[string]string{"BETTER_AUTH_URL": base})
			wantStatus(t, "token", g.listTasks(t, u.id, token), http.StatusOK)
		})
	})
}
