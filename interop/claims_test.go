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
	forEachRelease(t, func(t *testing.T, a *authServer) {
		cases := []struct {
			name     string
			audience any               // BetterAuth's jwt.audience
			env      map[string]string // Gatehouse's settings
			code     string            // "" when the token is accepted
		}{{
			name:     "string audience",
			audience: customAudience,
			env: map[string]string{
				"GATEHOUSE_ISSUER":   customIssuer,
				"GATEHOUSE_AUDIENCE": customAudience,
			},
		}, {
			name:     "array audience",
			audience: []string{"another-api", customAudience},
			env: map[string]string{
				"GATEHOUSE_ISSUER":   customIssuer,
				"GATEHOUSE_AUDIENCE": customAudience,
			},
		}, {
			name:     "audience list",
			audience: customAudience,
			env: map[string]string{
				"GATEHOUSE_ISSUER":   customIssuer,
				"GATEHOUSE_AUDIENCE": "another-api," + customAudience,
			},
		}, {
			name:     "issuer defaults to BetterAuth's origin",
			audience: customAudience,
			env:      map[string]string{"GATEHOUSE_AUDIENCE": customAudience},
			code:     "issuer_invalid",
		}, {
			name:     "audience defaults to BetterAuth's origin",
			audience: []string{"another-api", customAudience},
			env:      map[string]string{"GATEHOUSE_ISSUER": customIssuer},
			code:     "audience_invalid",
		}, {
			name:     "no audience in common",
			audience: []string{"another-api", customAudience},
			env: map[string]string{
				"GATEHOUSE_ISSUER":   customIssuer,
				"GATEHOUSE_AUDIENCE": "third-api,fourth-api",
			},
			code: "audience_invalid",
		}}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a.configure(t, authConfig{JWT: &jwtPlugin{
					JWT: &claimOptions{Issuer: customIssuer, Audience: c.audience},
				}})
				g := startGatehouse(t, a, c.env)
				u := a.newUser(t, "Alice")
				token := a.tokenWithCookie(t, u)
				if iss := peek(t, token).claims["iss"]; iss != customIssuer {
					t.Fatalf("BetterAuth's iss is %v, want %s", iss, customIssuer)
				}
				r := g.listTasks(t, u.id, token)
				if c.code == "" {
					wantStatus(t, "token", r, http.StatusOK)
				} else {
					wantRefused(t, "token", r, c.code)
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
